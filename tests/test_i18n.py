"""Languages: our own domain, ?lang=, Accept-Language, the host's selector, complete catalogs."""

from __future__ import annotations

import gettext as gettext_module
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from catalog import plural_choices

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
    assert "Find my order" in _title(app.test_client(), **{"Accept-Language": "sw-KE"})
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
    # Compared by what the rules do, not how they are written: Babel rewrites the text of
    # a rule between releases, and only a change of behaviour needs new translations.
    assert catalog.num_plurals == plural.num_plurals
    assert plural_choices(catalog.plural_expr) == plural_choices(plural.plural_expr)
    problems = []
    single_number_forms = _single_number_forms(catalog.plural_expr)
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
        for form, string in enumerate(strings):
            found = {m for m in PLACEHOLDER.findall(string)}
            # A form used for a single number ("one", Arabic "zero" and "two") may
            # say the number in words: "ritratt wieħed", not "1 ritratt".
            if message.pluralizable and form in single_number_forms:
                found |= {("num", "")}
            if found != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert problems == []


def _single_number_forms(plural_expr: str) -> set[int]:
    """The plural forms that only one number ever selects (checked up to 10,000)."""
    choose = gettext_module.c2py(plural_expr)
    numbers: dict[int, set[int]] = {}
    for n in range(10_001):
        numbers.setdefault(choose(n), set()).add(n)
    return {form for form, seen in numbers.items() if len(seen) == 1}


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


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "shown"),
    [
        ("de", 123450, "EUR", "1.234,50\xa0€"),
        ("pl", 123450, "PLN", "1\xa0234,50\xa0zł"),
        ("en", 1235, "JPY", "¥1,235"),
        ("fr", 123450, "EUR", "1\u202f234,50\xa0€"),
    ],
)
def test_money_follows_the_customers_locale(locale, amount, currency, shown):
    from flask_returns.i18n import format_money

    app = make_host("sqlite://", RETURNS_LOCALES=("en", "de", "pl", "fr"))
    with app.app_context(), using_locale(locale):
        assert format_money(amount, currency) == shown


def test_dates_follow_the_customers_locale():
    from datetime import date

    from flask_returns.i18n import format_date

    app = make_host("sqlite://", RETURNS_LOCALES=("en", "de", "pl"))
    with app.app_context():
        with using_locale("de"):
            assert format_date(date(2026, 3, 5)) == "5. März 2026"
        with using_locale("pl"):
            assert format_date(date(2026, 3, 5)) == "5 marca 2026"


def test_wtforms_messages_follow_our_language_not_the_hosts():
    app = make_host("sqlite://")
    Babel(app, locale_selector=lambda: "en")
    client = app.test_client()
    client.get("/returns/?lang=pl")
    with app.test_request_context("/returns/?lang=pl"):
        from flask_returns.views.form_base import form_messages

        messages = form_messages("pl")
        # WTForms' own message, from WTForms' Polish catalog:
        assert messages.gettext("Not a valid integer value.") != "Not a valid integer value."
        # A language WTForms has no catalog for still gets ours.
        assert form_messages("mt").gettext("Use at most %(max)d characters.") != (
            "Use at most %(max)d characters."
        )


def test_a_too_long_field_is_explained_in_the_customers_language():
    from .test_customer_flow import csrf

    app = make_host("sqlite://")
    client = app.test_client()
    page = client.post(
        "/returns/?lang=pl",
        data={
            "csrf_token": csrf(client, "/returns/?lang=pl"),
            "order_number": "9" * 80,
            "email": "a@example.com",
        },
    )
    text = page.get_data(as_text=True)
    assert "Use at most" not in text
    assert "64" in text and 'lang="pl"' in text


def _host_catalog(folder: Path, lang: str, messages: dict[str, str]) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale=lang, domain="flask_returns")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    target = folder / lang / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "flask_returns.mo").open("wb") as f:
        write_mo(f, catalog)


def test_a_shops_own_catalog_wins_and_can_add_a_language(tmp_path: Path):
    _host_catalog(tmp_path, "pl", {"Find my order": "Szukaj zamówienia"})
    _host_catalog(tmp_path, "is", {"Find my order": "Finna pöntunina mína"})
    app = make_host(
        "sqlite://",
        RETURNS_LOCALES=("en", "pl", "is"),
        RETURNS_TRANSLATION_DIRECTORIES=[tmp_path],
    )
    client = app.test_client()
    polish = _title(client, "/returns/?lang=pl")
    assert "Szukaj zamówienia" in polish
    # Messages the shop did not override still come from our catalog.
    assert "Numer zamówienia" in polish
    assert "Finna pöntunina mína" in _title(client, "/returns/?lang=is")


