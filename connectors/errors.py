"""Connector errors, classified by what the caller should do about them.

Retriable conditions (429, 5xx, dropped connections) are handled inside the HTTP layer; what
escapes to callers is final for that request. Messages name the method, endpoint and request
id so an operator can act, and never carry credentials.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class: a tracker request failed for good."""

    def __init__(self, message: str, *, endpoint: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


class FatalError(ConnectorError):
    """Retrying will not help: bad credentials, missing permission, a removed endpoint."""


class AuthError(FatalError):
    """401: the token is wrong, expired or lacks scope."""


class NotFoundError(FatalError):
    """404: the repo, project or endpoint does not exist (or the token cannot see it)."""


class RetriesExhaustedError(ConnectorError):
    """The tracker kept failing transiently past the retry budget."""


class PayloadError(ConnectorError):
    """The tracker answered 2xx with a body that is not the documented shape."""


class TlsError(FatalError):
    """The tracker's TLS certificate could not be verified (retrying will not help)."""
