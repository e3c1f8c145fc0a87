"""Local stand-ins for carrier platforms, so the demo and the tests print real-looking
labels without an account.

Each fake answers on 127.0.0.1 in the request and response shapes its platform
documents (the source is noted in each module), records what it was sent, and
counts what it sold. The module's real provider code (and the platform's own SDK)
talks to it through the SDK's base-URL option.
"""

from __future__ import annotations

from .server import FakePlatform, Recorded

__all__ = ["FakePlatform", "Recorded"]
