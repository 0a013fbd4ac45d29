"""Rendering a list page of a thousand rows without DRF's per-field machinery (decision 0032).

A ModelSerializer renders each row field by field through `get_attribute` (which walks the
source, catches missing relations and calls callables) and an ordered dict. For the columns of
the row itself that is all overhead: `PlainListSerializer` works out once per page how each field
is read — a concrete column straight from the instance, a reference by its foreign key's value,
anything else (nested serializers, dotted sources, method fields) as DRF reads it — and then
renders every row with that plan. The output is the same: each field's own `to_representation`
formats the value.

A serializer that changes the rendered row (hiding fields from some readers) does it in
`finish_representation(instance, data)`, which both paths call.
"""

from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject


def _identity(value):
    return value


def _reader(field, model):
    """(read the value from an instance, turn the value into its JSON form) for one field."""
    concrete = {f.name: f for f in model._meta.concrete_fields}
    keys = {f.attname: f for f in model._meta.concrete_fields if f.is_relation}
    source = field.source_attrs
    if len(source) == 1 and source[0] in keys:
        # A foreign key's own column (`source="association_id"`), formatted by the field.
        attname = source[0]
        return (lambda instance: getattr(instance, attname)), field.to_representation
    if len(source) == 1 and source[0] in concrete:
        column = concrete[source[0]]
        if column.is_relation:
            # A reference rendered as its key (the id, or a code that is the key itself).
            plain_key = (
                isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None
            ) or getattr(field, "renders_foreign_key", False)
            if plain_key:
                attname = column.attname
                return (lambda instance: getattr(instance, attname)), _identity
        else:
            name = column.attname
            return (lambda instance: getattr(instance, name)), field.to_representation

    def through_drf(instance):
        value = field.get_attribute(instance)
        return value.pk if isinstance(value, PKOnlyObject) and value.pk is None else value

    return through_drf, field.to_representation


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
