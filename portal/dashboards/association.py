"""The home page of an association's staff and managers: what needs them today.

The to-do list reads each app's selectors, which are already scoped to the user: a few items a
group, the most pressing first, each a link to the page where it is done, with the group's counts
and links to the full lists. Every group takes one or two queries, however much waits.
"""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from associations.models import Membership
from associations.selectors import association_member_counts, membership_list
from batches.models import Batch
from batches.selectors import batch_list, review_queue
from core.access import scope_of
from core.models import Event, User, own_users_of
from enterprises.models import EnterpriseClaim
from enterprises.selectors import claim_list
from portal.dashboards.todo import (
    LIMIT,
    Group,
    Item,
    ago,
    due,
    full_lists,
    latest_event,
    month_day,
    waited,
)
from reports.models import Report
from reports.periods import local_midnight
from reports.selectors import report_list
from services.models import ServiceRequest
from services.selectors import overdue_q, visible_requests
from supplies.badges import kept_for
from supplies.models import Escalation, Need
from supplies.selectors import need_queue


def context(user: User) -> dict:
    now = timezone.now()
    scope = scope_of(user)
    applications = _applications_to_review(user, now)
    groups = [
        group
        for group in (
            _members_waiting(user, now),
            applications,
            _needs_to_act_on(user, now),
            _service_requests_to_act_on(user, now),
            _reports_to_submit(user, now),
        )
        if group.total
    ]
    # The groups with something past its due time first; otherwise in the order above.
    groups.sort(key=lambda group: not group.urgent)
    return {
        "todo": groups,
        "todo_batches": _open_batches(user),
        "several_associations": len(scope.association_ids) > 1,
        "associations": association_member_counts(user=user),
        "managed_ids": scope.managed_association_ids,
        "pending_claims": claim_list(user=user)
        .filter(status=EnterpriseClaim.Status.PENDING)
        .count(),
        "queue": {"submitted": applications.total, "overdue": applications.counts["overdue"]},
    }


# --- members waiting ----------------------------------------------------------------------


def _members_waiting(user: User, now: datetime) -> Group:
    """Requests to join and claims to act for a member, the longest waiting first."""
    requests, claims = _requests_to_join(user), _claims_to_decide(user)
    items = [_request_item(membership, now) for membership in requests[:LIMIT]]
    items += [_claim_item(claim, now) for claim in claims[:LIMIT]]
    items.sort(key=lambda item: item.since)
    request_count, claim_count = requests.count(), claims.count()
    return Group(
        key="members",
        title=_("Members waiting"),
        total=request_count + claim_count,
        items=items[:LIMIT],
        links=full_lists(
            (
                ngettext("%(count)d request to join", "%(count)d requests to join", request_count),
                reverse("member-list") + "?status=pending",
                request_count,
            ),
            (
                ngettext("%(count)d claim", "%(count)d claims", claim_count),
                reverse("claim-list"),
                claim_count,
            ),
        ),
    )


def _requests_to_join(user: User):
    pending = Membership.Status.PENDING
    # Pending since the request: a member that left may ask again, and its row is older.
    since = Coalesce(
        latest_event("associations", "membership", "at", Q(to_status=pending)), F("created_at")
    )
    return (
        membership_list(user=user)
        .filter(status=pending)
        .annotate(since=since)
        .order_by("since", "id")
    )


def _request_item(membership: Membership, now: datetime) -> Item:
    return Item(
        url=reverse("membership-detail", args=[membership.pk]),
        title=membership.enterprise.name,
        association=membership.association.name,
        label=_("Request to join"),
        status="pending",
        when=waited(membership.since, now),
        since=membership.since,
    )


def _claim_item(claim: EnterpriseClaim, now: datetime) -> Item:
    return Item(
        url=reverse("claim-list"),
        title=claim.enterprise.name,
        detail=_("Asked by %(name)s") % {"name": claim.user.get_full_name() or claim.user.username},
        association=claim.association_name or "",
        label=_("Claim"),
        status="pending",
        when=waited(claim.created_at, now),
        since=claim.created_at,
    )


