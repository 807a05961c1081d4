"""The fake service's error responses, in the service's envelope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import field, frozen


def _pairs(values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(values)


__all__ = ["ApiError"]


@frozen
class ApiError(Exception):
    """
    An error response: HTTP status plus the ``{"error": {...}}`` envelope.

    Positional fields (not ``kw_only``) so the exception pickles.

    Args:
        status: HTTP status code.
        message: The ``error.message`` text.
        type: The ``error.type`` (``invalid_request_error``, ``server_error``, ...).
        param: The parameter at fault, if any.
        code: The ``error.code``, if any.
        headers: Extra response headers (``retry-after-ms``, ...).
    """

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), converter=_pairs)

    def body(self) -> dict[str, Any]:
        """Return the JSON body the service sends with this error."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    @classmethod
    def bad_request(
        cls, message: str, *, param: str | None = None, code: str | None = None
    ) -> ApiError:
        """Return a 400 ``invalid_request_error``."""
        return cls(400, message, "invalid_request_error", param, code)

    @classmethod
    def not_found(
        cls, message: str, *, param: str | None = None, code: str | None = None
    ) -> ApiError:
        """Return a 404 ``invalid_request_error``."""
        return cls(404, message, "invalid_request_error", param, code)
