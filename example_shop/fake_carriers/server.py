"""A small threaded HTTP server with a route table and a record of every request."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[..., Response]


@dataclass(frozen=True)
class Recorded:
    """One request the fake was sent."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.body.decode()))


class FakePlatform:
    """Routes, a request log, and knobs to make the next calls fail or hang.

    Subclasses add routes with :meth:`route` and keep their own state under
    ``self.lock``. ``fail_next(n)`` answers the next ``n`` calls to a path that
    matches with a 5xx *without doing anything*; ``hang_next(n)`` does the work and
    then answers too late for the client (a lost answer).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._fail: list[tuple[re.Pattern[str], int]] = []
        self._hang: list[tuple[re.Pattern[str], float]] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ---------------------------------------------------------------- set-up
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"/?\Z"), handler))

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakePlatform:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- knobs
    def fail_next(self, path_pattern: str, times: int = 1, status: int = 500) -> None:
        with self.lock:
            self._fail.extend([(re.compile(path_pattern), status)] * times)

    def hang_next(self, path_pattern: str, seconds: float, times: int = 1) -> None:
        with self.lock:
            self._hang.extend([(re.compile(path_pattern), seconds)] * times)

    def sent(self, method: str, path_pattern: str) -> list[Recorded]:
        """The recorded requests to paths matching ``path_pattern``."""
        pattern = re.compile(path_pattern + r"/?\Z")
        with self.lock:
            return [r for r in self.requests if r.method == method and pattern.match(r.path)]

    # ---------------------------------------------------------------- serving
    def _take(self, queue: list[tuple[re.Pattern[str], Any]], path: str) -> Any:
        with self.lock:
            for index, (pattern, value) in enumerate(queue):
                if pattern.search(path):
                    del queue[index]
                    return value
        return None

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        recorded = Recorded(
            request.method,
            request.path,
            dict(request.args),
            {k.lower(): v for k, v in request.headers.items()},
            body,
        )
        with self.lock:
            self.requests.append(recorded)
        status = self._take(self._fail, request.path)
        if status is not None:
            response = json_response({"error": {"message": "Internal server error"}}, status)
            return response(environ, start_response)
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                response = handler(recorded, **match.groupdict())
                break
        else:
            response = json_response({"error": {"message": "Not found"}}, 404)
        delay = self._take(self._hang, request.path)
        if delay:
            time.sleep(delay)
        return response(environ, start_response)


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")
