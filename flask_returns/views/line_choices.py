"""Reading the per-line part of the return form: quantities, reasons, comments, photos.

Valid photos are stored as soon as they arrive and carried in a signed hidden
field, so a form sent back for another mistake keeps them: the customer never
uploads the same photo twice.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage, MultiDict

from ..i18n import gettext as _
from ..i18n import ngettext
from ..models import Resolution
from ..orders import Order
from ..photos import PhotoRejected, StoredPhoto, store_photo
from ..policy import Eligibility, LineVerdict
from ..resolutions import ResolutionRefused, check_choice
from ..state import ReturnsState
from ..storage import check_key

_KEPT_SALT = "flask-returns.kept-photos"
KEPT_MAX_AGE = 24 * 3600


@dataclass
class LineChoice:
    verdict: LineVerdict
    quantity: int = 0
    reason: str = ""
    comment: str = ""
    photos: list[StoredPhoto] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resolution: str = ""
    exchange_sku: str = ""

    @property
    def prefix(self) -> str:
        return f"line-{self.verdict.index}"


def _kept_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_KEPT_SALT)


def sign_kept(photos: list[StoredPhoto]) -> str:
    return _kept_serializer().dumps(
        [[p.key, p.thumbnail_key, p.width, p.height, p.byte_size] for p in photos]
    )


def _load_kept(token: str) -> list[StoredPhoto]:
    if not token:
        return []
    try:
        rows = _kept_serializer().loads(token, max_age=KEPT_MAX_AGE)
        return [
            StoredPhoto(check_key(k), check_key(t), int(w), int(h), int(b))
            for k, t, w, h, b in rows
        ]
    except (BadData, ValueError, TypeError):
        return []  # a stale or altered field: those photos are simply not kept


def _display_name(upload: FileStorage) -> str:
    # Only for messages (autoescaped); never used to store anything.
    name = os.path.basename((upload.filename or "").replace("\\", "/"))
    return name[:80] or _("your photo")


def store_upload(state: ReturnsState, upload: FileStorage, errors: list[str]) -> StoredPhoto | None:
    """Check and store one uploaded photo; a refusal is worded into ``errors``."""
    limit = state.settings["RETURNS_MAX_PHOTO_BYTES"]
    data = upload.stream.read(limit + 1)
    try:
        return store_photo(state.storage, data, state.settings)
    except PhotoRejected as rejected:
        errors.append(_photo_message(rejected.code, _display_name(upload), limit))
        return None


def _photo_message(code: str, name: str, limit: int) -> str:
    if code == "empty":
        return _("%(name)s is empty.", name=name)
    if code == "too_large":
        return _("%(name)s is larger than %(size)s MB.", name=name, size=limit // (1024 * 1024))
    if code == "too_many_pixels":
        return _("%(name)s has too many pixels to be a photo we can take.", name=name)
    return _("%(name)s is not a photo we can read (JPEG, PNG, WebP or HEIC).", name=name)


def _check_resolution(state: ReturnsState, order: Order, choice: LineChoice) -> None:
    """The customer's resolution for the line, by the one rule; a refusal in words."""
    offered = state.policy.resolutions_for(choice.reason)
    if not choice.resolution and (len(offered) == 1 or Resolution.REFUND in offered):
        # Nothing chosen: money back where the reason offers it (the form preselects it).
        choice.resolution = Resolution.REFUND if Resolution.REFUND in offered else offered[0]
    if not choice.resolution:
        choice.errors.append(_("Choose what you would like instead."))
        return
    try:
        check_choice(
            state.policy,
            state.orders,
            order,
            choice.verdict.line,
            reason=choice.reason,
            quantity=choice.quantity,
            resolution=choice.resolution,
            exchange_sku=choice.exchange_sku,
        )
    except ResolutionRefused as refused:
        choice.errors.append(str(refused))


def read_line_choices(
    state: ReturnsState,
    order: Order,
    eligibility: Eligibility,
    form: MultiDict[str, str],
    files: Mapping[str, list[FileStorage]] | MultiDict[str, FileStorage],
) -> tuple[list[LineChoice], list[str]]:
    """Every choosable line with what the customer chose, plus form-wide errors."""
    settings = state.settings
    reasons = state.policy.reasons
    photo_reasons = state.policy.photo_reasons
    choices: list[LineChoice] = []
    uploads_by_line: dict[int, list[FileStorage]] = {}
    for verdict in eligibility.lines:
        if not verdict.choosable:
            continue
        choice = LineChoice(verdict)
        prefix = choice.prefix
        choice.reason = form.get(f"{prefix}-reason", "")
        choice.comment = form.get(f"{prefix}-comment", "")[:1000]
        choice.resolution = form.get(f"{prefix}-resolution", "")[:32]
        choice.exchange_sku = form.get(f"{prefix}-exchange", "")[:64]
        choice.photos = _load_kept(form.get(f"{prefix}-kept", ""))
        raw_quantity = form.get(f"{prefix}-quantity", "0").strip()
        choice.quantity = int(raw_quantity) if raw_quantity.isdigit() else -1
        uploads_by_line[verdict.index] = [
            u
            for u in files.getlist(f"{prefix}-photos")
            if u and u.filename  # type: ignore[union-attr]
        ]
        choices.append(choice)

    problems = []
    limit = settings["RETURNS_MAX_PHOTOS"]
    offered = sum(len(c.photos) + len(uploads_by_line[c.verdict.index]) for c in choices)
    if offered > limit:
        # Refuse the new files before decoding any of them; photos kept earlier stay.
        problems.append(
            ngettext(
                "You can add up to %(num)d photo in all.",
                "You can add up to %(num)d photos in all.",
                limit,
            )
        )
        uploads_by_line = {index: [] for index in uploads_by_line}

    for choice in choices:
        uploads = uploads_by_line[choice.verdict.index]
        for upload in uploads:
            stored = store_upload(state, upload, choice.errors)
            if stored:
                choice.photos.append(stored)
        if choice.quantity == 0 and not uploads:
            choice.photos = []  # the line was chosen earlier, then left out again
            continue
        if not 1 <= choice.quantity <= choice.verdict.remaining:
            choice.errors.append(
                _("Choose how many to return: 1 to %(count)d.", count=choice.verdict.remaining)
            )
        if choice.reason not in reasons:
            choice.errors.append(_("Choose why you are returning this item."))
        elif choice.reason in photo_reasons and not choice.photos:
            choice.errors.append(_("Add at least one photo that shows the problem."))
        if choice.reason in reasons and 1 <= choice.quantity <= choice.verdict.remaining:
            _check_resolution(state, order, choice)

    if not any(c.quantity > 0 for c in choices):
        problems.append(_("Choose at least one item to return."))
    return choices, problems
