"""Writes on practice cases: each atomic, on locked rows, with an event in the log, refusing what
cases.access refuses."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from cases import access, search
from cases.models import Case, CaseHelped, CaseTag, Tag
from core.attachments import attach
from core.errors import DomainError, check_model_rules
from core.models import Industry, Region
from core.workflow import change_status, diff, record_event, record_status, snapshot

FIELDS = (
    "title",
    "enterprise_name",
    "summary",
    "problem",
    "actions",
    "results",
    "industry",
    "region",
    "size",
)


class CaseError(DomainError):
    """A refusal of a case write."""


def _locked(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).get(pk=case_id)


def _set_tags(case: Case, tags) -> None:
    tags = list(dict.fromkeys(tags or []))
    unknown = [t for t in tags if t not in Tag.values]
    if unknown:
        message = _("Choose tags from the list.")
        raise CaseError(message, fields={"tags": [message]})
    case.tags.exclude(tag__in=tags).delete()
    have = set(case.tags.values_list("tag", flat=True))
    CaseTag.objects.bulk_create([CaseTag(case=case, tag=t) for t in tags if t not in have])


def _save(case: Case, data: dict) -> None:
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("industry", "region"):
            if value in ("", None):
                setattr(case, name, None)
            elif isinstance(value, Industry | Region):
                setattr(case, name, value)
            else:
                setattr(case, f"{name}_id", str(value))
        else:
            setattr(case, name, value if value is not None else "")
    check_model_rules(case, exclude=["association", "suggested_by", "created_by"])
    search.fill(case)
    case.save()
    case.refresh_from_db(fields=["search_vector"])


@transaction.atomic
def case_create(*, actor, association_id: int, data: dict, tags=(), files=()) -> Case:
    if not access.writes(actor, association_id=association_id):
        raise PermissionDenied
    case = Case(association_id=association_id, created_by=actor)
    _save(case, data)
    _set_tags(case, tags)
    attach(case, files, actor=actor)
    record_status(case, from_status="", to_status=case.status, actor=actor)
    return case


@transaction.atomic
def case_suggest(
    *, actor, data: dict, tags=(), files=(), association_id: int | None = None
) -> Case:
    """An enterprise user's own case, a draft for its association's staff to review."""
    if not access.may_suggest(actor):
        raise PermissionDenied
    memberships = Membership.objects.filter(
        enterprise_id=actor.enterprise_id, status__in=Membership.MEMBER
    )
    if association_id is not None:
        memberships = memberships.filter(association_id=association_id)
    membership = memberships.order_by("id").first()
    if membership is None:
        message = _("Your enterprise is not a member of an association that could publish it.")
        raise CaseError(message, fields={"association": [message]})
    case = Case(association_id=membership.association_id, suggested_by=actor, created_by=actor)
    if not data.get("enterprise_name") and actor.enterprise_id:
        data = {**data, "enterprise_name": actor.enterprise.name}
    _save(case, data)
    _set_tags(case, tags)
    attach(case, files, actor=actor)
    record_status(case, from_status="", to_status=case.status, actor=actor, action="case.suggested")
    return case


@transaction.atomic
def case_update(case: Case, *, actor, data: dict, tags=None, files=()) -> Case:
    case = _locked(case.pk)
    if not access.writes(actor, case) or case.status == Case.Status.ARCHIVED:
        raise PermissionDenied
    before = snapshot(case, FIELDS)
    _save(case, data)
    if tags is not None:
        _set_tags(case, tags)
    attach(case, files, actor=actor)
    changes = diff(before, case)
    if changes:
        record_event(case, "case.edited", actor=actor, changes=changes)
    return case


@transaction.atomic
def case_transition(case: Case, action: str, *, actor, reason: str = "") -> Case:
    """review / publish / archive (or back to draft: "redraft")."""
    case = _locked(case.pk)
    if not access.writes(actor, case):
        raise PermissionDenied
    to = access.TRANSITIONS.get(action) or (Case.Status.DRAFT if action == "redraft" else None)
    if to is None:
        raise CaseError(_("Unknown action."))
    fields = []
    if to == Case.Status.PUBLISHED:
        case.published_at = timezone.now()
        fields.append("published_at")
    change_status(case, to=to, actor=actor, reason=reason, update_fields=fields)
    return case


def mark_helped(case: Case, *, actor) -> tuple[Case, bool]:
    """Count the person's "this helped me" once; the second time changes nothing."""
    if not access.may_mark_helped(actor, case):
        raise PermissionDenied
    try:
        with transaction.atomic():
            CaseHelped.objects.create(case=case, user=actor)
            Case.objects.filter(pk=case.pk).update(helped_count=F("helped_count") + 1)
            record_event(case, "case.helped", actor=actor)
            created = True
    except IntegrityError:
        created = False
    case.refresh_from_db(fields=["helped_count"])
    return case, created
