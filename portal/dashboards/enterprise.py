"""The enterprise user's home page: what to do next, on a phone first.

The next steps come first on the page, each a link to the page where it is done: what the
association or government is waiting for from the enterprise before what it may do, and what it
waits for last.
"""

from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from associations.models import Membership
from associations.selectors import membership_list_for_enterprise
from batches.models import Application, Batch
from batches.selectors import application_list, open_batches_for, with_overdue
from batches.services import missing_mandatory_items
from core.models import User
from core.text import labelled
from enterprises.selectors import claim_list, enterprise_list
from portal.dashboards.todo import LIMIT, Item, ago, due, latest_event, listed, waited
from services.selectors import visible_requests
from supplies.models import Escalation, Need, NeedMessage
from supplies.selectors import need_list

A = Application.Status

# Government's answers stay among the next steps this long: nothing records that the enterprise
# has read one (its notification is marked read when the list of notifications is opened, not
# when the answer is), so a recent answer is taken as one not yet acted on.
ANSWERS_SHOWN_FOR = timedelta(days=14)


def context(user: User) -> dict:
    applications = application_list(user=user)
    applied = set(
        applications.filter(status__in=Application.LIVE).values_list("batch_id", flat=True)
    )
    open_batches = [b for b in open_batches_for(user=user) if b.pk not in applied]
    # Pending since the request (an enterprise that left may ask again: the row is older).
    memberships = list(
        membership_list_for_enterprise(user=user).annotate(
            since=Coalesce(
                latest_event("associations", "membership", "at", ~Q(to_status="")),
                F("created_at"),
            )
        )
    )
    enterprise = enterprise_list(user=user).first()
    return {
        "enterprise": enterprise,
        "next_steps": next_steps(user, applications, open_batches, memberships)
        if enterprise
        else [],
        "memberships": memberships,
        "claims": claim_list(user=user)[:10],
        "open_batches": open_batches,
        "applications": with_overdue(applications).order_by("-updated_at", "-id")[:10],
    }


def next_steps(
    user: User,
    applications: QuerySet[Application],
    open_batches: list[Batch],
    memberships: list[Membership],
) -> list[Item]:
    """What the enterprise does next, in order: what others wait for from it (a returned
    application, information asked on a need, an application not handed in, an invitation), then
    government's answers to read, batches to apply to, and its requests to join still waiting."""
    now = timezone.now()
    returned, unfinished = _applications_to_finish(applications, now)
    invited = [m for m in memberships if m.status == Membership.Status.INVITED]
    pending = [m for m in memberships if m.status == Membership.Status.PENDING]
    return [
        *returned,
        *_information_asked(user, now),
        *unfinished,
        *[_invitation(membership) for membership in invited],
        *_answers(user, now),
        *_help_to_rate(user, now),
        *[_batch_to_apply(batch, now) for batch in open_batches[:LIMIT]],
        *[_request_waiting(membership, now) for membership in pending],
    ]


def _applications_to_finish(
    applications: QuerySet[Application], now: datetime
) -> tuple[list[Item], list[Item]]:
    """Applications returned for more information, with the association's reason, and drafts
    not handed in, with the checklist items the batch requires that are missing."""
    rows = (
        applications.filter(status__in=(A.RETURNED, A.DRAFT))
        .annotate(
            return_reason=latest_event("batches", "application", "reason", Q(to_status=A.RETURNED))
        )
        .order_by("batch__closes_at", "id")[: 2 * LIMIT]
    )
    steps = [_application_step(application, now) for application in rows]
    return (
        [step for step in steps if step.kind == "returned"],
        [step for step in steps if step.kind != "returned"],
    )


