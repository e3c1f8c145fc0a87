"""Waiting for a child server to listen, and stopping it by its pid: one way for all."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable


def wait_for_port(
    port: int,
    process: subprocess.Popen[bytes],
    what: str,
    timeout: float = 30.0,
    output: Callable[[], str] = lambda: "",
) -> None:
    """Return once 127.0.0.1:``port`` accepts connections; fail if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{output()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not listen on port {port} within {timeout}s")
        time.sleep(0.05)


def stop_child(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM to our own child by its pid; SIGKILL if it does not go."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
