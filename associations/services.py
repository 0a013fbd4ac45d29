"""Every write on associations, their staff and memberships."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from associations import access
from associations.models import Association, AssociationUser, Membership
from core.errors import Conflict, DomainError, check_model_rules, required_reason
from core.models import Industry, Role, User
from core.validators import normalise_phone, normalise_uscc
from core.workflow import change_status, diff, not_allowed, record_event, record_status, snapshot

Status = Membership.Status


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- associations -------------------------------------------------------------------------


ASSOCIATION_FIELDS = ("name", "kind", "uscc", "region", "contact_name", "contact_phone", "email")


def _normalise_association(association: Association) -> None:
    """Credit code and phone stored the one way, as for enterprises (upper case; E.164)."""
    problems = {}
    for field, normalise in (("uscc", normalise_uscc), ("contact_phone", normalise_phone)):
        value = getattr(association, field)
        if value:
            try:
                setattr(association, field, normalise(value))
            except ValidationError as exc:
                problems[field] = exc.messages
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)


def _industry_codes(association: Association) -> list[str]:
    return sorted(association.industries.values_list("code", flat=True))


@transaction.atomic
def association_create(*, actor: User, industries: list[Industry] = (), **fields) -> Association:
    _require(access.may_create_association(actor))
    association = Association(**{k: v for k, v in fields.items() if k in ASSOCIATION_FIELDS})
    _normalise_association(association)
    check_model_rules(association)
    association.save()
    association.industries.set(industries)
    record_event(association, "association.created", actor=actor)
    return association


@transaction.atomic
def association_update(
    *, actor: User, association_id: int, industries: list[Industry] | None = None, **fields
) -> Association:
    association = Association.objects.select_for_update().get(pk=association_id)
    _require(access.may_edit_association(actor, association.pk))
    before = snapshot(association, ASSOCIATION_FIELDS)
    codes_before = _industry_codes(association)
    for name, value in fields.items():
        if name in ASSOCIATION_FIELDS:
            setattr(association, name, value)
    _normalise_association(association)
    check_model_rules(association)
    association.save()
    changes = diff(before, association)
    if industries is not None:
        association.industries.set(industries)
        codes_after = _industry_codes(association)
        if codes_after != codes_before:
            changes["industries"] = [codes_before, codes_after]
    if changes:
        record_event(association, "association.updated", actor=actor, changes=changes)
    return association


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    association_id: int,
    username: str,
    email: str,
    first_name: str = "",
    is_manager: bool = False,
    base_url: str = "",
) -> User:
    """Create a staff account for the association and e-mail its owner a link to set a password.

    The account has no usable password until the invitee sets one through that link.
    """
    _require(access.may_invite_staff(actor, association_id))
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("This username is taken; choose another."),
            fields={"username": [_("This username is taken; choose another.")]},
        )
    if not (email or "").strip():
        # The invitation is the only way in: without an address nobody can set the password.
        raise DomainError(
            _("Give an e-mail address to send the invitation to."),
            fields={"email": [_("Give an e-mail address to send the invitation to.")]},
        )
    user = User(username=username, email=email.strip(), first_name=first_name, role=Role.STAFF)
    user.set_unusable_password()
    check_model_rules(user, exclude=["password"])
    user.save()
    AssociationUser.objects.create(user=user, association_id=association_id, is_manager=is_manager)
    association = Association.objects.get(pk=association_id)
    record_event(association, "association.staff_invited", actor=actor, reason=username)
    link = base_url + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    transaction.on_commit(
        lambda: send_mail(
            _("You are invited to the Resumption Portal"),
            _(
                "%(inviter)s invited you to work for %(association)s in the Resumption Portal.\n"
                "Your username is %(username)s. Set your password here:\n%(link)s\n"
            )
            % {
                "inviter": actor.get_full_name() or actor.username,
                "association": association.name,
                "username": username,
                "link": link,
            },
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    )
    return user


# --- memberships --------------------------------------------------------------------------


def _member_number(value: str) -> str:
    value = (value or "").strip()
    limit = Membership._meta.get_field("member_number").max_length
    if len(value) > limit:
        message = _("A member number has at most %(limit)d characters.") % {"limit": limit}
        raise DomainError(message, fields={"member_number": [message]})
    return value


def _locked(membership_id: int) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("association")
        .get(pk=membership_id)
    )


@transaction.atomic
def membership_add(
    *, actor: User, association_id: int, enterprise_id: int, member_number: str = ""
) -> Membership:
    """Staff add an enterprise as an active member (or re-admit one that left or was refused)."""
    member_number = _member_number(member_number)
    _require(access.may_add_member(actor, association_id))
    membership = (
        Membership.objects.select_for_update()
        .filter(association_id=association_id, enterprise_id=enterprise_id)
        .first()
    )
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    association_id=association_id,
                    enterprise_id=enterprise_id,
                    status=Status.ACTIVE,
                    member_number=member_number,
                    joined_on=timezone.localdate(),
                )
        except IntegrityError as exc:
            raise Conflict(_("This enterprise was added by someone else just now.")) from exc
        record_status(membership, from_status="", to_status=Status.ACTIVE, actor=actor)
        return membership
    if membership.status in (Status.LEFT, Status.REJECTED):
        change_status(membership, to=Status.PENDING, actor=actor, reason=_("added again by staff"))
    if membership.status == Status.PENDING:
        return _activate(membership, actor=actor, member_number=member_number)
    raise Conflict(
        _("This enterprise is already a member (status: %(status)s).")
        % {"status": membership.get_status_display()},
        current_status=membership.status,
    )


def _activate(membership: Membership, *, actor: User, member_number: str, reason: str = ""):
    member_number = _member_number(member_number)
    before = snapshot(membership, ["member_number"])
    if member_number:
        membership.member_number = member_number
    membership.joined_on = membership.joined_on or timezone.localdate()
    membership.left_on = None
    change_status(
        membership,
        to=Status.ACTIVE,
        actor=actor,
        reason=reason,
        update_fields=["member_number", "joined_on", "left_on"],
        changes=diff(before, membership),
    )
    return membership


@transaction.atomic
def membership_request(*, actor: User, association_id: int, note: str = "") -> Membership:
    """An enterprise user asks for their enterprise to join an association."""
    if not access.may_ask_to_join(actor) or not actor.enterprise_id:
        raise DomainError(_("Register or claim your enterprise first."))
    if not Association.objects.filter(pk=association_id).exists():
        raise DomainError(
            _("There is no such association."), fields={"association": [_("Unknown.")]}
        )
    membership, created = Membership.objects.select_for_update().get_or_create(
        association_id=association_id,
        enterprise_id=actor.enterprise_id,
        defaults={"status": Status.PENDING},
    )
    if created:
        record_status(
            membership, from_status="", to_status=Status.PENDING, actor=actor, reason=note
        )
        return membership
    if membership.status in (Status.LEFT, Status.REJECTED):
        change_status(membership, to=Status.PENDING, actor=actor, reason=note)
        return membership
    raise Conflict(
        _("Your enterprise already has a membership here (status: %(status)s).")
        % {"status": membership.get_status_display()},
        current_status=membership.status,
    )


@transaction.atomic
def membership_approve(*, actor: User, membership_id: int, member_number: str = "") -> Membership:
    membership = _locked(membership_id)
    _require(access.may_decide_membership(actor, membership))
    if membership.status != Status.PENDING:
        raise not_allowed(membership)
    return _activate(membership, actor=actor, member_number=member_number)


@transaction.atomic
def membership_reject(*, actor: User, membership_id: int, reason: str) -> Membership:
    reason = required_reason(reason)
    membership = _locked(membership_id)
    _require(access.may_decide_membership(actor, membership))
    change_status(membership, to=Status.REJECTED, actor=actor, reason=reason)
    return membership


@transaction.atomic
def membership_suspend(*, actor: User, membership_id: int, reason: str) -> Membership:
    reason = required_reason(reason)
    membership = _locked(membership_id)
    _require(access.may_decide_membership(actor, membership))
    change_status(membership, to=Status.SUSPENDED, actor=actor, reason=reason)
    return membership


@transaction.atomic
def membership_reinstate(*, actor: User, membership_id: int, reason: str = "") -> Membership:
    membership = _locked(membership_id)
    _require(access.may_decide_membership(actor, membership))
    if membership.status != Status.SUSPENDED:
        raise not_allowed(membership)
    return _activate(membership, actor=actor, member_number="", reason=reason)


@transaction.atomic
def membership_leave(*, actor: User, membership_id: int, reason: str = "") -> Membership:
    """The membership ends: staff record it, or the enterprise itself leaves."""
    membership = _locked(membership_id)
    _require(access.may_leave(actor, membership))
    membership.left_on = timezone.localdate()
    change_status(membership, to=Status.LEFT, actor=actor, reason=reason, update_fields=["left_on"])
    return membership


@transaction.atomic
def membership_update(*, actor: User, membership_id: int, member_number: str) -> Membership:
    membership = _locked(membership_id)
    _require(access.may_decide_membership(actor, membership))
    before = snapshot(membership, ["member_number"])
    membership.member_number = _member_number(member_number)
    membership.save(update_fields=["member_number", "updated_at"])
    changes = diff(before, membership)
    if changes:
        record_event(membership, "membership.updated", actor=actor, changes=changes)
    return membership
