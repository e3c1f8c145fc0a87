"""Run the ``localstripe`` fake Stripe API safely for the demo shop and the tests.

``localstripe`` (GPL) is imported at runtime only; none of its code is copied here.
Upstream ``localstripe`` listens on every interface (``::``) and pickles its whole
store to the shared file ``/tmp/localstripe.pickle``, so two runs would leak state
into each other and the API would be reachable from the network. This launcher binds
to 127.0.0.1 only, keeps each run's state in its own file under ``--state-dir`` and
always starts from an empty store.

Run it as ``python -m example_shop.local_stripe --port N --state-dir DIR`` or use
:class:`LocalStripeServer` from Python.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import stripe

#: Folder that holds ``example_shop/``; the child process needs it on ``sys.path``
#: because ``example_shop`` is not part of the installed distribution.
_REPO_ROOT = Path(__file__).resolve().parent.parent

#: Test card that localstripe charges successfully (Stripe's public "Visa" test number).
TEST_CARD_NUMBER = "4242424242424242"


def state_file_for(state_dir: str | os.PathLike[str], port: int, pid: int) -> Path:
    """Name of one run's state file; parent and child both derive it, so no handshake."""
    return Path(state_dir) / f"localstripe-{port}-{pid}.pickle"


def free_port() -> int:
    """Ask the kernel for a currently unused loopback port (racy, but fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redirect_store(state_file: Path) -> None:
    """Point localstripe's pickle persistence at ``state_file`` instead of /tmp."""
    from localstripe import resources

    def try_load_from_disk(self: dict[str, Any]) -> None:
        # Never called by run(): each run starts from scratch. Kept so that nothing
        # can fall back to the upstream /tmp/localstripe.pickle.
        with contextlib.suppress(FileNotFoundError), state_file.open("rb") as fh:
            old = pickle.load(fh)  # noqa: S301 - our own file, written by this run
            self.clear()
            self.update(old)

    def dump_to_disk(self: dict[str, Any]) -> None:
        # Write-then-rename so a reader never sees a half-written pickle.
        tmp = state_file.with_name(state_file.name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(dict(self), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, state_file)

    resources.Store.try_load_from_disk = try_load_from_disk  # type: ignore[method-assign]
    resources.Store.dump_to_disk = dump_to_disk  # type: ignore[method-assign]


def run(port: int, state_dir: str) -> None:
    """Serve localstripe on 127.0.0.1:``port`` until SIGINT/SIGTERM."""
    state_path = Path(state_dir)
    state_path.mkdir(parents=True, exist_ok=True)
    state_file = state_file_for(state_path, port, os.getpid())
    _redirect_store(state_file)

    from aiohttp import web
    from localstripe import resources, server

    # Start from scratch (upstream's --from-scratch), then write the empty store so
    # the run's state file exists from the first moment.
    resources.store.clear()
    resources.store.dump_to_disk()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))

    # Same access/webhook log as upstream, on stderr.
    logger = logging.getLogger("aiohttp.access")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(logging.StreamHandler())

    web.run_app(server.app, sock=sock, access_log=logger, print=None)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Run localstripe on 127.0.0.1 with private state.")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument("--state-dir", required=True, help="folder for this run's pickled store")
    args = parser.parse_args(argv)
    run(args.port, args.state_dir)


