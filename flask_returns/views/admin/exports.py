"""The admin's exports: a form, and downloads that are plain GETs.

A download changes nothing, so it is a GET whose query string is the whole
request: a link can be bookmarked or sent to a colleague (who still has to be an
admin: every ``admin*`` endpoint is guarded). A CSV streams while it is read from
the database; an XLSX is built in a temporary file first (a zip is only valid
once finished), then sent from there, so neither holds the list in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Blueprint, Response, request, send_file, stream_with_context

from ...exports import (
    FORMATS,
    KINDS,
    MIMETYPES,
    PRESETS,
    DateRange,
    RangeError,
    custom_range,
    export_csv,
    export_xlsx,
    filename,
    preset_range,
)
from ...i18n import gettext as _
from ...state import ReturnsState, get_state
from ...templating import render_page
from .access import guard_admin_endpoints

CUSTOM = "custom"
# The query parameters of a download; a URL with none of them is the form.
FIELDS = ("kind", "format", "range", "since", "until")


@dataclass
class ExportRequest:
    """The form's answers as typed, what they mean, and what is wrong with them."""

    values: dict[str, str]
    kind: str = "refunds"
    format: str = "csv"
    span: DateRange | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ExportRequest:
        values = {key: str(args.get(key, "")).strip()[:20] for key in FIELDS}
        found = cls(values)
        if values["kind"] in KINDS:
            found.kind = values["kind"]
        elif values["kind"]:
            found.errors["kind"] = _("Choose what to export.")
        if values["format"] in FORMATS:
            found.format = values["format"]
        elif values["format"]:
            found.errors["format"] = _("Choose CSV or XLSX.")
        chosen = values["range"] or CUSTOM
        try:
            if chosen in PRESETS:
                found.span = preset_range(chosen)
            elif chosen == CUSTOM:
                found.span = custom_range(values["since"], values["until"])
            else:
                found.errors["range"] = _("Choose a range of days.")
        except RangeError as error:
            found.errors[_field(error.problem)] = _range_message(error.problem)
        return found


def _field(problem: str) -> str:
    return "since" if problem in ("since", "missing") else "until"


def _range_message(problem: str) -> str:
    if problem == "since":
        return _("Enter the first day as a date, for example 2026-11-01.")
    if problem == "until":
        return _("Enter the last day as a date, for example 2026-11-30.")
    if problem == "reversed":
        return _("The last day is before the first day. Swap them or choose other days.")
    return _("Choose a range, or enter the first and the last day.")


def _form(values: Mapping[str, str], errors: Mapping[str, str], code: int) -> tuple[str, int]:
    """The form with what was typed kept as it was, and each problem beside its field."""
    shown = {"kind": "refunds", "format": "csv", "since": "", "until": ""}
    shown.update({key: value for key, value in values.items() if value})
    return render_page(
        "returns/admin/exports.html",
        values=shown,
        errors=errors,
        presets=PRESETS,
        custom=CUSTOM,
    ), code


def exports_page() -> tuple[str, int]:
    """The form: what, which days, which format."""
    return _form({}, {}, 200)


def download() -> Response | tuple[str, int]:
    """The file asked for; the form again, with what was wrong, when it cannot be made."""
    if not any(key in request.args for key in FIELDS):
        return exports_page()
    asked = ExportRequest.from_args(request.args)
    if asked.errors or asked.span is None:
        return _form(asked.values, asked.errors, 400)
    state = get_state()
    kind = KINDS[asked.kind]
    name = filename(kind.name, asked.span, asked.format)
    if asked.format == "csv":
        response = Response(
            stream_with_context(export_csv(kind, state.session, asked.span)),
            mimetype=MIMETYPES["csv"],
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        spool = tempfile.TemporaryFile()
        try:
            export_xlsx(kind, state.session, asked.span, spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        response = send_file(
            spool, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=name
        )
    # Finance data: never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule("/admin/exports", "admin_exports", exports_page)
    blueprint.add_url_rule("/admin/exports/download", "admin_export_download", download)
