"""The Limiter behind the look-up rate limit: the host's, or ours.

A host that runs Flask-Limiter lends us its instance, so our limit counts in the
host's storage. Otherwise ours counts in ``RETURNS_RATELIMIT_STORAGE_URI``: memory
by default, which is right for one process and wrong for several, where each would
count on its own and a guesser gets N times the allowance. Start-up says so when it
sees a multi-process server.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .errors import ConfigurationError

# Servers that fork several worker processes of one app.
_MULTI_PROCESS_SERVERS = ("gunicorn", "uwsgi")


def limiter_for(app: Flask, settings: Any) -> Limiter:
    """The host's Limiter (its storage and settings), or a private one of ours.

    A private limiter has no default limits, so it only limits our look-ups.
    """
    uri = settings["RETURNS_RATELIMIT_STORAGE_URI"]
    existing = app.extensions.get("limiter")
    if existing:
        if uri is not None:
            raise ConfigurationError(
                "RETURNS_RATELIMIT_STORAGE_URI is for flask-returns' own limiter; this app "
                "has its own Flask-Limiter, whose storage (RATELIMIT_STORAGE_URI) we share: "
                "leave RETURNS_RATELIMIT_STORAGE_URI unset"
            )
        limiter = next(iter(existing))
    else:
        # A storage outage lets look-ups through (and logs it) rather than turning
        # every customer away: the limit slows guessing, it does not guard the data.
        limiter = Limiter(
            get_remote_address,
            app=app,
            storage_uri=uri or "memory://",
            default_limits=[],
            swallow_errors=True,
        )
        # Ours limits POSTed look-ups only; other requests need not be weighed at all.
        limiter.request_filter(lambda: request.method != "POST")
    _warn_if_counted_per_process(app, limiter)
    return limiter


def counts_in_memory(limiter: Limiter) -> bool:
    from limits.storage import MemoryStorage

    return isinstance(limiter.storage, MemoryStorage)


def _warn_if_counted_per_process(app: Flask, limiter: Limiter) -> None:
    server = next((name for name in _MULTI_PROCESS_SERVERS if name in sys.modules), None)
    if server and counts_in_memory(limiter):
        app.logger.warning(
            "flask-returns: the look-up rate limit counts in this process's memory, but "
            "%s runs several processes: each counts on its own. Set "
            "RETURNS_RATELIMIT_STORAGE_URI (e.g. redis://host:6379/0) so they share one count",
            server,
        )
