"""What the batch and application endpoints share: the `allowed_actions` of a detail payload."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from batches import access
from batches.models import Application

CHECKLIST_KEYS = list(Application.CHECKLIST)


class AllowedActionsMixin(serializers.Serializer):
    # `allowed_actions`: what the caller may do to the object now, by the API's action names;
    # the same list from which the pages draw their buttons (batches.access).

    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="The actions the caller may take on it now, by their endpoint names "
            "(batches: edit, open, close, complete; applications: edit, submit, withdraw, "
            "resume, approve, reject, return).",
        )
    )
    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return access.allowed_actions(getattr(request, "user", None), obj)
