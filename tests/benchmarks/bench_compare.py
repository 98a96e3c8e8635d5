"""How long the compare page's text diffs take on hostile and on ordinary prompts.

Run: ``.venv/bin/python tests/benchmarks/bench_compare.py`` (prints one line per case). Each case
diffs two prompts the way the compare page does (the inline diff and the side-by-side table,
sharing one budget) and reports the time and whether the budget made the diff coarser.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("STUDIO_ALLOW_DEV_SECRET", "1")

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
WORDS = [
    "the",
    "a",
    "of",
    "to",
    "write",
    "post",
    "blog",
    "reader",
    "clear",
    "short",
    "example",
    "topic",
    "style",
    "voice",
    "audience",
    "summary",
    "draft",
    "tone",
    "friendly",
    "expert",
    "avoid",
    "jargon",
    "explain",
    "step",
    "list",
    "title",
    "end",
    "takeaway",
]


def _lines(rnd: random.Random, count: int, make: Callable[[], str]) -> str:
    return "\n".join(make() for _ in range(count))


def cases() -> dict[str, tuple[str, str]]:
    rnd = random.Random(7)

    def punct(n: int, alphabet: str = PUNCTUATION) -> Callable[[], str]:
        return lambda: "".join(rnd.choice(alphabet) for _ in range(n))

    def prose(n: int) -> Callable[[], str]:
        return lambda: " ".join(rnd.choice(WORDS) for _ in range(n)) + "."

    ordinary = _lines(rnd, 100, prose(15))
    edited = "\n".join(
        line.replace(" the ", " a ") if i % 3 == 0 else line
        for i, line in enumerate(ordinary.split("\n"))
    )
    return {
        "200 lines x 1,400 punctuation (every line changed)": (
            _lines(rnd, 200, punct(1400)),
            _lines(rnd, 200, punct(1400)),
        ),
        "200 lines x 1,400 of two marks": (
            _lines(rnd, 200, punct(1400, "-=")),
            _lines(rnd, 200, punct(1400, "-=")),
        ),
        "1,400 lines of two marks": (
            _lines(rnd, 1400, punct(1, "-=")),
            _lines(rnd, 1400, punct(1, "-=")),
        ),
        "500,000 lines of two marks (2 MB)": (
            _lines(rnd, 500_000, punct(1, "-=")),
            _lines(rnd, 500_000, punct(1, "-=")),
        ),
        "one line of 2 MB": ("x" * 2_000_000, "y" * 2_000_000),
        "ordinary 100-line prompt, a third of the lines edited": (ordinary, edited),
    }


def main() -> None:
    import django

    django.setup()
    from assistants.diff import diff_configs

    for name, (old, new) in cases().items():
        started = time.perf_counter()
        (change,) = diff_configs({"prompt": old}, {"prompt": new})
        change.inline  # noqa: B018 - rendering is the point
        rows = change.side_by_side
        elapsed = time.perf_counter() - started
        coarse = "coarser" if change.budget.coarse else "word-level"
        print(f"{elapsed:7.3f} s  {len(rows):6} rows  {coarse:10}  {name}")


if __name__ == "__main__":
    main()