def _claims_to_decide(user: User):
    """Pending claims on the user's members that staff decide: an enterprise with users of its
    own decides claims on itself (enterprises.access.may_decide_claim)."""
    scope = scope_of(user)
    through = Membership.objects.filter(
        enterprise_id=OuterRef("enterprise_id"),
        association_id__in=scope.association_ids,
        status__in=Membership.MEMBER,
    ).order_by("association__name")
    return (
        claim_list(user=user)
        .filter(status=EnterpriseClaim.Status.PENDING)
        .exclude(Exists(own_users_of(OuterRef("enterprise_id"))))
        .annotate(association_name=Subquery(through.values("association__name")[:1]))
        .order_by("created_at", "id")
    )


# --- applications to review ---------------------------------------------------------------


def _applications_to_review(user: User, now: datetime) -> Group:
    """Submitted applications, the overdue first, then by their review deadline."""
    queue = review_queue(user=user)
    counts = queue.aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(review_due_at__lt=now))
    )
    items = [
        Item(
            url=reverse("application-detail", args=[application.pk]),
            title=application.enterprise.name,
            detail=application.batch.name,
            association=application.batch.association.name,
            when=due(application.review_due_at, now),
            alert=application.overdue,
        )
        for application in queue.order_by("-overdue", "review_due_at", "submitted_at", "id")[:LIMIT]
    ]
    queue_url = reverse("application-list") + "?status=submitted"
    total = counts["total"]
    return Group(
        key="applications",
        title=_("Applications to review"),
        total=total,
        items=items,
        links=full_lists(
            (
                ngettext("%(count)d waiting for review", "%(count)d waiting for review", total),
                queue_url,
                total,
            ),
            (
                ngettext("%(count)d overdue", "%(count)d overdue", counts["overdue"]),
                queue_url + "&overdue=on",
                counts["overdue"],
            ),
        ),
        counts=counts,
    )


# --- needs to act on ----------------------------------------------------------------------

INFO_ADDED = "need.info_added"
URGENT = (Need.Urgency.HIGH, Need.Urgency.CRITICAL)


def _needs_to_act_on(user: User, now: datetime) -> Group:
    """New needs, needs answered by government, and needs whose enterprise added the information
    staff asked for, most pressing first (the queue's order)."""
    S = Need.Status
    needs = _needs_waiting_for_staff(user)

    def count() -> dict[str, int]:
        return needs.aggregate(
            new=Count("id", filter=Q(status=S.OPEN)),
            answered=Count("id", filter=Q(status=S.ANSWERED)),
            added=Count("id", filter=Q(status=S.IN_PROGRESS)),
        )

    # Counted again only after one of the associations' needs changed (supplies.badges).
    counts = kept_for(user, "needs_to_act_on", count)
    replied = Escalation.objects.filter(need=OuterRef("pk"), replied_at__isnull=False)
    rows = needs.annotate(
        event_at=latest_event("supplies", "need", "at"),
        replied_at=Subquery(replied.order_by("-replied_at").values("replied_at")[:1]),
    )[:LIMIT]
    return Group(
        key="needs",
        title=_("Needs to act on"),
        total=counts["new"] + counts["answered"] + counts["added"],
        items=[_need_item(need, now) for need in rows],
        links=_need_links(counts),
    )


def _need_links(counts: dict[str, int]) -> list[tuple[str, str]]:
    queue_url = reverse("need-queue")
    return full_lists(
        (
            ngettext("%(count)d new", "%(count)d new", counts["new"]),
            queue_url + "?status=open",
            counts["new"],
        ),
        (
            ngettext(
                "%(count)d answered by government",
                "%(count)d answered by government",
                counts["answered"],
            ),
            queue_url + "?status=answered",
            counts["answered"],
        ),
        (
            ngettext(
                "%(count)d with information added",
                "%(count)d with information added",
                counts["added"],
            ),
            queue_url + "?status=in_progress",
            counts["added"],
        ),
    )


