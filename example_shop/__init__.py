"""An example shop that mounts flask-returns: ``create_app(config=None)``."""

from .app import create_app

__all__ = ["create_app"]