class LocalStripeServer:
    """A localstripe subprocess on 127.0.0.1 with its own state dir.

    Used by the demo shop and by the test fixtures, so both get the same isolation.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._state_dir: Path | None = None
        self._own_tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log: Any = None

    @property
    def port(self) -> int:
        """Port the server listens on (only valid after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("LocalStripeServer is not started")
        return self._port

    @property
    def api_base(self) -> str:
        """Base URL to hand to ``stripe.StripeClient(base_addresses={"api": ...})``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def state_dir(self) -> Path:
        """Folder that holds this run's state file."""
        if self._state_dir is None:
            raise RuntimeError("LocalStripeServer is not started")
        return self._state_dir

    @property
    def state_file(self) -> Path:
        """The pickle file this run writes (derived from port and child pid)."""
        if self._proc is None:
            raise RuntimeError("LocalStripeServer is not started")
        return state_file_for(self.state_dir, self.port, self._proc.pid)

    @property
    def pid(self) -> int | None:
        """Pid of the server process, or None when stopped."""
        return self._proc.pid if self._proc is not None else None

    def start(
        self, port: int | None = None, state_dir: str | None = None, timeout: float = 20.0
    ) -> None:
        """Spawn the server and return once it answers HTTP; raise with its stderr if not."""
        if self._proc is not None:
            raise RuntimeError("LocalStripeServer already started")
        self._port = port if port is not None else free_port()
        if state_dir is None:
            self._own_tmp = tempfile.TemporaryDirectory(prefix="localstripe-")
            state_dir = self._own_tmp.name
        self._state_dir = Path(state_dir)
        self._state_dir.mkdir(parents=True, exist_ok=True)

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        # stderr goes to a file, not a pipe: the access log would otherwise fill the
        # pipe buffer and block the server when nobody reads it.
        self._log = tempfile.TemporaryFile(prefix="localstripe-log-")
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "example_shop.local_stripe",
                "--port",
                str(self._port),
                "--state-dir",
                str(self._state_dir),
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        """Poll until the port accepts connections and a GET gets an HTTP answer."""
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        url = f"{self.api_base}/v1/balance"
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"localstripe exited with code {self._proc.returncode}:\n{self.output()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                # Unauthenticated, so localstripe answers 401: any HTTP answer proves
                # the app (not just the socket) is up.
                # Empty ProxyHandler: an http_proxy from the environment must not
                # swallow loopback traffic.
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                opener.open(url, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"localstripe did not answer on {self.api_base} within {timeout}s:\n"
                    f"{self.output()}"
                )
            time.sleep(0.05)

    def output(self) -> str:
        """Everything the server wrote to stdout/stderr so far (for error messages)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server by pid, kill it if it ignores SIGTERM, clean up."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_tmp is not None:
            self._own_tmp.cleanup()
            self._own_tmp = None

    def __enter__(self) -> LocalStripeServer:
        if self._proc is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def create_paid_payment_intent(
    client: stripe.StripeClient,
    amount: int,
    currency: str,
    *,
    description: str = "",
    metadata: dict[str, str] | None = None,
) -> str:
    """Create a succeeded, captured PaymentIntent on localstripe and return its id.

    Recipe that localstripe (1.15) accepts, found by trial against the real SDK:

    1. ``payment_methods.create({"type": "card", "card": {"number": "4242424242424242",
       "exp_month": 12, "exp_year": 2030, "cvc": "123"}})``: the card dict must hold
       exactly these four keys. (``"pm_card_visa"`` also works as ``payment_method`` but
       localstripe mints a new PaymentMethod on every lookup of that magic id.)
    2. ``payment_intents.create({"amount", "currency", "payment_method", "confirm": True,
       "metadata"})``: it confirms and captures synchronously, so the answer already has
       ``status == "succeeded"``. localstripe rejects ``description``,
       ``automatic_payment_methods``, ``receipt_email`` and any other unknown
       parameter with HTTP 400 "Unexpected ...", and confirming with a
       ``payment_method`` argument gives 500 "Not implemented".
    3. The description therefore goes on the charge (``charges.update``), which is
       where Stripe shows it on the dashboard too.

    Amounts are in the currency's smallest unit (cents for EUR, yen for JPY).
    """
    pm = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {  # type: ignore[typeddict-item]
                "number": TEST_CARD_NUMBER,
                "exp_month": 12,
                "exp_year": 2030,
                "cvc": "123",
            },
        }
    )
    intent = client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": pm.id,
            "confirm": True,
            "metadata": dict(metadata or {}),
        }
    )
    if intent.status != "succeeded":
        raise RuntimeError(f"PaymentIntent {intent.id} is {intent.status}, not succeeded")
    if description:
        client.v1.charges.update(
            charge_id(intent.latest_charge), params={"description": description}
        )
    return intent.id


def charge_id(latest_charge: Any) -> str:
    """Id of a PaymentIntent's ``latest_charge``.

    Real Stripe returns an id string; localstripe always returns the embedded Charge
    object, so accept both.
    """
    if isinstance(latest_charge, str):
        return latest_charge
    return str(latest_charge["id"])


if __name__ == "__main__":
    main()
