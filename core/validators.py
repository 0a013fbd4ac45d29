from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc


def normalise_uscc(value: str) -> str:
    """Validate a Unified Social Credit Code (GB 32100-2015) and return it compact, upper case."""
    try:
        return stdnum_uscc.validate((value or "").strip().upper())
    except stdnum_uscc.InvalidChecksum as exc:
        raise ValidationError(
            _(
                "The check character of this credit code is wrong; "
                "please re-type the 18 characters."
            ),
            code="uscc_checksum",
        ) from exc
    except stdnum_uscc.InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters."), code="uscc_length"
        ) from exc
    except stdnum_uscc.ValidationError as exc:
        raise ValidationError(
            _(
                "This is not a unified social credit code "
                "(digits and capital letters, no I, O, S, V, Z)."
            ),
            code="uscc_format",
        ) from exc


def validate_uscc(value: str) -> None:
    normalise_uscc(value)