def _needs_waiting_for_staff(user: User):
    S = Need.Status
    # The enterprise's answer moves the need from "information requested" back to "in progress"
    # with the event `need.info_added` (supplies.services.need_add_info): it waits for staff
    # while that answer is the newest status change and nothing happened to the need since.
    # Tested in this order (PostgreSQL keeps the order of an AND inside an OR): in progress,
    # then among the few needs the enterprise ever answered (the partial index
    # `event_need_info_added`, supplies migration 0006), and only for those the newest events:
    # looked up for each of 140,000 needs in progress, they took 2.4 s.
    ever_answered = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Need),
        action=INFO_ADDED,
    ).values("object_id")
    answered_question = (
        Q(status=S.IN_PROGRESS)
        & Q(pk__in=ever_answered)
        & Q(last_action=INFO_ADDED)
        & Q(last_status_action=INFO_ADDED)
    )
    return (
        need_queue(user=user)
        .alias(
            last_action=latest_event("supplies", "need", "action"),
            last_status_action=latest_event("supplies", "need", "action", ~Q(to_status="")),
        )
        .filter(Q(status__in=(S.OPEN, S.ANSWERED)) | answered_question)
    )


def _need_item(need: Need, now: datetime) -> Item:
    S = Need.Status
    label, since = {
        S.OPEN: (pgettext("a need not taken up yet", "New"), need.created_at),
        S.ANSWERED: (_("Answered by government"), need.replied_at),
    }.get(need.status, (_("Information added"), need.event_at))
    when = waited(since, now)
    if need.is_overdue:
        when = _("Needed by %(day)s, passed") % {"day": month_day(need.needed_by)}
    elif need.status == S.ANSWERED:
        when = _("Answered %(when)s") % {"when": ago(since, now)}
    elif need.status == S.IN_PROGRESS:
        when = _("Added %(when)s") % {"when": ago(since, now)}
    return Item(
        url=reverse("need-detail", args=[need.pk]),
        title=need.title,
        detail=need.enterprise.name,
        association=need.association.name,
        label=label,
        status=need.status,
        when=when,
        alert=need.is_overdue,
        flag=need.get_urgency_display() if need.urgency in URGENT else "",
    )


# --- service requests ---------------------------------------------------------------------


REOPENED = "servicerequest.reopened"


def _service_requests_to_act_on(user: User, now: datetime) -> Group:
    """Requests for support services not accepted yet, and those sent back by the enterprise's
    low rating or past their time limit, the oldest first."""
    today = timezone.localdate(now)
    # A request sent back is in progress again with a `servicerequest.reopened` event: found
    # among the few requests ever reopened (the partial index `event_servicerequest_reopened`,
    # services migration 0005), not by looking up the newest reopening of each request in
    # hand (10,000 look-ups a visit for an association with 200,000 requests).
    ever_reopened = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(ServiceRequest), action=REOPENED
    ).values("object_id")
    waiting = visible_requests(user).filter(
        Q(status="submitted")
        | overdue_q(today)
        | Q(status="in_progress", rating__isnull=True, pk__in=ever_reopened)
    )
    counts = waiting.aggregate(
        total=Count("id"),
        new=Count("id", filter=Q(status="submitted")),
        overdue=Count("id", filter=overdue_q(today)),
    )
    total = counts.pop("total")
    # The oldest few found by their own columns, then read with what the list shows: joined
    # first, every waiting request was joined to its enterprise before the five were kept.
    oldest = list(waiting.order_by("created_at", "id").values_list("pk", flat=True)[:LIMIT])
    shown = (
        visible_requests(user)
        .filter(pk__in=oldest)
        .annotate(reopened_at=latest_event("services", "servicerequest", "at", Q(action=REOPENED)))
        .order_by("created_at", "id")
    )
    return Group(
        key="services",
        title=_("Service requests to act on"),
        total=total,
        items=[_service_request_item(r, now) for r in shown],
        links=full_lists(
            (_("All %(count)d waiting"), reverse("service-request-list"), total),
            (
                _("%(count)d overdue"),
                reverse("service-request-list") + "?overdue=on",
                counts["overdue"],
            ),
        ),
        counts=counts,
    )


