"""Made once, kept, served: the stored label PDF and its ``LabelDocument`` record.

Rendering costs about 100 ms and a 0.6 s import; serving a stored file costs a
read. So a document is rendered when a return is authorized, stored through the
storage interface, recorded as a :class:`~flask_returns.models.LabelDocument`
row (the newest row is current), and served from storage until its fingerprint
(:mod:`flask_returns.documents.facts`) no longer matches: a new address, other
authorized lines, another language, paper or provider.

Transactions follow the workflow's rule: these functions add their rows to the
session (and flush them, so they have ids) but never commit; the caller commits.
A caller that rolls back loses only the record; the stored file stays unreferenced
and the next call renders again.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from ..errors import ReturnsError
from ..models import EventAction, LabelDocument, ReturnRequest, ReturnStatus
from ..state import get_state
from ..storage import new_key
from ..workflow import Actor, record_event
from .facts import LabelFacts, booked_shipment, gather_facts

logger = logging.getLogger("flask_returns.documents")

# A label is for sending goods back; these are the statuses in which it is printed.
LABEL_STATUSES = frozenset(
    {ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.RESOLVED}
)


class LabelUnavailable(ReturnsError):
    """No label for this return: labels are off, or the return is not authorized."""


def labels_enabled() -> bool:
    """Labels are on once ``RETURNS_RETURN_ADDRESS`` says where parcels go."""
    return get_state().settings["RETURNS_RETURN_ADDRESS"] is not None


def label_due(ret: ReturnRequest) -> bool:
    """Whether ``ret`` should have a label: authorized, labels on, something travels."""
    if not (labels_enabled() and ret.status in LABEL_STATUSES and ret.authorized_at is not None):
        return False
    return not ret.nothing_travels


def label_available(ret: ReturnRequest) -> bool:
    """Whether ``ret`` has a label to print now (cheap: no rendering, no WeasyPrint).

    With a carrier platform, only once its label is bought.
    """
    if not label_due(ret):
        return False
    return get_state().carrier is None or booked_shipment(ret) is not None


def _session(ret: ReturnRequest) -> Session:
    return object_session(ret) or get_state().session


def current_document(ret: ReturnRequest) -> LabelDocument | None:
    """The newest document made for ``ret``, if any."""
    return _session(ret).scalar(
        sa.select(LabelDocument)
        .where(LabelDocument.return_id == ret.id)
        .order_by(LabelDocument.id.desc())
        .limit(1)
    )


def label_pdf(ret: ReturnRequest) -> bytes:
    """The return's label and packing PDF, rendered and stored first if missing or stale.

    Raises :class:`LabelUnavailable` when ``ret`` has no label (see
    :func:`label_available`). May add a ``LabelDocument`` row to the session
    (flushed, not committed): commit afterwards to keep the record.
    """
    if not label_available(ret):
        raise LabelUnavailable(f"return {ret.rma} has no label now")
    facts = gather_facts(ret)
    stored = current_document(ret)
    if stored is not None and stored.fingerprint == facts.fingerprint:
        try:
            return get_state().storage.load(stored.storage_key)
        except (FileNotFoundError, KeyError):
            logger.warning("label file %s of %s is missing; rendering again", stored.id, ret.rma)
    return _render_and_store(ret, facts, created_by="")[1]


def label_pdf_key(ret: ReturnRequest) -> str:
    """Like :func:`label_pdf`, without reading the file: the storage key of the
    current PDF, rendered and stored first if missing or stale (for a download the
    storage serves itself)."""
    if not label_available(ret):
        raise LabelUnavailable(f"return {ret.rma} has no label now")
    facts = gather_facts(ret)
    stored = current_document(ret)
    if stored is not None and stored.fingerprint == facts.fingerprint:
        if get_state().storage.exists(stored.storage_key):
            return stored.storage_key
        logger.warning("label file %s of %s is missing; rendering again", stored.id, ret.rma)
    return _render_and_store(ret, facts, created_by="")[0].storage_key


def reprint_label(ret: ReturnRequest, actor: Actor) -> LabelDocument:
    """Render afresh whatever is stored (a smudged print, a changed template), on record."""
    if not label_available(ret):
        raise LabelUnavailable(f"return {ret.rma} has no label now")
    document, _pdf = _render_and_store(ret, gather_facts(ret), created_by=actor.id)
    record_event(
        ret,
        actor,
        EventAction.LABEL_REPRINTED,
        None,
        None,
        {"document": document.id, "page_size": document.page_size, "locale": document.locale},
    )
    return document


def prepare_label(ret: ReturnRequest) -> None:
    """After an authorization has committed: make the label now and commit its record.

    A failure is logged and rolled back (only this document's row); the
    authorization stands, and the first download renders the label instead.
    """
    if not label_available(ret):
        return
    session = _session(ret)
    try:
        label_pdf(ret)
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("flask-returns could not make the label of %s now", ret.rma)


def _render_and_store(
    ret: ReturnRequest, facts: LabelFacts, *, created_by: str
) -> tuple[LabelDocument, bytes]:
    from .label import render_document  # imports WeasyPrint: only when rendering

    pdf = render_document(facts)
    key = new_key("labels", "pdf")
    get_state().storage.save(key, pdf)
    document = LabelDocument(
        return_id=ret.id,
        storage_key=key,
        fingerprint=facts.fingerprint,
        locale=facts.locale,
        page_size=facts.page_size,
        provider=facts.provider,
        byte_size=len(pdf),
        created_by=created_by,
    )
    session = _session(ret)
    session.add(document)
    session.flush()
    return document, pdf
