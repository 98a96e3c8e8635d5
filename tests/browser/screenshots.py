"""Screenshot every main page of a running studio, on a desktop and a phone-sized viewport.

Not a test: a tool for looking at the pages. Run the demo (``make run``, or migrate + load_demo +
runserver), then::

    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000 --username demo --password ...

The images land in ``test-results/screens/`` (``<page>-desktop.png`` and ``<page>-mobile.png``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def assistant_url(page: Page, base: str, name: str) -> str | None:
    page.goto(f"{base}/?q={name}")
    link = page.get_by_role("link", name=name, exact=True).first
    if link.count() == 0:
        return None
    href = link.get_attribute("href")
    return f"{base}{href}" if href else None


def pages_to_take(page: Page, base: str) -> dict[str, str]:
    shots = {
        "assistant-list": f"{base}/",
        "graph-list": f"{base}/graphs/",
        "graph-detail-writer": f"{base}/graphs/writer/",
        "graph-detail-researcher": f"{base}/graphs/researcher/",
        "assistant-create-choose": f"{base}/assistant/new/",
        "assistant-create-researcher": f"{base}/assistant/new/?graph=researcher",
    }
    blog = assistant_url(page, base, "Blog writer")
    if blog:
        shots |= {
            "assistant-detail": blog,
            "assistant-edit": f"{blog}edit/",
            "version-compare": f"{blog}compare/?a=1&b=3",
            "version-detail": f"{blog}v1/",
            "version-publish-confirm": f"{blog}v3/publish/confirm/",
            "version-restore-confirm": f"{blog}v1/restore/confirm/",
            "assistant-duplicate": f"{blog}duplicate/",
            "assistant-delete-confirm": f"{blog}delete/confirm/",
        }
    researcher = assistant_url(page, base, "researcher")
    if researcher:
        shots |= {"assistant-edit-researcher": f"{researcher}edit/"}
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", default="test-results/screens")
    parser.add_argument("--only", default="", help="comma-separated page names to take")
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            if not only or "login" in only:
                page.screenshot(path=str(out / f"login-{label}.png"), full_page=True)
            sign_in(page, base, args.username, args.password)
            for name, url in pages_to_take(page, base).items():
                if only and name not in only:
                    continue
                page.goto(url)
                page.wait_for_load_state("networkidle")
                path = out / f"{name}-{label}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path)
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
