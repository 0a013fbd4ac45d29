"""Rendering a list page of a thousand rows without DRF's per-field machinery (decision 0032).

A ModelSerializer renders each row field by field through `get_attribute` (which walks the
source, catches missing relations and calls callables) and an ordered dict. For the columns of
the row itself that is all overhead: `PlainListSerializer` works out once per page how each field
is read — a concrete column straight from the instance, a reference by its foreign key's value,
anything else (nested serializers, dotted sources, method fields) as DRF reads it — and then
renders every row with that plan. The output is the same: each field's own `to_representation`
formats the value — or, for the usual kinds of column (date-times, dates, decimals, numbers,
text, choices) and method fields, a function worked out once per page that gives the same text
without asking the time zone, the decimal context and the field's settings again for every
value (`_renderer`).

A serializer that changes the rendered row (hiding fields from some readers) does it in
`finish_representation(instance, data)`, which both paths call.
"""

import datetime
import decimal
from operator import attrgetter

from rest_framework import ISO_8601, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings


def _identity(value):
    return value


def _drf_class(field) -> type:
    """The DRF field class the field is, or derives from."""
    return next(c for c in type(field).__mro__ if c.__module__ == "rest_framework.fields")


def _as_drf(field, *methods: str) -> bool:
    """The field renders as its DRF class does (no subclass changed these methods)."""
    kind, base = type(field), _drf_class(field)
    return all(getattr(kind, name) is getattr(base, name) for name in methods)


def _datetime_renderer(field):
    form = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if not _as_drf(field, "to_representation", "enforce_timezone"):
        return None
    if form is None or form.lower() != ISO_8601 or zone is None:
        return None
    slow = field.to_representation

    def render(value):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return slow(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


def _date_renderer(field):
    form = getattr(field, "format", api_settings.DATE_FORMAT)
    if not _as_drf(field, "to_representation") or form is None or form.lower() != ISO_8601:
        return None
    slow = field.to_representation
    return lambda value: value.isoformat() if type(value) is datetime.date else slow(value)


def _decimal_renderer(field):
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not _as_drf(field, "to_representation", "quantize"):
        return None
    if not coerce or field.localize or field.normalize_output or field.decimal_places is None:
        return None
    places = decimal.Decimal(".1") ** field.decimal_places
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    rounding, slow = field.rounding, field.to_representation

    def render(value):
        if type(value) is not decimal.Decimal:
            return slow(value)
        return f"{value.quantize(places, rounding=rounding, context=context):f}"

    return render


def _choice_renderer(field):
    if not _as_drf(field, "to_representation"):
        return None
    known, slow = field.choice_strings_to_values, field.to_representation
    return lambda value: known.get(value, value) if type(value) is str and value else slow(value)


def _same_type_renderer(kind):
    def renderer(field):
        if not _as_drf(field, "to_representation"):
            return None
        slow = field.to_representation
        return lambda value: value if type(value) is kind else slow(value)

    return renderer


_RENDERERS = {
    serializers.DateTimeField: _datetime_renderer,
    serializers.DateField: _date_renderer,
    serializers.DecimalField: _decimal_renderer,
    serializers.ChoiceField: _choice_renderer,
    serializers.IntegerField: _same_type_renderer(int),
    serializers.CharField: _same_type_renderer(str),
}


def _renderer(field):
    """What turns the field's value into its JSON form on this page: the field's own
    `to_representation`, or a function giving the same for the usual values with what it
    depends on (format, time zone, decimal places and context, choices) read once."""
    make = _RENDERERS.get(_drf_class(field))
    return (make and make(field)) or field.to_representation


def _reader(field, model):
    """(read the value from an instance, turn the value into its JSON form) for one field."""
    concrete = {f.name: f for f in model._meta.concrete_fields}
    keys = {f.attname: f for f in model._meta.concrete_fields if f.is_relation}
    source = field.source_attrs
    if isinstance(field, serializers.SerializerMethodField):
        # DRF hands the method the row itself (source "*").
        return _identity, getattr(field.parent, field.method_name)
    if field.source == "*":
        return _identity, field.to_representation
    if len(source) == 1 and source[0] in keys:
        # A foreign key's own column (`source="association_id"`), formatted by the field.
        return attrgetter(source[0]), _renderer(field)
    if len(source) == 1 and source[0] in concrete:
        column = concrete[source[0]]
        if column.is_relation:
            # A reference rendered as its key (the id, or a code that is the key itself).
            plain_key = (
                isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None
            ) or getattr(field, "renders_foreign_key", False)
            if plain_key:
                return attrgetter(column.attname), _identity
        else:
            return attrgetter(column.attname), _renderer(field)

    def through_drf(instance):
        value = field.get_attribute(instance)
        return value.pk if isinstance(value, PKOnlyObject) and value.pk is None else value

    return through_drf, _renderer(field)


class PlainListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        child = self.child
        rows = data.all() if hasattr(data, "all") else data
        overridden = type(child).to_representation is not serializers.Serializer.to_representation
        finish = getattr(child, "finish_representation", None)
        if overridden and finish is None:
            return super().to_representation(data)
        model = child.Meta.model
        fields = list(child._readable_fields)
        plan = [(field.field_name, *_reader(field, model)) for field in fields]
        # A date-time field asks for the active time zone for every value (a context-local
        # lookup: a third of a page's rendering); it is the same for the whole page.
        zoned = [
            field
            for field in fields
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone")
        ]
        for field in zoned:
            field.timezone = field.default_timezone()
        try:
            return [self._row(instance, plan, finish) for instance in rows]
        finally:
            for field in zoned:
                del field.timezone

    @staticmethod
    def _row(instance, plan, finish) -> dict:
        row = {}
        for name, read, render in plan:
            try:
                value = read(instance)
            except SkipField:
                continue
            row[name] = None if value is None else render(value)
        return finish(instance, row) if finish else row
