"""The id filter every list shares, in the API and on the pages: `?enterprise=12`.

An id in a query string is a whole number the database can hold (1 to 2⁶³ − 1), written in
ASCII digits, or the request is refused (400, naming the parameter) before the database is asked:
`1e20`, `1.5`, `-1` or twenty digits would otherwise be rounded, read as another id, or overflow
the column's type (SQLite raises on an integer past 64 bits).

An id that is well formed but unknown, or out of the user's scope, is not an error: the list
filters the user's own rows by it and finds nothing, exactly as for an id that does not exist.
"""

import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # the largest bigint: every primary key fits
_DIGITS = re.compile(r"[0-9]{1,19}")


class IdField(forms.Field):
    default_error_messages = {
        "invalid": _("Give an id: a whole number from 1 to %(max)s, in digits only."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"max": MAX_ID}
            )
        return int(text)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """Rows whose `field_name` is the id given (or, with `method=`, what the method does with
    it); a malformed or out-of-range id is a validation error of this parameter."""

    field_class = IdField
