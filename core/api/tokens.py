"""The REST side of API tokens (core.tokens, docs/decisions/0025).

- `POST /api/v1/auth/token/`: a person's username and password for a new token of their own
  (read and write, expiring after API_SIGN_IN_TOKEN_DAYS); `DELETE` with a token revokes that
  token (signing out).
- `/api/v1/tokens/`: the tokens the caller manages — their own; a manager's also those of the
  partner accounts of the associations they manage; an admin's all — listed (revoked ones too,
  `active=true|false`), made (`key` in the answer, once) and revoked (`DELETE`: 204; out of
  scope: 404). Never the key or its hash.
"""

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import tokens as token_services
from core.api.filters import BooleanFilter
from core.api.serializers import TokenRequestSerializer
from core.throttling import LoginRateThrottle
from core.tokens import ApiToken


class SignInTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The key: send it as `Authorization: Token <key>`. Shown this once only."
    )
    id = serializers.IntegerField(help_text="The token's id in `/api/v1/tokens/`")
    expires_at = serializers.DateTimeField(help_text="When the token stops working")


class ObtainTokenView(APIView):
    """`POST`: exchange a username and password for a new API token of that account, named after
    the moment ("sign-in 2026-12-05 14:03"), read and write, expiring after
    `API_SIGN_IN_TOKEN_DAYS` (30) days; it is listed in `/api/v1/tokens/`. Partner systems
    should rather use a named token made for them (`POST /api/v1/tokens/` or the page
    /account/tokens/), which need not carry a password around.

    Guessing is bounded per client address (429 `throttled`) and per account: after
    `LOGIN_FAILURE_LIMIT` wrong passwords (10) from any addresses the account is locked, and this
    answers 429 `account_locked` with `retry_after` (seconds) until the lock ends. No second factor
    is asked here: a token is a secret of its own.

    `DELETE`: revoke the token the request is sent with (signing out); 204.
    """

    permission_actions = {"delete": "token.manage"}
    # The sign-out revokes the token it is sent with, even one that may only read.
    read_only_tokens_allowed = True

    def _signing_in(self) -> bool:
        # No request: the schema generator asking about the view as a whole (the sign-in).
        request = getattr(self, "request", None)
        return request is None or request.method != "DELETE"

    def get_authenticators(self):
        return [] if self._signing_in() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self._signing_in() else super().get_permissions()

    def get_throttles(self):
        return [LoginRateThrottle()] if self._signing_in() else super().get_throttles()

    @extend_schema(request=TokenRequestSerializer, responses={200: SignInTokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = token_services.sign_in_token_create(user=serializer.validated_data["user"])
        response = Response({"token": key, "id": token.pk, "expires_at": token.expires_at})
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked: the token no longer works."),
            400: OpenApiResponse(
                description="Not sent with a token (signed in by a session): nothing to revoke."
            ),
        },
    )
    def delete(self, request):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _(
                            "This revokes the token the request is sent with: send it as "
                            "“Authorization: Token <key>”. To revoke another token, DELETE "
                            "/api/v1/tokens/{id}/."
                        )
                    ]
                }
            )
        token_services.token_revoke(
            actor=request.user, token_id=token.pk, reason=ApiToken.RevokeReason.SIGNED_OUT
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenFilterSet(django_filters.FilterSet):
    active = BooleanFilter(
        method="filter_active",
        label=gettext_lazy(
            "true: the tokens that work now; false: those revoked, expired or of a deactivated "
            "account"
        ),
    )

    class Meta:
        model = ApiToken
        fields = ["active"]

    def filter_active(self, queryset, name, value):
        working = token_services.working_now()
        return queryset.filter(working if value else ~working)


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The account the token signs in as"
    )
    active = serializers.SerializerMethodField(
        help_text="Whether it works now: not revoked, not expired, its account active"
    )
    prefix = serializers.CharField(
        read_only=True, help_text="The key's first characters, to recognise it by"
    )
    revoke_reason = serializers.ChoiceField(
        choices=ApiToken.RevokeReason.choices,
        read_only=True,
        allow_null=True,
        help_text="Why it was revoked; null while it is not",
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "user",
            "prefix",
            "access",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "revoke_reason",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, token) -> bool:
        return token.is_active

    def to_representation(self, token):
        data = super().to_representation(token)
        data["revoke_reason"] = data["revoke_reason"] or None
        return data


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=token_services.NAME_MAX_LENGTH,
        help_text="To recognise it by; unique among the account's tokens that are not revoked",
    )
    access = serializers.ChoiceField(
        choices=ApiToken.Access.choices,
        default=ApiToken.Access.READ_WRITE,
        help_text="`read`: GET requests only; `read_write`: everything the account may do",
    )
    expires_at = serializers.DateTimeField(
        required=False,
        help_text="When it stops working: at most 365 days ahead (default: in 90 days)",
    )
    user = serializers.IntegerField(
        required=False,
        help_text="The id of the account it is for: a partner account you manage (default: "
        "yourself)",
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        help_text="The key: send it as `Authorization: Token <key>`. Shown this once only: "
        "only its hash is kept."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """API tokens: the caller's own; a manager's also those of the partner accounts bound to the
    associations they manage; an admin's all. Revoked and expired tokens stay listed. The key is
    in the answer that makes a token, and never again."""

    queryset = ApiToken.objects.none()  # the schema's model; get_queryset is the caller's
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilterSet
    lookup_value_regex = r"[0-9]+"
    ordering_fields = ["created_at", "expires_at", "last_used_at", "name"]
    permission_actions = {
        "list": "token.manage",
        "retrieve": "token.manage",
        "create": "token.manage",
        "destroy": "token.manage",
    }

    def get_queryset(self):
        return token_services.token_list(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        given = ApiTokenCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        token, key = token_services.token_create(
            actor=request.user,
            name=data["name"],
            access=data["access"],
            expires_at=data.get("expires_at"),
            owner_id=data.get("user"),
        )
        token.key = key
        response = Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(responses={204: OpenApiResponse(description="Revoked (or already revoked).")})
    def destroy(self, request, *args, **kwargs):
        """Revoke the token: it stops working at once and stays listed, revoked."""
        try:
            token_services.token_revoke(actor=request.user, token_id=kwargs["pk"])
        except ApiToken.DoesNotExist as exc:
            raise Http404 from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
