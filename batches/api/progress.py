"""The progress figures through the API: the query and the answer's shape."""

from rest_framework import serializers

from core.api.serializers_common import RegionCodeField


class ProgressQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=["region", "industry"],
        default="region",
        help_text="Rows per region (one level below `within`, provinces without it) or per "
        "industry section.",
    )
    within = RegionCodeField(
        required=False,
        allow_null=True,
        help_text="Only enterprises inside this region (GB/T 2260 code, any level).",
    )


class ProgressFiguresSerializer(serializers.Serializer):
    eligible = serializers.IntegerField(
        help_text="Active members of the association inside the batch's regions and industries"
    )
    applied = serializers.IntegerField(help_text="Enterprises that handed in an application")
    approved = serializers.IntegerField(help_text="Enterprises approved (resumed included)")
    rejected = serializers.IntegerField()
    resumed = serializers.IntegerField(
        help_text="Eligible enterprises that resumed (never more than `eligible`)"
    )
    resumed_not_eligible = serializers.IntegerField(
        help_text="Enterprises that resumed but are no longer eligible (left the association, "
        "moved out of the batch's regions): not in the rate"
    )
    returning_workers = serializers.IntegerField(
        help_text="Workers returning, once per enterprise: the figure of its latest approved "
        "application"
    )
    resumed_of_eligible = serializers.FloatField(
        allow_null=True,
        help_text="Resumption rate (resumed ÷ eligible): of the eligible enterprises, the share "
        "that resumed, as a fraction (0.25 is 25%); null when no enterprise is eligible.",
    )
    rate = serializers.FloatField(
        allow_null=True,
        help_text="The same figure as `resumed_of_eligible`, under its earlier name.",
    )


class ProgressRowSerializer(ProgressFiguresSerializer):
    code = serializers.CharField(help_text="Region or industry section code")
    name = serializers.CharField()
    drill = serializers.BooleanField(help_text="Whether the region has regions below it")


class ProgressSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["region", "industry"])
    within = serializers.CharField(allow_null=True, help_text="The region code asked for")
    rate_label = serializers.CharField(
        help_text="The rate's name, saying what it divides, in the request's language: "
        "Resumption rate (resumed ÷ eligible)."
    )
    rows = ProgressRowSerializer(many=True)
    totals = ProgressFiguresSerializer()
