"""Downloads the bucket serves itself: a redirect to a presigned link that expires.

Only with ``RETURNS_S3_PRESIGNED_SECONDS``, and only after the view's own access
checks: the app decides who may have a file, the bucket only hands it over.
"""

from __future__ import annotations

from flask import redirect
from werkzeug.wrappers import Response

from ..state import get_state


def presigned_seconds() -> int | None:
    """How long a presigned link lives, or None when the app serves files itself."""
    return get_state().settings["RETURNS_S3_PRESIGNED_SECONDS"]


def redirect_to_bucket(key: str, seconds: int, *, disposition: str, cache_control: str) -> Response:
    """A redirect to a link that reads the stored file ``key`` for ``seconds``."""
    storage = get_state().storage
    url = storage.presigned_url(  # type: ignore[attr-defined] - checked at start-up
        key, seconds, disposition=disposition, cache_control=cache_control
    )
    response = redirect(url, code=302)
    # The link dies in seconds: a cached redirect would lead to a refusal later.
    response.headers["Cache-Control"] = "no-store"
    # The page that asked carries the status link's token: keep it out of the bucket's logs.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
