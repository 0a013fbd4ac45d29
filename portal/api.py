"""`GET /api/v1/dashboard/`: the caller's home page figures, the same numbers as the page.

Officials (and administrators, for the country) get the jurisdiction's picture: the headline
figures, the rate's trend and each region one level down. Staff and partner systems bound to
associations get their key figures with their last 30 days and their things to do. Enterprise
users get their next steps."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import scope_of
from core.replica import replica_reads
from portal.dashboards import association, enterprise, jurisdiction, kpis
from reports.models import ROLLUP_FIGURES


class FiguresSerializer(serializers.Serializer):
    rate = serializers.FloatField(
        allow_null=True, help_text="resumed ÷ members, four decimal places; null without members"
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in (*ROLLUP_FIGURES, "needs_open", "needs_overdue", "needs_escalated"):
            fields[name] = serializers.IntegerField()
        return fields


class RegionFiguresSerializer(FiguresSerializer):
    code = serializers.CharField(source="region.code")
    name = serializers.CharField(source="region.name")


class PointSerializer(serializers.Serializer):
    day = serializers.DateField()
    value = serializers.FloatField(allow_null=True, help_text="null: the day is not rolled up")


class KpiSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    series = PointSerializer(many=True)


class StepSerializer(serializers.Serializer):
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField(help_text="The page where it is done")
    when = serializers.CharField()
    alert = serializers.BooleanField(help_text="Past its due time")


class TodoSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    total = serializers.IntegerField()
    items = StepSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["jurisdiction", "associations", "enterprise"])
    as_at = serializers.DateTimeField(
        allow_null=True, help_text="When the figures were counted (null: not yet)"
    )
    complete = serializers.BooleanField(help_text="The figures are of a whole day")
    region = serializers.CharField(allow_null=True, help_text="null: the whole country")
    headline = FiguresSerializer(required=False)
    trend = PointSerializer(many=True, required=False, help_text="The rate, a day each")
    regions = RegionFiguresSerializer(many=True, required=False)
    kpis = KpiSerializer(many=True, required=False)
    todo = TodoSerializer(many=True, required=False)
    next_steps = StepSerializer(many=True, required=False)


def _as_at(record) -> dict:
    return {
        "as_at": record.computed_at if record else None,
        "complete": bool(record and record.complete),
    }


def _jurisdiction(request) -> dict:
    picture = jurisdiction.figures(request.user, request.query_params)
    return {
        "kind": "jurisdiction",
        **_as_at(picture["record"]),
        "region": picture["place"].code,
        "headline": picture["headline"],
        "trend": [
            {"day": day, "value": row["rate"] if row else None} for day, row in picture["series"]
        ],
        "regions": picture["children"],
    }


def _associations(request) -> dict:
    figures = kpis.kpis(request.user)
    todo = association.context(request.user)["todo"]
    return {
        "kind": "associations",
        **_as_at(figures["record"]),
        "region": None,
        "kpis": [
            {
                "name": kpi["name"],
                "label": str(kpi["label"]),
                "value": kpi["value"],
                "series": kpi["points"],
            }
            for kpi in figures["figures"]
        ],
        "todo": [
            {"key": g.key, "title": g.title, "total": g.total, "items": g.items} for g in todo
        ],
    }


def _enterprise(request) -> dict:
    steps = enterprise.context(request.user)["next_steps"]
    return {
        "kind": "enterprise",
        "as_at": None,
        "complete": False,
        "region": None,
        "next_steps": steps,
    }


class DashboardView(APIView):
    """The caller's home page figures (see the description of each part); officials may add
    `?days=90` for a longer trend."""

    permission_actions = {"get": "dashboard.view"}

    @extend_schema(responses=DashboardSerializer)
    @replica_reads
    def get(self, request):
        kind = scope_of(request.user).kind
        if kind in ("admin", "jurisdiction"):
            data = _jurisdiction(request)
        elif kind == "associations":
            data = _associations(request)
        elif kind == "enterprise":
            data = _enterprise(request)
        else:
            return Response({"detail": _("Nothing to show for this account.")}, status=404)
        return Response(DashboardSerializer(data).data)
