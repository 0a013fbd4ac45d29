import phonenumbers
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


def normalise_phone(value: str) -> str:
    """Validate a Chinese phone number (mobile or landline with area code, or an international
    number with +) and return it in E.164 form, e.g. +8613800138000."""
    try:
        number = phonenumbers.parse((value or "").strip(), "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("This is not a phone number; write e.g. 13800138000 or 020-87654321."),
            code="phone_format",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "This phone number does not exist; check the digits "
                "(a mobile has 11, a landline needs its area code)."
            ),
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if value:
        normalise_phone(value)


def display_phone(value: str) -> str:
    """+8613800138000 -> 138 0013 8000, for people reading a page."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 86
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
