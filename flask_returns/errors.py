"""Exceptions the host may catch."""

from __future__ import annotations


class ReturnsError(Exception):
    """Base class of every error flask-returns raises on purpose."""


class ConfigurationError(ReturnsError):
    """A ``RETURNS_*`` setting or the wiring given to ``init_app`` is wrong."""


class IllegalTransition(ReturnsError):
    """A workflow step was asked of a return whose status does not allow it."""

    def __init__(self, rma: str, current: str, wanted: str) -> None:
        super().__init__(f"Return {rma} is {current}; it cannot become {wanted}")
        self.rma = rma
        self.current = current
        self.wanted = wanted


class InvalidReturn(ReturnsError):
    """The lines or quantities asked for cannot be returned."""


class StorageError(ReturnsError):
    """The file store (an S3 bucket) could not be reached or refused a request.

    Not raised for a missing file: ``Storage.load`` raises ``FileNotFoundError``.
    """
