"""App servers as a shop runs them: gunicorn processes on 127.0.0.1, stopped by pid."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from example_shop.local_stripe import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening within 60 s")


@pytest.fixture
def app_servers(tmp_path: Path) -> Iterator[Callable[[dict], str]]:
    """Factory: ``serve(config)`` starts gunicorn (2 workers) on the app that
    ``tests/worker_apps.py`` makes from ``config``; returns its base URL."""
    started: list[subprocess.Popen[bytes]] = []

    def serve(config: dict) -> str:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        env = {**os.environ, "RETURNS_TEST_APP": json.dumps(config), "PYTHONPATH": str(ROOT)}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                 f"127.0.0.1:{port}", "--timeout", "60", "tests.worker_apps:create_app()"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        started.append(process)
        _wait_for(port, process, log)
        return f"http://127.0.0.1:{port}"

    yield serve
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
