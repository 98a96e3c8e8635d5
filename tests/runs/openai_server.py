"""A small OpenAI-compatible HTTP server for tests: ``POST /v1/chat/completions``, plain JSON or
server-sent events (``"stream": true``), on 127.0.0.1 and a free port.

It answers deterministically from the request (model and last message), records every request,
and can be told to fail like a provider does (``mode = "rate_limit"`` answers 429, ``"slow"``
waits longer than a client's timeout).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class OpenAIServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"
        self.delay = 3.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": f"Unknown path {self.path}"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"body": body, "authorization": self.headers.get("Authorization")}
                )
                if server.mode == "rate_limit":
                    self._json(
                        429,
                        {
                            "error": {
                                "message": "Rate limit reached for gpt-4o-mini. Try again in 20s.",
                                "type": "requests",
                                "code": "rate_limit_exceeded",
                            }
                        },
                    )
                    return
                if server.mode == "slow":
                    time.sleep(server.delay)
                text = server.answer(body)
                if body.get("stream"):
                    self._stream(body, text)
                else:
                    self._json(200, server.completion(body, text))

            def _json(self, status: int, data: Any) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, body: dict[str, Any], text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0}
                base["model"] = body.get("model", "")
                pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
                for n, piece in enumerate(pieces):
                    delta = {"content": piece} | ({"role": "assistant"} if n == 0 else {})
                    choice = {"index": 0, "delta": delta, "finish_reason": None}
                    self._event({**base, "choices": [choice]})
                self._event(
                    {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                )
                if (body.get("stream_options") or {}).get("include_usage"):
                    self._event({**base, "choices": [], "usage": server.usage(body, text)})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, data: Any) -> None:
                self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def answer(body: dict[str, Any]) -> str:
        last = next((m for m in reversed(body.get("messages", [])) if m.get("role") == "user"), {})
        return f"Real answer from {body.get('model')} to: {last.get('content', '')}"

    @staticmethod
    def usage(body: dict[str, Any], text: str) -> dict[str, int]:
        prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        answer = len(text.split())
        return {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
        }

    def completion(self, body: dict[str, Any], text: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": self.usage(body, text),
        }

    def start(self) -> OpenAIServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
