"""The one domain error type that services raise, and the checks every service shares.

The web layer shows `message` to the person; the API layer answers `http_status` with the uniform
error body (see core.api.errors).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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


def check_model_rules(obj, **kwargs) -> None:
    """The model's own rules (obj.full_clean(**kwargs)), answered as the one domain error with a
    message per field, not as a bare ValidationError."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise DomainError(
            _("Some values are not valid; see each field."), fields=exc.message_dict
        ) from exc


def required_reason(reason: str) -> str:
    """A decision that goes against an enterprise (reject, suspend, return) says why."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason; the enterprise will see it.")
        raise DomainError(message, fields={"reason": [message]})
    return reason
