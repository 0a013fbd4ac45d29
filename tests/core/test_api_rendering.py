"""What makes a 1000-row API page quick gives what DRF and Django give: the list's renderers of
the usual columns (core.api.plain), the JSON written by orjson (core.api.renderers) and needs
loaded without Model.__init__ (core.models.QuickLoad)."""

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import renderers, serializers

from core.api import plain
from core.api.renderers import JSONRenderer
from supplies.models import Need
from tests.supplies.conftest import need_in

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


class Sample(serializers.Serializer):
    at = serializers.DateTimeField()
    at_utc = serializers.DateTimeField(default_timezone=UTC)
    at_formatted = serializers.DateTimeField(format="%Y/%m/%d %H:%M")
    day = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=3)
    rounded = serializers.DecimalField(max_digits=6, decimal_places=1, rounding=decimal.ROUND_UP)
    as_number = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    status = serializers.ChoiceField(choices=[("open", "Open"), ("1", "One")])
    tags = serializers.MultipleChoiceField(choices=["a", "b"])
    count = serializers.IntegerField()
    text = serializers.CharField()


VALUES = {
    "at": [
        datetime.datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=UTC),
        datetime.datetime(2026, 12, 6, 1, 2, 3, tzinfo=SHANGHAI),
        datetime.datetime(2026, 12, 6, 1, 2, 3),  # naive: made aware in the zone
        "2026-12-06T01:02:03Z",  # a string is handed back as it is
    ],
    "at_utc": [datetime.datetime(2026, 12, 6, 9, 0, tzinfo=SHANGHAI)],
    "at_formatted": [datetime.datetime(2026, 12, 6, 9, 0, tzinfo=UTC)],
    "day": [datetime.date(2026, 2, 28), "2026-02-28"],
    "amount": [
        decimal.Decimal("8700.000"),
        decimal.Decimal("0.0005"),  # rounded half to even
        decimal.Decimal("0.0015"),
        decimal.Decimal("1E+3"),
        decimal.Decimal("12"),
        3,  # not a Decimal: DRF's path
        1.25,
    ],
    "rounded": [decimal.Decimal("0.01"), decimal.Decimal("12345.0")],
    "as_number": [decimal.Decimal("1.005")],
    "status": ["open", "1", 1, "", "unknown"],
    "tags": [{"a"}, ["b", "a"]],
    "count": [0, 7, True, "12"],
    "text": ["复工", "", 12],
}


@pytest.mark.parametrize("zone", [SHANGHAI, UTC])
def test_each_quick_renderer_gives_what_the_field_itself_gives(zone):
    with timezone.override(zone):
        sample = Sample()
        for name, values in VALUES.items():
            field = sample.fields[name]
            render = plain._renderer(field)
            for value in values:
                assert render(value) == field.to_representation(value), (name, value)


def test_fields_that_render_otherwise_keep_their_own_rendering():
    class Shouting(serializers.CharField):
        def to_representation(self, value):
            return str(value).upper()

    field = Shouting()
    assert plain._renderer(field) == field.to_representation
    assert plain._renderer(field)("open") == "OPEN"
    tags = Sample().fields["tags"]  # a choice field of DRF's that renders a set
    assert plain._renderer(tags) == tags.to_representation


def test_a_decimal_beyond_its_digits_fails_as_drf_fails():
    field = serializers.DecimalField(max_digits=4, decimal_places=2)
    with pytest.raises(decimal.InvalidOperation):
        field.to_representation(decimal.Decimal("123456.789"))
    with pytest.raises(decimal.InvalidOperation):
        plain._renderer(field)(decimal.Decimal("123456.789"))


def drf_json(data, media_type=None):
    return renderers.JSONRenderer().render(data, media_type, {})


def test_the_api_json_is_byte_for_byte_what_drf_writes():
    data = {
        "results": [
            {
                "id": 2**40,
                "name": "南阳锐富新材料有限责任公司 \u2028 line \u2029 paragraph </script>",
                "quantity": "8700.000",
                "overdue": False,
                "closed_at": None,
                "actions": ["take", "resolve"],
                "ratio": 0.1,
            }
        ],
        "count": 1,
        "when": datetime.datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=UTC),
        "local": datetime.datetime(2026, 12, 6, 9, 2, 3, tzinfo=SHANGHAI),
        "day": datetime.date(2026, 12, 6),
        "time": datetime.time(8, 30),
        "amount": decimal.Decimal("1.50"),
        "label": gettext_lazy("Supply request"),
        "key": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "bytes": b"abc",
        "tuple": (1, 2),
        "set": {"only"},
        3: "an integer key",
        "nested": {"empty": {}, "list": []},
    }
    assert JSONRenderer().render(data, "application/json", {}) == drf_json(data)


def test_what_orjson_cannot_write_is_written_by_drf():
    big = {"id": 2**70}
    assert JSONRenderer().render(big, "application/json", {}) == drf_json(big)
    indented = "application/json; indent=4"
    data = {"a": [1, {"b": "复工"}]}
    assert JSONRenderer().render(data, indented, {}) == drf_json(data, indented)
    assert b"\n    " in JSONRenderer().render(data, indented, {})
    with pytest.raises(TypeError):
        JSONRenderer().render({"thing": object()}, "application/json", {})
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_a_need_loaded_quickly_is_the_need_django_would_load(cast):
    need = need_in(cast, Need.Status.IN_PROGRESS)
    quick = Need.objects.get(pk=need.pk)
    assert quick._state.adding is False and quick._state.db == "default"
    as_django = Need(*[getattr(quick, f.attname) for f in Need._meta.concrete_fields])
    columns = [f.attname for f in Need._meta.concrete_fields]
    assert {c: quick.__dict__[c] for c in columns} == {c: as_django.__dict__[c] for c in columns}
    assert quick.enterprise == need.enterprise and quick.get_deferred_fields() == set()
    quick.description = "改了"
    with CaptureQueriesContext(connection) as saved:
        quick.save(update_fields=["description"])
    assert saved.captured_queries[0]["sql"].startswith("UPDATE")
    assert Need.objects.get(pk=need.pk).description == "改了"


@pytest.mark.django_db
def test_a_need_loaded_with_deferred_columns_reads_them_when_asked(cast):
    need = need_in(cast, Need.Status.OPEN)
    partial = Need.objects.only("id", "status").get(pk=need.pk)
    assert "description" in partial.get_deferred_fields()
    with CaptureQueriesContext(connection) as read:
        assert partial.description == need.description
    assert len(read.captured_queries) == 1


@pytest.mark.django_db
def test_an_init_signal_is_still_sent_when_one_is_connected(cast):
    need = need_in(cast, Need.Status.OPEN)
    seen = []

    def record(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(record, sender=Need)
    try:
        Need.objects.get(pk=need.pk)
    finally:
        post_init.disconnect(record, sender=Need)
    assert seen == [need.pk]
