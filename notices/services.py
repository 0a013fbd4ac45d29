"""Writes on notices: each atomic, on locked rows, with an event in the log, refusing what
notices.access refuses.

Publishing moves the notice to published and queues notices.tasks.write_recipients, which
writes one row per recipient enterprise with one INSERT … SELECT (ON CONFLICT DO NOTHING: run
twice, it writes them once); the audience is the rule set of the notice as it is then.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core import outbox
from core.access import can
from core.attachments import attach
from core.errors import DomainError, check_model_rules, required_reason
from core.models import Industry, Region, set_links
from core.workflow import change_status, diff, not_allowed, record_event, record_status, snapshot
from enterprises.models import Enterprise
from notices import access
from notices.models import Notice, NoticeRecipient

S = Notice.Status
FIELDS = (
    "title",
    "document_number",
    "body",
    "category",
    "valid_until",
    "needs_sign_off",
    "sign_by",
    "member_statuses",
    "sizes",
    "is_policy",
    "policy_sizes",
)
RELATIONS = ("regions", "industries", "picked", "policy_regions", "policy_industries")
MEMBER_STATUSES = {Membership.Status.ACTIVE, Membership.Status.SUSPENDED}
SIZES = set(Enterprise.Size.values)
REPLY_MAX = 1000
NULLABLE = {"valid_until", "sign_by"}


class NoticeError(DomainError):
    """A refusal of a notice write."""


def _locked(notice_id: int) -> Notice:
    return Notice.objects.select_for_update(of=("self",)).get(pk=notice_id)


def _check_choices(data: dict) -> None:
    problems = {}
    statuses = data.get("member_statuses")
    if statuses and not set(statuses) <= MEMBER_STATUSES:
        problems["member_statuses"] = [_("Choose active and/or suspended members.")]
    for name in ("sizes", "policy_sizes"):
        if data.get(name) and not set(data[name]) <= SIZES:
            problems[name] = [_("Choose sizes from the list.")]
    if data.get("needs_sign_off") and data.get("sign_by") is None:
        problems["sign_by"] = [_("Say by when recipients should sign.")]
    if problems:
        raise NoticeError(_("Some values are not valid; see each field."), fields=problems)


def _related(name: str, values) -> list:
    """The regions, industries or enterprises named (objects or keys)."""
    model = {"regions": Region, "policy_regions": Region, "industries": Industry}.get(
        name, Industry if name == "policy_industries" else Enterprise
    )
    keys = [getattr(v, "pk", v) for v in values or []]
    found = list(model.objects.filter(pk__in=keys))
    if len(found) != len(set(keys)):
        message = _("Some of those are not known: check the list.")
        raise NoticeError(message, fields={name: [message]})
    return found


def _save(notice: Notice, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name in ("member_statuses", "sizes", "policy_sizes"):
                value = sorted(set(value or []))
            elif value is None and name not in NULLABLE:
                value = False if name in ("needs_sign_off", "is_policy") else ""
            setattr(notice, name, value)
    if not notice.needs_sign_off:
        notice.sign_by = None
    _check_choices(
        {
            "member_statuses": notice.member_statuses,
            "sizes": notice.sizes,
            "policy_sizes": notice.policy_sizes,
            "needs_sign_off": notice.needs_sign_off,
            "sign_by": notice.sign_by,
        }
    )
    check_model_rules(notice, exclude=["association", "created_by", "previous"])
    related = {name: _related(name, data[name]) for name in RELATIONS if name in data}
    if "picked" in related:
        _check_picked(notice.association_id, related["picked"])
    notice.save()
    for name, objects in related.items():
        set_links(notice, name, objects)


def _check_picked(association_id: int, enterprises: list) -> None:
    members = set(
        Membership.objects.filter(
            association_id=association_id,
            enterprise_id__in=[e.pk for e in enterprises],
            status__in=MEMBER_STATUSES,
        ).values_list("enterprise_id", flat=True)
    )
    # Named by the ids the caller gave, never by what the portal knows of an enterprise that is
    # not the association's member.
    strangers = sorted(e.pk for e in enterprises if e.pk not in members)
    if strangers:
        message = _("Not members of the association (enterprise ids): %(ids)s.") % {
            "ids": "、".join(str(pk) for pk in strangers)
        }
        raise NoticeError(message, fields={"picked": [message]})


@transaction.atomic
def notice_create(*, actor, association_id: int, data: dict, files=()) -> Notice:
    if not access.writes(actor, association_id=association_id):
        raise PermissionDenied
    notice = Notice(association_id=association_id, created_by=actor)
    if "member_statuses" not in data:
        notice.member_statuses = [Membership.Status.ACTIVE]
    _save(notice, data)
    attach(notice, files, actor=actor)
    record_status(notice, from_status="", to_status=notice.status, actor=actor)
    return notice


@transaction.atomic
def notice_update(*, actor, notice_id: int, data: dict, files=()) -> Notice:
    notice = _locked(notice_id)
    if not access.writes(actor, notice):
        raise PermissionDenied
    if notice.status != S.DRAFT:
        raise not_allowed(notice)
    before = snapshot(notice, FIELDS)
    _save(notice, data)
    attach(notice, files, actor=actor)
    changes = diff(before, notice)
    if changes:
        record_event(notice, "notice.updated", actor=actor, changes=changes)
    return notice


def audience(notice: Notice) -> QuerySet:
    """The memberships a notice reaches now: its association's members with one of its
    membership statuses, narrowed by each rule it names; or only the enterprises picked."""
    members = Membership.objects.filter(
        association_id=notice.association_id,
        status__in=notice.member_statuses or [Membership.Status.ACTIVE],
    )
    picked = list(notice.picked.values_list("pk", flat=True))
    if picked:
        return members.filter(enterprise_id__in=picked)
    if notice.sizes:
        members = members.filter(enterprise__size__in=notice.sizes)
    regions = _codes(Region, notice.regions.values_list("path", flat=True))
    if regions is not None:
        members = members.filter(enterprise__region_id__in=regions)
    industries = _codes(Industry, notice.industries.values_list("path", flat=True))
    if industries is not None:
        members = members.filter(enterprise__industry_id__in=industries)
    return members


def _codes(model, paths) -> list[str] | None:
    paths = list(paths)
    if not paths:
        return None
    inside = Q()
    for path in paths:
        inside |= Q(path__startswith=path)
    return list(model.objects.filter(inside).values_list("pk", flat=True))


@transaction.atomic
def notice_publish(*, actor, notice_id: int) -> Notice:
    """Published now; its recipients are written by a task once this commits (a large audience
    takes seconds), and the page shows the progress meanwhile."""
    notice = _locked(notice_id)
    if not access.writes(actor, notice):
        raise PermissionDenied
    if not audience(notice).exists():
        message = _("Nobody would receive this notice: widen who it is for.")
        raise NoticeError(message)
    notice.published_at = timezone.now()
    change_status(notice, to=S.PUBLISHED, actor=actor, update_fields=["published_at"])
    from notices.tasks import write_recipients

    outbox.after_commit(write_recipients, notice.pk)
    return notice


def write_recipients(notice_id: int) -> int:
    """One row per recipient enterprise of a published notice, written set-based in one
    statement, once: a second run adds nothing. Answers how many recipients it has."""
    with transaction.atomic():
        notice = _locked(notice_id)
        if notice.status == S.DRAFT:
            return 0
        if notice.recipients_written_at is None:
            select = audience(notice).values_list("enterprise_id", "enterprise__region_id")
            sql, params = select.query.sql_with_params()
            table = NoticeRecipient._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (notice_id, association_id, enterprise_id, region_id, "  # noqa: S608
                    f"reply) SELECT %s, %s, chosen.*, '' FROM ({sql}) AS chosen "
                    # SQLite reads ON after a FROM as a join unless a WHERE comes first.
                    "WHERE true ON CONFLICT (notice_id, enterprise_id, association_id) DO NOTHING",
                    [notice.pk, notice.association_id, *params],
                )
            notice.recipients_total = NoticeRecipient.objects.filter(notice=notice).count()
            notice.recipients_written_at = timezone.now()
            notice.save(update_fields=["recipients_total", "recipients_written_at"])
        return notice.recipients_total


@transaction.atomic
def notice_withdraw(*, actor, notice_id: int, reason: str) -> Notice:
    """Withdrawn: it stays with those who received it, marked withdrawn; no more signing."""
    notice = _locked(notice_id)
    if not access.writes(actor, notice):
        raise PermissionDenied
    notice.withdrawn_at = timezone.now()
    notice.withdraw_reason = required_reason(reason)
    change_status(
        notice,
        to=S.WITHDRAWN,
        actor=actor,
        reason=notice.withdraw_reason,
        update_fields=["withdrawn_at", "withdraw_reason"],
    )
    return notice


@transaction.atomic
def notice_correct(*, actor, notice_id: int) -> Notice:
    """A draft of the corrected version: the same text, rules and attachments' owner, pointing
    to the notice it corrects; published in its turn, it reaches its own audience."""
    notice = _locked(notice_id)
    if not access.writes(actor, notice):
        raise PermissionDenied
    if notice.status != S.PUBLISHED or Notice.objects.filter(previous=notice).exists():
        raise not_allowed(notice)
    fresh = Notice(
        association_id=notice.association_id,
        created_by=actor,
        previous=notice,
        version=notice.version + 1,
        **{name: getattr(notice, name) for name in FIELDS},
    )
    fresh.save()
    for name in RELATIONS:
        set_links(fresh, name, getattr(notice, name).all())
    record_status(fresh, from_status="", to_status=fresh.status, actor=actor)
    record_event(notice, "notice.corrected", actor=actor, changes={"correction": [None, fresh.pk]})
    return fresh


def mark_read(*, actor, notice: Notice) -> bool:
    """The actor's enterprise has read the notice (opened it): once, the first time. True if
    this call marked it."""
    recipient = access.recipient_of(actor, notice)
    if recipient is None or recipient.read_at is not None:
        return False
    return bool(
        NoticeRecipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(
            read_at=timezone.now(), read_by=actor
        )
    )


@transaction.atomic
def notice_sign(*, actor, notice_id: int, reply: str = "") -> NoticeRecipient:
    """The actor signs for its enterprise (签收), with an optional short reply; once."""
    notice = Notice.objects.get(pk=notice_id)
    recipient = access.recipient_of(actor, notice)
    if recipient is None or not can(actor, "notice.sign"):
        raise PermissionDenied
    recipient = NoticeRecipient.objects.select_for_update().get(pk=recipient.pk)
    if not notice.needs_sign_off:
        raise NoticeError(_("This notice asks for no signature."))
    if notice.status != S.PUBLISHED:
        raise not_allowed(notice)
    if recipient.signed_at is not None:
        raise NoticeError(_("Your enterprise has signed for this notice already."))
    reply = (reply or "").strip()
    if len(reply) > REPLY_MAX or "\x00" in reply:
        message = _("Keep the reply under %(n)d characters.") % {"n": REPLY_MAX}
        raise NoticeError(message, fields={"reply": [message]})
    now = timezone.now()
    recipient.signed_at, recipient.signed_by, recipient.reply = now, actor, reply
    if recipient.read_at is None:
        recipient.read_at, recipient.read_by = now, actor
    recipient.save(update_fields=["signed_at", "signed_by", "reply", "read_at", "read_by"])
    record_event(
        notice,
        "notice.signed",
        actor=actor,
        changes={"enterprise": [None, recipient.enterprise_id]},
    )
    return recipient


def reminded_today(notice: Notice, today: date | None = None) -> bool:
    if notice.last_reminded_at is None:
        return False
    today = today or timezone.localdate()
    return timezone.localdate(notice.last_reminded_at) == today


@transaction.atomic
def notice_remind(*, actor, notice_id: int) -> Notice:
    """Remind every recipient that has not read it (or not signed, when it asks for a
    signature), in-app and by e-mail — at most once a day per notice (Asia/Shanghai)."""
    notice = _locked(notice_id)
    if not access.writes(actor, notice):
        raise PermissionDenied
    if notice.status != S.PUBLISHED:
        raise not_allowed(notice)
    if reminded_today(notice):
        raise NoticeError(
            _("Recipients were reminded of this notice today already; remind them again tomorrow.")
        )
    notice.last_reminded_at = timezone.now()
    notice.save(update_fields=["last_reminded_at"])
    record_event(notice, "notice.reminded", actor=actor)
    from notices.tasks import remind_recipients

    day = timezone.localdate(notice.last_reminded_at).isoformat()
    outbox.after_commit(remind_recipients, notice.pk, day)
    return notice
