"""App servers as a shop runs them: gunicorn processes on 127.0.0.1, stopped by pid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from example_shop.local_stripe import free_port

from .processes import stop_child, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


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
        wait_for_port(
            port, process, "gunicorn", timeout=60, output=lambda: log.read_text(errors="replace")
        )
        return f"http://127.0.0.1:{port}"

    yield serve
    for process in started:
        stop_child(process, timeout=20)
