"""Customer photos: checked, cleaned and stored under our own names; orphans pruned.

The files themselves live in :mod:`flask_returns.storage` (a local folder by
default); a return's rows name them.
"""

from __future__ import annotations

from .cleanup import prune_orphan_photos
from .pipeline import PhotoRejected, ProcessedPhoto, StoredPhoto, process_photo, store_photo

__all__ = [
    "PhotoRejected",
    "ProcessedPhoto",
    "StoredPhoto",
    "process_photo",
    "prune_orphan_photos",
    "store_photo",
]
