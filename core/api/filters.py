"""Filters shared by every list, in the API and on the pages."""

from datetime import UTC

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from rest_framework import serializers

from core.models import Industry, Region
from core.region_fields import RegionFilterField


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, turned into UTC before it reaches the database (which refuses offsets
    beyond ±15:59 that ISO 8601 allows)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class StrictNullBooleanField(forms.NullBooleanField):
    """`true` or `false` (or nothing); any other value is refused, not read as nothing (which
    would answer the whole list to a client that believes it filtered). The widget passes the
    value on as sent: NullBooleanField's own reads anything unknown as nothing."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (True, "True", "true", "1"):
            return True
        if value in (False, "False", "false", "0"):
            return False
        if value in self.empty_values:
            return None
        raise forms.ValidationError(
            serializers.BooleanField.default_error_messages["invalid"], code="invalid"
        )


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a version, a count): `1.5` is refused rather than matching nothing."""

    field_class = forms.IntegerField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Base of every list filter: `updated_since` (ISO 8601) for partners' incremental sync.

    The filters made from model fields (`Meta.fields`) refuse what their field cannot hold:
    a boolean takes `true` or `false`, an integer a whole number.
    """

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
        **{
            field: {"filter_class": IntegerFilter}
            for field in (
                models.IntegerField,
                models.SmallIntegerField,
                models.BigIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            )
        },
    }

    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Changed at or after this ISO 8601 time"),
    )


class RegionCodeField(RegionFilterField):
    """A region filter's value: its code, or a name that only one region has (乐昌市,
    广东省韶关市乐昌市, lechang); withdrawn codes too, which old records keep."""


class IndustryCodeField(forms.CharField):
    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        code = code.strip().upper()
        if not Industry.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("Unknown industry code %(code)s (GB/T 4754-2017)."), params={"code": code}
            )
        return code


class RegionSubtreeFilter(django_filters.Filter):
    """`?region=440000` (or `?region=广东省`): the region and everything below it, at any
    level. On the pages the region picker's lists give it too (core.region_fields)."""

    field_class = RegionCodeField

    def filter(self, qs, value):
        if value is None:
            return qs
        # By the codes of the region and those below it (a city's dozen, a province's couple of
        # hundred), not by a join on the regions' paths: the planner then knows from the
        # column's statistics how many rows each code has. Joined by path, it guessed and walked
        # the national set's 1,000,000 enterprises in name order for a city's members (0.8 s).
        codes = Region.objects.filter(path__startswith=value.path).values_list("code", flat=True)
        return qs.filter(**{f"{self.field_name}__in": list(codes)})


class IndustryFilter(django_filters.Filter):
    """`?industry=C` (a section: all its divisions) or `?industry=39` (one division)."""

    field_class = IndustryCodeField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value.isalpha():
            return qs.filter(**{f"{self.field_name}__parent_id": value})
        return qs.filter(**{f"{self.field_name}_id": value})
