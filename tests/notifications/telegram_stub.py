"""A local HTTP server standing in for Telegram's Bot API: it records every call and answers as told
(ok, 429 with ``retry_after``, 500, or hanging before it answers)."""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    method: str
    body: dict
    at: float = field(default_factory=time.monotonic)


class TelegramStub:
    def __init__(self):
        self.calls: list[Call] = []
        self._answers: deque[tuple] = deque()
        self._lock = threading.Lock()
        self._message_ids = iter(range(1000, 10**9))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "TelegramStub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_next(self, *answers: tuple) -> None:
        """The next calls' answers, in order: ("429", retry_after), ("500",), ("hang", seconds); then ok again."""
        with self._lock:
            self._answers.extend(answers)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent(self) -> list[dict]:
        """The bodies of the sendMessage calls answered ok, in order."""
        return [call.body for call in self.calls_to("sendMessage") if call.body.get("_answered") == "ok"]

    def _record(self, method: str, body: dict) -> tuple:
        with self._lock:
            answer = self._answers.popleft() if self._answers else ("ok",)
            body["_answered"] = answer[0]
            self.calls.append(Call(method, body))
            return answer

    def _reply(self, method: str, body: dict) -> tuple[int, dict]:
        answer = self._record(method, body)
        if answer[0] == "hang":
            time.sleep(answer[1])
            return 200, {"ok": True, "result": True}
        if answer[0] == "429":
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry later",
                         "parameters": {"retry_after": answer[1]}}
        if answer[0] == "500":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if answer[0] == "400":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        if method == "sendMessage":
            return 200, {"ok": True, "result": {"message_id": next(self._message_ids), "chat": {"id": body.get("chat_id")},
                                                "text": body.get("text")}}
        return 200, {"ok": True, "result": True}

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                method = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = stub._reply(method, body)
                raw = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass  # the caller gave up waiting (a hang longer than its timeout)

            def log_message(self, format, *args):
                pass

        return Handler
