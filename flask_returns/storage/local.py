"""The default storage: files in a local folder, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from .base import check_key, is_key


class LocalStorage:
    """Files in a local folder, written atomically (a reader never sees half a file)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, folder: str, older_than: datetime) -> Iterator[str]:
        """Keys under ``folder`` last written before ``older_than`` (for clean-ups).

        Optional for other storages: only ``flask returns photos prune`` needs it.
        """
        base = self.root / folder
        if not base.is_dir():
            return
        cutoff = older_than.timestamp()
        for path in base.rglob("*"):
            if path.name.startswith(".tmp-") or not path.is_file():
                continue
            key = path.relative_to(self.root).as_posix()
            if is_key(key) and path.stat().st_mtime < cutoff:
                yield key
