"""Every write on self-discipline pledges and their signatures, each atomic with its event.

A pledge is written as a draft (version 1), published (its members are asked to sign), and may
be revised: a new version is published at once and asks every member to sign again. A member
signs through one of its enterprise users (who, with their title); a signature is withdrawn with
a reason.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core import outbox
from core.access import can, scope_of
from core.errors import Conflict, DomainError, required_reason
from core.models import User
from core.workflow import change_status, not_allowed, record_event, record_status
from market.models import Pledge, PledgeSignature, PledgeVersion


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [message]})


def may_keep(user, association_id: int) -> bool:
    return can(user, "pledge.manage") and scope_of(user).works_for(association_id)


def _kept(actor: User, pledge_id: int) -> Pledge:
    pledge = Pledge.objects.select_for_update().get(pk=pledge_id)
    if not may_keep(actor, pledge.association_id):
        raise PermissionDenied
    return pledge


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise _field_error("text", _("Write the text of the pledge."))
    return text


def current_version(pledge: Pledge) -> PledgeVersion | None:
    return pledge.versions.filter(published_at__isnull=False).order_by("-number").first()


@transaction.atomic
def pledge_create(*, actor: User, association_id: int, title: str, text: str) -> Pledge:
    if not may_keep(actor, association_id):
        raise PermissionDenied
    if not (title or "").strip():
        raise _field_error("title", _("Give the pledge a title."))
    pledge = Pledge.objects.create(
        association_id=association_id, title=title.strip(), created_by=actor
    )
    PledgeVersion.objects.create(pledge=pledge, number=1, text=_text(text))
    record_status(pledge, from_status="", to_status=pledge.status, actor=actor)
    return pledge


@transaction.atomic
def pledge_edit_draft(*, actor: User, pledge_id: int, title: str, text: str) -> Pledge:
    pledge = _kept(actor, pledge_id)
    if pledge.status != Pledge.Status.DRAFT:
        raise not_allowed(pledge)
    if not (title or "").strip():
        raise _field_error("title", _("Give the pledge a title."))
    pledge.title = title.strip()
    pledge.save(update_fields=["title"])
    pledge.versions.filter(number=1).update(text=_text(text))
    record_event(pledge, "pledge.updated", actor=actor)
    return pledge


def _ask_to_sign(version: PledgeVersion) -> None:
    from market.tasks import ask_members_to_sign

    outbox.after_commit(ask_members_to_sign, version.pk)


@transaction.atomic
def pledge_publish(*, actor: User, pledge_id: int) -> Pledge:
    pledge = _kept(actor, pledge_id)
    change_status(pledge, to=Pledge.Status.PUBLISHED, actor=actor)
    version = pledge.versions.get(number=1)
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    _ask_to_sign(version)
    return pledge


@transaction.atomic
def pledge_revise(*, actor: User, pledge_id: int, text: str, reason: str = "") -> PledgeVersion:
    """A new version of a published pledge, published at once: members sign again."""
    pledge = _kept(actor, pledge_id)
    if pledge.status != Pledge.Status.PUBLISHED:
        raise not_allowed(pledge)
    number = (pledge.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PledgeVersion.objects.create(
        pledge=pledge, number=number, text=_text(text), published_at=timezone.now()
    )
    record_event(
        pledge,
        "pledge.revised",
        actor=actor,
        reason=reason,
        changes={"version": [number - 1, number]},
    )
    _ask_to_sign(version)
    return version


@transaction.atomic
def pledge_withdraw(*, actor: User, pledge_id: int, reason: str) -> Pledge:
    pledge = _kept(actor, pledge_id)
    change_status(pledge, to=Pledge.Status.WITHDRAWN, actor=actor, reason=required_reason(reason))
    return pledge


def pledge_sign(
    *, actor: User, pledge_id: int, signer_name: str, signer_title: str
) -> PledgeSignature:
    """The actor's enterprise signs the pledge's current version."""
    if not can(actor, "pledge.sign") or not actor.enterprise_id:
        raise PermissionDenied
    problems = {}
    if not (signer_name or "").strip():
        problems["signer_name"] = [_("Give the name of the person who signs.")]
    if not (signer_title or "").strip():
        problems["signer_title"] = [_("Give their title (e.g. 总经理).")]
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)
    try:
        with transaction.atomic():
            pledge = Pledge.objects.select_for_update().get(pk=pledge_id)
            if pledge.status != Pledge.Status.PUBLISHED:
                raise not_allowed(pledge)
            if not Membership.objects.filter(
                enterprise_id=actor.enterprise_id,
                association_id=pledge.association_id,
                status=Membership.Status.ACTIVE,
            ).exists():
                raise PermissionDenied
            version = current_version(pledge)
            signature = PledgeSignature.objects.create(
                version=version,
                pledge=pledge,
                enterprise_id=actor.enterprise_id,
                signed_by=actor,
                signer_name=signer_name.strip(),
                signer_title=signer_title.strip(),
            )
            record_event(
                signature,
                "pledgesignature.signed",
                actor=actor,
                changes={"version": [None, version.number]},
            )
    except IntegrityError as error:
        raise Conflict(
            _("Your enterprise has signed this version already."), code="already_signed"
        ) from error
    return signature


@transaction.atomic
def signature_withdraw(*, actor: User, signature_id: int, reason: str) -> PledgeSignature:
    signature = PledgeSignature.objects.select_for_update().get(pk=signature_id)
    if not (can(actor, "pledge.sign") and scope_of(actor).owns(signature.enterprise_id)):
        raise PermissionDenied
    if signature.withdrawn_at is not None:
        raise Conflict(_("This signature is withdrawn already."), code="already_withdrawn")
    signature.withdraw_reason = required_reason(reason)
    signature.withdrawn_at = timezone.now()
    signature.save(update_fields=["withdraw_reason", "withdrawn_at"])
    record_event(
        signature, "pledgesignature.withdrawn", actor=actor, reason=signature.withdraw_reason
    )
    return signature
