"""The platform's figures for its administrators: how many of each thing there are now, and how
much happened lately. Each figure (or each group of figures on one table) is one aggregate
query, so that the page costs the same at 100 000 members as at 100; labels are the ones the
rest of the portal uses for the same things.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.models import Association, Membership
from batches.models import Application
from core.models import Event, Role, User
from enterprises.models import Enterprise
from integrations.models import Endpoint
from notices.models import Notice
from reports.models import Report
from reports.periods import local_midnight
from supplies.models import Need

SIGNED_IN_WITHIN = timedelta(days=7)
EVENTS_WITHIN = timedelta(hours=24)


@dataclass
class Figure:
    name: str  # a stable key (data-figure on the page, for tests and for people's scripts)
    label: str
    value: int
    hint: str = ""


@dataclass
class Group:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class UsersByRole:
    role: str
    label: str
    active: int
    inactive: int
    signed_in_lately: int


def _week_start(now: datetime) -> datetime:
    today = timezone.localdate(now)
    return local_midnight(today - timedelta(days=today.weekday()))


def _month_start(now: datetime) -> datetime:
    return local_midnight(timezone.localdate(now).replace(day=1))


def _associations() -> list[Figure]:
    active_members = Membership.objects.filter(
        association=OuterRef("pk"), status=Membership.Status.ACTIVE
    )
    counts = Association.objects.aggregate(
        total=Count("id"), with_members=Count("id", filter=Q(Exists(active_members)))
    )
    return [
        Figure("associations", _("Associations"), counts["total"]),
        Figure(
            "associations_with_members",
            _("Associations with active members"),
            counts["with_members"],
        ),
    ]


def users_by_role(now: datetime) -> list[UsersByRole]:
    """Accounts by role, active and deactivated, and those who signed in lately (one query)."""
    since = now - SIGNED_IN_WITHIN
    rows = {
        row["role"]: row
        for row in User.objects.order_by()
        .values("role")
        .annotate(
            active=Count("id", filter=Q(is_active=True)),
            inactive=Count("id", filter=Q(is_active=False)),
            lately=Count("id", filter=Q(last_login__gte=since)),
        )
    }
    return [
        UsersByRole(
            role=role.value,
            label=str(role.label),
            active=rows.get(role.value, {}).get("active", 0),
            inactive=rows.get(role.value, {}).get("inactive", 0),
            signed_in_lately=rows.get(role.value, {}).get("lately", 0),
        )
        for role in Role
    ]


def _applications() -> list[Figure]:
    counts = {
        row["status"]: row["n"]
        for row in Application.objects.order_by().values("status").annotate(n=Count("id"))
    }
    return [
        Figure(f"applications_{status.value}", str(status.label), counts.get(status.value, 0))
        for status in Application.Status
    ]


def _needs() -> list[Figure]:
    counts = Need.objects.aggregate(
        open=Count("id", filter=Q(closed_at__isnull=True)),
        escalated=Count("id", filter=Q(status=Need.Status.ESCALATED)),
    )
    return [
        Figure("needs_open", _("Needs open"), counts["open"], _("not resolved nor cancelled")),
        Figure(
            "needs_escalated",
            _("Escalated needs"),
            counts["escalated"],
            _("waiting for government's answer"),
        ),
    ]


def _webhooks() -> list[Figure]:
    counts = Endpoint.objects.aggregate(
        active=Count("id", filter=Q(is_active=True)),
        disabled=Count("id", filter=Q(is_active=False)),
    )
    return [
        Figure("webhooks_active", _("Webhook endpoints on"), counts["active"]),
        Figure("webhooks_disabled", _("Webhook endpoints off"), counts["disabled"]),
    ]


def platform_figures(now: datetime | None = None) -> dict:
    """The figures of the platform page, grouped as the page shows them."""
    now = now or timezone.now()
    by_role = users_by_role(now)
    lately = now - SIGNED_IN_WITHIN
    groups = [
        Group(
            "organisations",
            _("Associations and enterprises"),
            [
                *_associations(),
                Figure("enterprises", _("Enterprises"), Enterprise.objects.count()),
                Figure(
                    "memberships_active",
                    _("Active memberships"),
                    Membership.objects.filter(status=Membership.Status.ACTIVE).count(),
                ),
            ],
        ),
        Group("applications", _("Applications by status"), _applications()),
        Group(
            "activity",
            _("Activity"),
            [
                *_needs(),
                Figure(
                    "reports_this_week",
                    _("Reports generated this week"),
                    Report.objects.filter(generated_at__gte=_week_start(now)).count(),
                ),
                Figure(
                    "notices_this_month",
                    _("Notices published this month"),
                    Notice.objects.filter(published_at__gte=_month_start(now)).count(),
                ),
                *_webhooks(),
                Figure(
                    "events_24h",
                    _("Events in the last 24 hours"),
                    Event.objects.filter(at__gte=now - EVENTS_WITHIN).count(),
                ),
            ],
        ),
    ]
    return {
        "groups": groups,
        "users_by_role": by_role,
        "users_active": sum(row.active for row in by_role),
        "users_inactive": sum(row.inactive for row in by_role),
        "users_signed_in_lately": sum(row.signed_in_lately for row in by_role),
        "signed_in_since": lately,
        "now": now,
    }