def _application_step(application: Application, now: datetime) -> Item:
    missing = missing_mandatory_items(application)
    details = []
    if application.status == A.RETURNED and application.return_reason:
        details.append(labelled(_("The association says"), application.return_reason))
    if missing:
        details.append(labelled(_("Checklist items missing"), listed(missing)))
    names = {"batch": application.batch.name}
    if application.status == A.RETURNED:
        kind, title = "returned", _("Revise your application to %(batch)s and submit it again")
    elif missing:
        kind, title = "checklist", _("Complete the checklist of your application to %(batch)s")
    else:
        kind, title = "submit", _("Submit your application to %(batch)s")
    return Item(
        kind=kind,
        url=reverse("application-edit", args=[application.pk]),
        title=title % names,
        detail=" ".join(details),
        when=due(application.batch.closes_at, now),
        alert=application.batch.closes_at <= now,
    )


def _information_asked(user: User, now: datetime) -> list[Item]:
    """Needs on which the association asked for information, with its question."""
    S = Need.Status
    question = NeedMessage.objects.filter(need=OuterRef("pk")).order_by("-created_at", "-id")
    needs = (
        need_list(user=user)
        .filter(status=S.INFO_REQUESTED)
        .annotate(
            question=Subquery(question.values("body")[:1]),
            asked_at=latest_event("supplies", "need", "at", Q(to_status=S.INFO_REQUESTED)),
        )
        .order_by("rank_at", "id")[:LIMIT]
    )
    return [
        Item(
            kind="info",
            url=reverse("need-detail", args=[need.pk]),
            title=_("Add the information asked about %(need)s") % {"need": need.title},
            detail=labelled(_("Question"), Truncator(need.question or "").chars(120)),
            when=_("Asked %(when)s") % {"when": ago(need.asked_at, now)},
        )
        for need in needs
    ]


def _help_to_rate(user: User, now: datetime) -> list[Item]:
    """Support services resolved and not rated yet: the rating is how the association learns
    whether its providers helped."""
    resolved = (
        visible_requests(user)
        .filter(status="resolved", rating__isnull=True)
        .order_by("-resolved_at", "-id")[:LIMIT]
    )
    return [
        Item(
            kind="rate",
            url=reverse("service-request-detail", args=[request.pk]),
            title=_("Rate the help with %(service)s") % {"service": request.service.title},
            detail=request.service.provider.name,
            when=_("Resolved %(when)s") % {"when": ago(request.resolved_at, now)},
        )
        for request in resolved
    ]


def _answers(user: User, now: datetime) -> list[Item]:
    """Government's answers to the enterprise's needs in the last days."""
    escalations = (
        Escalation.objects.filter(
            need__in=need_list(user=user), replied_at__gte=now - ANSWERS_SHOWN_FOR
        )
        .select_related("need", "need__item")
        .order_by("-replied_at", "-id")[:LIMIT]
    )
    return [
        Item(
            kind="answer",
            url=reverse("need-detail", args=[escalation.need_id]),
            title=_("Read government's answer on %(need)s") % {"need": escalation.need.title},
            detail=labelled(
                escalation.get_outcome_display(), Truncator(escalation.reply).chars(120)
            ),
            when=_("Answered %(when)s") % {"when": ago(escalation.replied_at, now)},
        )
        for escalation in escalations
    ]


def _invitation(membership: Membership) -> Item:
    return Item(
        kind="invitation",
        url=reverse("membership-detail", args=[membership.pk]),
        title=_("%(name)s invites your enterprise to become a member: accept or decline.")
        % {"name": membership.association.name},
    )


def _batch_to_apply(batch: Batch, now: datetime) -> Item:
    return Item(
        kind="apply",
        url=reverse("application-new", args=[batch.pk]),
        title=_("Apply to %(batch)s") % {"batch": batch.name},
        detail=batch.association.name,
        when=due(batch.closes_at, now),
    )


def _request_waiting(membership: Membership, now: datetime) -> Item:
    return Item(
        kind="pending",
        url=reverse("membership-detail", args=[membership.pk]),
        title=_("Your request to join %(name)s waits for its decision")
        % {"name": membership.association.name},
        when=waited(membership.since, now),
    )
