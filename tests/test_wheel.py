"""The wheel carries everything a shop needs, and works from a fresh virtualenv."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from example_shop.local_stripe import free_port
from flask_returns.schema import head_revision

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

HOST_APP = textwrap.dedent(
    """
    import flask_returns
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from flask_returns import Returns


    class NoOrders:
        def find_order(self, number, email):
            return None

        def get_order(self, reference):
            return None


    app = Flask(__name__)
    app.config.update(SECRET_KEY="wheel-test", SQLALCHEMY_DATABASE_URI="sqlite:///{db}")
    db = SQLAlchemy(app)
    Returns(app, orders=NoOrders())
    print("flask_returns from", flask_returns.__file__)
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built with the locked setuptools: a new release of the build backend cannot
    # change what this test sees.
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("-q", "-w", str(out), str(ROOT)),
        ],
        check=True,
    )
    (built,) = out.glob("flask_returns-*.whl")
    return built


def test_wheel_carries_templates_static_catalogs_and_migrations(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "flask_returns/templates/returns/start.html" in names
    assert "flask_returns/templates/returns/layout.html" in names
    assert "flask_returns/static/returns/returns.css" in names
    assert "flask_returns/templates/returns/documents/label.html" in names
    assert "flask_returns/templates/returns/documents/label.css" in names
    assert "flask_returns/documents/store.py" in names
    assert "flask_returns/translations/pl/LC_MESSAGES/flask_returns.mo" in names
    assert "flask_returns/migrations/env.py" in names
    assert "flask_returns/migrations/script.py.mako" in names
    assert any(n.startswith("flask_returns/migrations/versions/0001_") for n in names)
    assert not any(n.startswith(("tests/", "example_shop/")) for n in names)


def test_fresh_venv_installs_migrates_and_serves(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The dependencies at the versions the suite passed with (the lock, without its
    # hashes, as constraints): what a shop gets is tested, not tomorrow's releases.
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(_pins(ROOT / "requirements" / "test.txt"))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(constraints)]
    subprocess.run([*pip, str(wheel)], check=True)

    site = tmp_path / "site"
    site.mkdir()
    (site / "hostapp.py").write_text(HOST_APP.format(db=tmp_path / "shop.db"))
    flask = [str(venv / "bin" / "flask"), "--app", "hostapp"]
    # Run away from the checkout so only the installed copy can be imported.
    upgraded = subprocess.run(
        [*flask, "returns", "db", "upgrade"], cwd=site, capture_output=True, text=True, check=True
    )
    assert str(venv) in upgraded.stdout
    assert f"returns schema at {head_revision()}" in upgraded.stdout

    port = free_port()
    server = subprocess.Popen(
        [*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = css = None
        deadline = time.monotonic() + 30
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/returns/?lang=pl") as r:
                    page = r.read().decode()
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/returns/static/returns/returns.css"
                ) as r:
                    css = r.read().decode()
            except OSError:
                time.sleep(0.3)
        assert page is not None, "the installed app did not answer"
        assert "Znajdź moje zamówienie" in page
        assert ".returns-button" in css
    finally:
        server.terminate()
        server.communicate(timeout=10)


def _pins(lock: Path) -> str:
    """``name==version`` lines of the lock (pip takes no hashes in a constraints file)."""
    pins = re.findall(r"^([A-Za-z0-9._-]+==[^\s;\\]+)", lock.read_text(), flags=re.M)
    return "\n".join(pins) + "\n"
