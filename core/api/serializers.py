from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.auth_lockout import AccountLocked, account_locked_until
from core.models import Industry, Region, User


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    successor = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="For a code withdrawn from GB/T 2260, the region that replaced it (records "
        "keep the withdrawn code; nothing new may use it); null for a current code",
    )

    class Meta:
        model = Region
        fields = ["code", "name_zh", "name_en", "level", "parent", "successor"]


class IndustrySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Industry
        fields = ["code", "name_zh", "name_en", "level", "parent"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        # A locked account answers 429 with when to retry (core.auth_lockout); the wrong password
        # that locks it still answers 400, like any wrong password.
        until = account_locked_until(attrs["username"])
        if until is not None:
            raise AccountLocked(until)
        # The request goes to authenticate() for django-axes to count a failure against the
        # account; DRF's request (not Django's), so that AxesMiddleware leaves this answer alone.
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("The username or password is not correct."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class MeSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Officials and partners bound to a region: its GB/T 2260 code; otherwise null",
    )
    associations = serializers.SerializerMethodField()
    managed_associations = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "role",
            "enterprise",
            "jurisdiction",
            "associations",
            "managed_associations",
        ]

    def get_associations(self, user) -> list[int]:
        return sorted(user.association_ids)

    def get_managed_associations(self, user) -> list[int]:
        return sorted(user.managed_association_ids)
