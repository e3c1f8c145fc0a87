"""Languages: our own domain, ?lang=, Accept-Language, the host's selector, complete catalogs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask_babel import Babel

from flask_returns.i18n import gettext, using_locale

from .hosts import make_host

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted((ROOT / "translations").glob("*/LC_MESSAGES/flask_returns.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _title(client, path="/returns/", **headers):
    return client.get(path, headers=headers).get_data(as_text=True)


def test_lang_parameter_switches_and_is_remembered():
    app = make_host("sqlite://")
    client = app.test_client()
    assert "Znajdź moje zamówienie" in _title(client, "/returns/?lang=pl")
    assert "Znajdź moje zamówienie" in _title(client)
    assert "Find my order" in _title(client, "/returns/?lang=en")


def test_accept_language_and_fallbacks():
    app = make_host("sqlite://")
    assert "Znajdź" in _title(app.test_client(), **{"Accept-Language": "pl-PL,pl;q=0.9"})
    assert "Find my order" in _title(app.test_client(), **{"Accept-Language": "de-DE"})
    page = _title(app.test_client(), "/returns/?lang=../../etc/passwd")
    assert "Find my order" in page and 'lang="en"' in page
    assert "Find my order" in _title(app.test_client(), "/returns/?lang=xx")


def test_the_hosts_own_babel_and_selector_are_respected():
    app = make_host("sqlite://")
    Babel(app, locale_selector=lambda: "pl_PL")
    # The host's selector outranks the browser, an explicit ?lang= outranks both.
    assert "Znajdź" in _title(app.test_client(), **{"Accept-Language": "en"})
    assert "Find my order" in _title(app.test_client(), "/returns/?lang=en")
    # The host's own domain is untouched: its gettext still uses its (absent) catalogs.
    with app.test_request_context("/"):
        from flask_babel import gettext as host_gettext

        assert host_gettext("Order number") == "Order number"


def test_stored_customer_locale_drives_text_outside_requests():
    app = make_host("sqlite://")
    with app.app_context():
        with using_locale("pl"):
            assert gettext("Order number") == "Numer zamówienia"
        with using_locale("sw"):  # not offered: the default language, no error
            assert gettext("Order number") == "Order number"


def test_there_is_a_catalog_for_polish():
    assert {p.parent.parent.name for p in CATALOGS} >= {"pl"}


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete(po_path: Path):
    with po_path.open("rb") as f:
        catalog = read_po(f)
    plural = get_plural(Locale.parse(po_path.parent.parent.name))
    assert (catalog.num_plurals, catalog.plural_expr) == (plural.num_plurals, plural.plural_expr)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"wrong plural count: {ids[0]!r}")
        wanted = {m for m in PLACEHOLDER.findall(ids[0])}
        for string in strings:
            if {m for m in PLACEHOLDER.findall(string)} != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert problems == []


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_matches_its_source(po_path: Path):
    def entries(catalog):
        as_key = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
        return {as_key(m.id): as_key(m.string) for m in catalog if m.id}

    with po_path.open("rb") as f:
        source = entries(read_po(f))
    with po_path.with_suffix(".mo").open("rb") as f:
        compiled = entries(read_mo(f))
    assert compiled == source, "run scripts/translations.sh compile"


def test_catalogs_hold_every_message_in_the_code(tmp_path: Path):
    """A new English string cannot ship untranslated: extraction must find nothing new."""
    pot = tmp_path / "current.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for po_path in CATALOGS:
        with po_path.open("rb") as f:
            in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
        assert in_code - in_catalog == set(), f"{po_path}: run scripts/translations.sh update"
