"""Photos nobody will claim: uploaded with a form that was never sent.

A photo is stored as soon as it arrives, so that a form sent back for another
mistake keeps it; if the customer walks away, it stays in storage. Once the
signed field that could claim it has expired, a photo no return row names is
safe to delete.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import islice

import sqlalchemy as sa

from ..models import Photo
from ..state import get_state

FOLDER = "photos"


def _batches(keys: Iterator[str], size: int = 500) -> Iterator[list[str]]:
    while batch := list(islice(keys, size)):
        yield batch


def orphan_photos(older_than: datetime) -> Iterator[str]:
    """Keys under ``photos/`` older than ``older_than`` that no Photo row names."""
    state = get_state()
    lister = getattr(state.storage, "keys", None)
    if lister is None:
        raise RuntimeError("this storage cannot list its files (it has no keys() method)")
    for batch in _batches(lister(FOLDER, older_than)):
        named = set(
            state.session.scalars(sa.select(Photo.storage_key).where(Photo.storage_key.in_(batch)))
        ) | set(
            state.session.scalars(
                sa.select(Photo.thumbnail_key).where(Photo.thumbnail_key.in_(batch))
            )
        )
        yield from (key for key in batch if key not in named)


def prune_orphan_photos(older_than: datetime, *, dry_run: bool = False) -> int:
    """Delete (or with ``dry_run`` only count) the orphans; returns how many."""
    storage = get_state().storage
    count = 0
    for key in orphan_photos(older_than):
        if not dry_run:
            storage.delete(key)
        count += 1
    return count
