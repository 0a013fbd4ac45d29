from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeletionRequest(models.Model):
    """An enterprise user asking for their account to be deleted (docs/decisions/0028).

    Confirmed by a manager of an association the user's enterprise is an active member of (or an
    admin): the account is deactivated and its contact data removed at once; the row and what
    it filed stay, under the name former-<id>. Declined with a reason, or withdrawn by the user
    while it waits. One waiting request per user.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    STATUS_TRANSITIONS = {
        Status.PENDING: {Status.CONFIRMED, Status.DECLINED, Status.WITHDRAWN},
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="deletion_requests",
        verbose_name=_("account"),
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The user's own words, if any.
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Why it was declined (required then); kept in the event too.
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_deletion_request_per_user",
                violation_error_message=_("Your account's deletion is asked for already."),
            )
        ]
        indexes = [
            models.Index(
                fields=["asked_at"],
                condition=models.Q(status="pending"),
                name="deletion_request_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"
