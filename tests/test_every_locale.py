"""Every customer page in every shipped language shows no English left untranslated.

For each language, the English source of every translated message is cut at its
placeholders; no sizeable piece of it may appear in what the customer reads.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from flask_returns.documents import label_pdf
from flask_returns.documents.facts import gather_facts
from flask_returns.documents.label import render_label_html
from flask_returns.i18n import format_date, gettext, using_locale
from flask_returns.mail import compose
from flask_returns.models import Refund
from flask_returns.settings import MAIL_KINDS, shipped_locales

from .factories import make_return
from .hosts import MemoryOrders, make_host, make_order
from .label_helpers import LABEL_SETTINGS, pdf_text

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
LOCALES = [code for code in shipped_locales() if code != "en"]
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@cache
def english_pieces(lang: str) -> frozenset[str]:
    """Pieces of English that must not show in ``lang``: long enough to be a phrase."""
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "flask_returns.po").open("rb") as f:
        catalog = read_po(f)
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated = " ".join(strings)
        for source in ids:
            for piece in PLACEHOLDER.split(source):
                piece = piece.strip(" .,:;()")
                # A phrase of three words or more that the translation did not keep.
                if piece.count(" ") >= 2 and piece not in translated:
                    pieces.add(piece)
    return frozenset(pieces)


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


# A period doubled: the one a date format ends with ("2027. január 2.", "2 января
# 2027 г.") and the sentence's own.
DOUBLED_PERIOD = re.compile(r"(?<!\.)\.\s?\.(?!\.)")


def doubled_periods(text: str) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end()] for m in DOUBLED_PERIOD.finditer(text)]


def english_left(lang: str, page: str) -> list[str]:
    text = visible_text(page)
    return sorted(piece for piece in english_pieces(lang) if piece in text)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("locales")
    # One order per language: each language's run returns the same single mug.
    orders = MemoryOrders(*(make_order(f"7{i:03d}") for i, _ in enumerate(LOCALES)))
    app = make_host(
        f"sqlite:///{folder}/db.sqlite",
        orders=orders,
        **LABEL_SETTINGS,
        RETURNS_STORAGE_PATH=str(folder / "files"),
        RETURNS_RESTOCKING_FEES={"changed_mind": 10},
        RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS=["changed_mind"],
        RETURNS_RETURN_SHIPPING_COST={"EUR": 495},
        RETURNS_COUNTRY_WINDOW_DAYS={"US": 60},
        # Each language makes one failed look-up on purpose; 28 must not hit the limit.
        RETURNS_LOOKUP_RATE_LIMIT="1000 per minute",
    )
    with app.app_context():
        from flask_returns.models import Base

        Base.metadata.create_all(app.extensions["test_db"].engine)
    return app


def customer_pages(app, lang: str) -> dict[str, str]:
    number = f"N7{LOCALES.index(lang):03d}"
    client = app.test_client()
    pages = {"start": client.get(f"/returns/?lang={lang}").get_data(as_text=True)}
    token = TOKEN.search(pages["start"]).group(1)
    pages["lookup-failed"] = client.post(
        "/returns/", data={"csrf_token": token, "order_number": "nope", "email": "x@example.com"}
    ).get_data(as_text=True)
    client.post(
        "/returns/",
        data={"csrf_token": token, "order_number": number, "email": "buyer@example.com"},
    )
    pages["form"] = client.get("/returns/new").get_data(as_text=True)
    pages["form-errors"] = client.post(
        "/returns/new", data={"csrf_token": token, "line-0-quantity": "1"}
    ).get_data(as_text=True)
    created = client.post(
        "/returns/new",
        data={"csrf_token": token, "line-1-quantity": "1", "line-1-reason": "changed_mind"},
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    pages["status"] = client.get(created.headers["Location"]).get_data(as_text=True)
    pages["track"] = client.get("/returns/track").get_data(as_text=True)
    pages["policy"] = client.get("/returns/policy").get_data(as_text=True)
    pages["not-found"] = client.get("/returns/status/forged").get_data(as_text=True)
    return pages


@pytest.mark.parametrize("lang", LOCALES)
def test_no_english_left_on_customer_pages(app, lang):
    for name, page in customer_pages(app, lang).items():
        assert f'lang="{lang}"' in page, name
        assert english_left(lang, page) == [], f"{lang} {name}"
        assert doubled_periods(visible_text(page)) == [], f"{lang} {name}"


@pytest.mark.parametrize("lang", LOCALES)
def test_no_english_left_in_emails_or_the_label_pdf(app, lang):
    orders = app.extensions["returns"].orders
    order = orders.add(make_order(f"8{LOCALES.index(lang):03d}"))
    session = app.extensions["test_db"].session
    with app.app_context():
        ret = make_return(order, status="authorized", locale=lang)
        ret.rejection_reason = "—"
        session.flush()
        refund = Refund(amount=1234, currency=ret.currency, attempt=1, status="succeeded")
        for kind in MAIL_KINDS:
            message = compose(ret, kind, refund=refund)
            for part in (message.subject, message.text, message.html):
                assert english_left(lang, part) == [], f"{lang} {kind}"
            for part in (message.subject, message.text, visible_text(message.html)):
                assert doubled_periods(part) == [], f"{lang} {kind}"
        document = render_label_html(gather_facts(ret))
        assert english_left(lang, document) == [], f"{lang} label"
        assert doubled_periods(visible_text(document)) == [], f"{lang} label"
        assert f'lang="{lang.replace("_", "-")}"' in document
        pdf = label_pdf(ret)
        with using_locale(lang):
            heading = gettext("Packing instructions")
            prepaid_mark = gettext("Postage paid")
            # The admin's return page gives the deadline in the medium format.
            deadline = gettext("Deadline: %(date)s.", date=format_date(date(2027, 1, 2), "medium"))
        session.rollback()
    assert heading != "Packing instructions"
    assert doubled_periods(deadline) == [], deadline
    # The prepaid mark's heading is set in capitals in a narrow box: each of its words
    # must come out of the PDF whole, on one line (not "BÉRMENTESÍTV" / "E").
    label_lines = [letters(line) for line in pdf_text(pdf, page=1).splitlines()]
    for word in prepaid_mark.split():
        assert any(letters(word) in line for line in label_lines), (lang, word, label_lines)

    # Headings may be set in capitals; pdftotext drops some hyphens in large type.
    def bare(text: str) -> str:
        return re.sub(r"[\s\-\u00ad]", "", text).casefold()

    assert bare(heading) in bare(pdf_text(pdf))


def test_the_check_finds_english_when_it_is_there(app):
    # The check itself must be able to fail: an English page read as German.
    english = app.test_client().get("/returns/?lang=en").get_data(as_text=True)
    assert english_left("de", english)


def letters(text: str) -> str:
    """``text`` without case, accents or bidi marks: capitals drop Greek accents, and
    pdftotext sets Arabic vowel marks on lines of their own and wraps RTL in controls."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