def test_the_language_switcher_is_a_form_that_works_without_javascript():
    app = make_host("sqlite://", RETURNS_LOCALES=("en", "pl", "ar"))
    page = _title(app.test_client(), "/returns/?lang=ar")
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert '<select id="returns-lang" name="lang"' in page
    assert '<option value="pl" lang="pl">Polski</option>' in page
    assert '<button type="submit">' in page


def _looked_up(app, lang="en"):
    """A client of ``app`` (tables created) that has looked up order N9001."""
    from flask_returns.models import Base

    from .test_customer_flow import csrf

    with app.app_context():
        Base.metadata.create_all(app.extensions["test_db"].engine)
    client = app.test_client()
    found = client.post(
        f"/returns/?lang={lang}",
        data={
            "csrf_token": csrf(client, f"/returns/?lang={lang}"),
            "order_number": "N9001",
            "email": "buyer@example.com",
        },
    )
    assert found.status_code == 302
    return client


def test_a_shops_own_reasons_carry_its_names_in_each_language(tmp_path: Path):
    from .test_customer_flow import csrf

    _host_catalog(tmp_path, "pl", {"Colour differs": "Inny kolor"})
    app = make_host(
        f"sqlite:///{tmp_path / 'shop.db'}",
        RETURNS_LOCALES=("en", "pl", "de"),
        RETURNS_REASONS=("damaged", "broken_zipper", "colour", "other", "torn_seam"),
        RETURNS_PHOTO_REQUIRED_REASONS=("damaged",),
        RETURNS_TRANSLATION_DIRECTORIES=[tmp_path],
        RETURNS_REASON_LABELS={
            "broken_zipper": {"en": "Broken zipper", "pl": "Zepsuty zamek"},
            "colour": "Colour differs",  # translated by the shop's catalog
            "other": "Something <else>",  # renames one of ours; HTML stays text
        },
    )
    client = _looked_up(app, "pl")
    polish = client.get("/returns/new").get_data(as_text=True)
    assert '<option value="broken_zipper">Zepsuty zamek</option>' in polish
    assert '<option value="colour">Inny kolor</option>' in polish
    assert '<option value="other">Something &lt;else&gt;</option>' in polish
    assert '<option value="torn_seam">Torn seam</option>' in polish  # nobody named it
    assert '<option value="damaged">Dotarł uszkodzony' in polish  # ours stay translated
    # German has no name of its own: English, the default locale's, stands in.
    german = client.get("/returns/new?lang=de").get_data(as_text=True)
    assert '<option value="broken_zipper">Broken zipper</option>' in german
    assert '<option value="colour">Colour differs</option>' in german

    created = client.post(
        "/returns/new?lang=pl",
        data={
            "csrf_token": csrf(client, "/returns/new"),
            "line-1-quantity": "1",
            "line-1-reason": "broken_zipper",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:300]
    status = client.get(created.headers["Location"] + "&lang=pl").get_data(as_text=True)
    assert "Mug · Zepsuty zamek" in status


def test_each_app_shows_its_own_reasons(tmp_path: Path):
    """Reason lists are kept per app and language: two shops in one process differ."""
    pages = []
    for n, reasons in enumerate((("damaged", "other"), ("size_fit", "other"))):
        app = make_host(
            f"sqlite:///{tmp_path / f'{n}.db'}",
            RETURNS_REASONS=reasons,
            RETURNS_PHOTO_REQUIRED_REASONS=(),
        )
        pages.append(_looked_up(app).get("/returns/new").get_data(as_text=True))
    assert 'value="damaged"' in pages[0] and 'value="size_fit"' not in pages[0]
    assert 'value="size_fit"' in pages[1] and 'value="damaged"' not in pages[1]


def test_plural_rules_are_compared_by_what_they_do():
    # The same rule written two ways is the same rule...
    assert plural_choices("(n != 1)") == plural_choices("n!=1 ? 1 : 0")
    # ...while French's old rule differs from CLDR's on 0 and on the millions.
    old_french, new_french = "(n > 1)", get_plural(Locale.parse("fr")).plural_expr
    assert plural_choices(old_french) != plural_choices(new_french)