def _service_request_item(request, now: datetime) -> Item:
    if request.status == "submitted":
        label, when = pgettext("a need not taken up yet", "New"), waited(request.created_at, now)
    else:
        label, when = _("Reopened"), waited(request.reopened_at or request.created_at, now)
    return Item(
        url=reverse("service-request-detail", args=[request.pk]),
        title=request.service.title,
        detail=request.enterprise.name,
        association=request.association.name,
        label=label,
        status=request.status,
        when=when,
        alert=request.is_overdue,
        since=request.created_at,
    )


# --- reports to review and submit -----------------------------------------------------------


def _due_on() -> Case:
    """The day at whose local midnight an association's report is due (Report.DUE_AFTER, decision
    0002 "Submission"), so that the list is in the order of the due times."""
    return Case(
        *[
            # date + interval, cast back to a date: the same on PostgreSQL and SQLite (make run),
            # where date + integer is a number
            When(period_type=period_type, then=Cast(F("period_end") + after, DateField()))
            for period_type, after in Report.DUE_AFTER.items()
        ],
        output_field=DateField(),
    )


def _reports_to_submit(user: User, now: datetime) -> Group:
    """The associations' reports that are ready and not submitted, the first due first. A report
    narrowed to a region is the association's own working copy and is never submitted."""
    reports = (
        report_list(user=user)
        .filter(status=Report.Status.READY, association__isnull=False, region__isnull=True)
        .annotate(due_on=_due_on())
        .order_by("due_on", "association__name", "id")
    )
    total = reports.count()
    items = []
    for report in reports[:LIMIT]:
        due_at = local_midnight(report.due_on)
        items.append(
            Item(
                url=reverse("report-detail", args=[report.pk]),
                title=report.title,
                label=report.get_period_type_display(),
                status="ready to-review",
                when=due(due_at, now),
                alert=due_at <= now,
            )
        )
    return Group(
        key="reports",
        title=_("Reports to review and submit"),
        total=total,
        items=items,
        links=full_lists(
            (
                ngettext("%(count)d report ready", "%(count)d reports ready", total),
                reverse("report-list") + "?status=ready",
                total,
            )
        ),
    )


# --- batches --------------------------------------------------------------------------------


def _open_batches(user: User) -> Group:
    """The associations' open batches: places taken (approvals count against the capacity, see
    batches.services) and when applications close, the first to close first."""
    batches = batch_list(user=user).filter(status=Batch.Status.OPEN).order_by("closes_at", "id")
    total = batches.count()
    items = [
        Item(
            url=reverse("batch-detail", args=[batch.pk]),
            title=batch.name,
            association=batch.association.name,
            when=_("Applications close %(when)s")
            % {"when": timezone.localtime(batch.closes_at).strftime("%Y-%m-%d %H:%M")},
            percent=min(100, batch.approved_count * 100 / batch.capacity) if batch.capacity else 0,
            figure=_("%(taken)d of %(capacity)d places taken")
            % {"taken": batch.approved_count, "capacity": batch.capacity},
        )
        for batch in batches[:LIMIT]
    ]
    return Group(
        key="batches",
        title=_("Open batches"),
        total=total,
        items=items,
        links=full_lists(
            (
                ngettext("%(count)d open batch", "%(count)d open batches", total),
                reverse("batch-list"),
                total,
            )
        ),
    )
