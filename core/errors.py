"""The one domain error type that services raise.

The web layer shows `message` to the person; the API layer answers `http_status` with the uniform
error body (see core.api.errors).
"""


class DomainError(Exception):
    http_status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
        **extra,
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        self.extra = extra


class TransitionNotAllowed(DomainError):
    """The object is not in a state that allows the change (HTTP 409)."""

    http_status = 409
    code = "transition_not_allowed"


class Conflict(DomainError):
    """The request is valid but collides with the current state of other data (HTTP 409)."""

    http_status = 409
    code = "conflict"
