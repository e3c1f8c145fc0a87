"""Where the demo's customer e-mails go: files in a folder, nothing to set up.

:class:`MailFolder` is a ``RETURNS_MAIL_SENDER``: the returns module hands it each
message as an ``EmailMessage`` and it writes a ``.eml`` file that any mail program
opens (label PDF attached). A shop with a mail API would put its own call here.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path


class MailFolder:
    """Write each message to ``<folder>/<time>-<id>.eml``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __call__(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # The Message-ID names the file, so a resend of the same message replaces it.
        digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:12]
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        (self.folder / f"{stamp}-{digest}.eml").write_bytes(bytes(message))
