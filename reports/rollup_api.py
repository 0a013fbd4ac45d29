"""`GET /api/v1/rollups/`: the daily rollups for partners' own analysis, scoped as everything
else (docs/decisions/0016-daily-rollups.md)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import scope_of
from core.api.serializers_common import IndustryCodeField, RegionCodeField
from core.models import Industry, Region
from core.replica import replica_reads
from reports import rollups
from reports.api import _plausible_day
from reports.models import ROLLUP_FIGURES
from reports.selectors import rollup_list

MAX_DAYS = 366


def _code_prefix(region: Region) -> str:
    """The start every GB/T 2260 code inside `region` shares: 44 for a province, 4402 for a
    prefecture, the whole code for a county."""
    return {Region.Level.PROVINCE: region.code[:2], Region.Level.PREFECTURE: region.code[:4]}.get(
        region.level, region.code
    )


class RollupQuerySerializer(serializers.Serializer):
    day_from = serializers.DateField(
        required=False, help_text="First day (default: 29 days before `day_to`)"
    )
    day_to = serializers.DateField(required=False, help_text="Last day (default: today)")
    region = RegionCodeField(
        required=False,
        allow_null=True,
        help_text="GB/T 2260 code: the region and everything below it (default: the caller's "
        "jurisdiction; the whole country for staff, admins and partners bound to associations)",
    )
    industry = IndustryCodeField(
        required=False,
        allow_null=True,
        help_text="GB/T 4754 section (C) or division (39) (default: every industry)",
    )
    association = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One association's figures (default: officials and admins get all "
        "associations together, each enterprise once; staff get each of their associations)",
    )

    def validate_day_from(self, value):
        return _plausible_day(value)

    def validate_day_to(self, value):
        return _plausible_day(value)

    def validate(self, data):
        # DRF reads a parameter sent empty as one left out; the schema says a day is a date.
        for name in ("day_from", "day_to", "association"):
            if self.initial_data.get(name, None) == "":
                raise serializers.ValidationError({name: _("Give a value, or leave it out.")})
        last = data.get("day_to") or timezone.localdate()
        first = data.get("day_from") or last - timedelta(days=29)
        if first > last:
            raise serializers.ValidationError({"day_from": _("Give a day before day_to.")})
        if (last - first).days >= MAX_DAYS:
            raise serializers.ValidationError(
                {"day_from": _("Ask for at most %(days)d days at once.") % {"days": MAX_DAYS}}
            )
        return {**data, "day_from": first, "day_to": last}


class RollupRowSerializer(serializers.Serializer):
    day = serializers.DateField()
    association = serializers.IntegerField(
        allow_null=True, help_text="null: all associations together, each enterprise once"
    )
    rate = serializers.FloatField(
        allow_null=True, help_text="resumed ÷ members, four decimal places; null without members"
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in ROLLUP_FIGURES:
            fields[name] = serializers.IntegerField()
        return fields


class RollupsSerializer(serializers.Serializer):
    region = serializers.CharField(allow_null=True, help_text="null: the whole country")
    industry = serializers.CharField(allow_null=True, help_text="null: every industry")
    days = serializers.ListField(child=serializers.DateField(), help_text="Days rolled up")
    results = RollupRowSerializer(many=True)


class RollupView(APIView):
    """Each day's figures (as the demand reports define them: members, applied, approved,
    resumed, returning workers as at the day's end; each kind of need new, open, resolved,
    escalated and overdue; labour headcounts asked and filled) for a region, industry and
    association, one row per day (and per association, for staff of several). A day not yet
    rolled up is missing from `days` and from the rows; today is as at its last refresh."""

    permission_actions = {"get": "rollup.view"}

    @extend_schema(
        parameters=[RollupQuerySerializer],
        responses={
            200: RollupsSerializer,
            404: OpenApiResponse(
                description="A region outside your jurisdiction, or an association not yours."
            ),
        },
    )
    @replica_reads
    def get(self, request):
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user, scope = request.user, scope_of(request.user)
        region = data.get("region")
        if region is None and scope.kind == "jurisdiction":
            region = user.jurisdiction
        outside = region is not None and scope.kind == "jurisdiction"
        if outside and not scope.within_jurisdiction(region.path):
            raise NotFound(_("No such region in your jurisdiction."))
        rows = rollup_list(user=user)
        industry = data.get("industry")
        if industry is None:
            rows = rows.totals().filter(region=region)
        else:
            # By codes, not through the region and industry tables: the day index then finds
            # the rows (a province's 90 days by section: 1.6 s through the joins at bench scale).
            divisions = Industry.objects.filter(Q(code=industry.code) | Q(parent=industry.code))
            rows = rows.filter(industry__in=list(divisions.values_list("code", flat=True)))
            if region is not None:
                rows = rows.filter(region__code__startswith=_code_prefix(region))
        association = data.get("association")
        if association is not None:
            if scope.kind == "associations" and association not in scope.association_ids:
                raise NotFound(_("No such association among yours."))
            rows = rows.filter(association_id=association)
        elif scope.kind != "associations":
            rows = rows.across_associations()
        first, last = data["day_from"], data["day_to"]
        found = (
            rows.filter(day__range=(first, last))
            .values("day", "association_id")
            .annotate(**rollups.sums())
            .order_by("day", "association_id")
        )
        results = [
            {**rollups.with_rates(row), "association": row["association_id"]} for row in found
        ]
        return Response(
            RollupsSerializer(
                {
                    "region": region.code if region else None,
                    "industry": industry.code if industry else None,
                    "days": rollups.rolled_days(first, last),
                    "results": results,
                }
            ).data
        )
