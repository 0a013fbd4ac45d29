"""Every write on associations, their staff and memberships."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations import access
from associations.models import (
    Association,
    AssociationUser,
    Membership,
    enterprise_record,
    identity_record,
)
from core.errors import Conflict, DomainError, check_model_rules, required_reason
from core.models import (
    ContactVerification,
    Delivery,
    Event,
    Industry,
    Notification,
    Role,
    User,
)
from core.notifications import email_password_link
from core.signup import parse_contact
from core.validators import normalise_phone, normalise_uscc
from core.workflow import (
    change_status,
    diff,
    not_allowed,
    record_event,
    record_status,
    snapshot,
)

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
    phone: str = "",
) -> User:
    """Create a staff account for the association and e-mail its owner a link to set a password
    (or, given a mobile number and no e-mail address, text it to them).

    The account has no usable password until the invitee sets one through that link; if the
    e-mail goes astray, a manager sends it again (`staff_invitation_resend`).
    """
    _require(access.may_invite_staff(actor, association_id))
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("This username is taken; choose another."),
            fields={"username": [_("This username is taken; choose another.")]},
        )
    mobile = _staff_mobile(phone)
    if not (email or "").strip() and not mobile:
        # The invitation is the only way in: without an address nobody can set the password.
        raise DomainError(
            _("Give an e-mail address to send the invitation to."),
            fields={"email": [_("Give an e-mail address to send the invitation to.")]},
        )
    user = User(
        username=username,
        email=(email or "").strip(),
        phone=mobile,
        first_name=first_name,
        role=Role.STAFF,
    )
    user.set_unusable_password()
    check_model_rules(user, exclude=["password"])
    user.save()
    AssociationUser.objects.create(user=user, association_id=association_id, is_manager=is_manager)
    association = Association.objects.get(pk=association_id)
    record_event(association, "association.staff_invited", actor=actor, reason=username)
    _email_invitation(
        actor=actor,
        association=association,
        invitee=user,
        base_url=base_url,
        by_text=not user.email,
    )
    return user


def _staff_mobile(phone: str) -> str:
    """An invitee's mobile number in E.164 form ("" when none is given); a DomainError on
    `phone` when it is not a mainland mobile number, which a text message can reach."""
    if not (phone or "").strip():
        return ""
    try:
        contact = parse_contact(phone)
    except DomainError as error:
        raise DomainError(error.message, fields={"phone": error.fields["contact"]}) from None
    if contact.channel != ContactVerification.Channel.PHONE:
        message = _("Give a mobile number here; the e-mail address has its own field.")
        raise DomainError(message, fields={"phone": [message]})
    return contact.address


# --- memberships --------------------------------------------------------------------------


UNCHANGED = object()


def _annual_dues(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        dues = Decimal(str(value))
    except (InvalidOperation, ValueError):
        dues = None
    if dues is None or not dues.is_finite() or dues < 0 or dues != dues.quantize(Decimal("0.01")):
        message = _("Give the annual dues in yuan, 0 or more, with at most two decimal places.")
        raise DomainError(message, fields={"annual_dues": [message]})
    if dues >= Decimal("10000000000"):
        message = _("The annual dues are at most 9,999,999,999.99 yuan.")
        raise DomainError(message, fields={"annual_dues": [message]})
    return dues


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
        .select_related("association", "enterprise__region", "enterprise__industry")
        .get(pk=membership_id)
    )


def _enterprise(enterprise_id: int):
    model = Membership._meta.get_field("enterprise").related_model
    try:
        return model.objects.select_related("region").get(pk=enterprise_id)
    except model.DoesNotExist as exc:
        message = _("There is no such enterprise.")
        raise DomainError(message, fields={"enterprise": [message]}) from exc


@transaction.atomic
def membership_add(
    *, actor: User, association_id: int, enterprise_id: int, member_number: str = ""
) -> Membership:
    """Staff add an enterprise to their association.

    An enterprise their association registered (and that has no users of its own), or one that
    asked to join, becomes an active member at once. Any other is only invited: it becomes a
    member when its users (or the association that registered it) accept, and until then the
    inviter sees its name, credit code and region only."""
    member_number = _member_number(member_number)
    _require(access.may_add_member(actor, association_id))
    enterprise = _enterprise(enterprise_id)
    ours = access.record_keeper(enterprise) == association_id
    membership = (
        Membership.objects.select_for_update()
        .filter(association_id=association_id, enterprise_id=enterprise_id)
        .first()
    )
    if membership is None:
        status = Status.ACTIVE if ours else Status.INVITED
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    association_id=association_id,
                    enterprise_id=enterprise_id,
                    status=status,
                    member_number=member_number,
                    joined_on=timezone.localdate() if ours else None,
                )
        except IntegrityError as exc:
            raise Conflict(_("This enterprise was added by someone else just now.")) from exc
        record_status(membership, from_status="", to_status=status, actor=actor)
        if not ours:
            tell_invited([membership])
        return membership
    if membership.status in Membership.ENDED:
        if not ours:
            return _invite_again(membership, actor=actor, member_number=member_number)
        change_status(membership, to=Status.PENDING, actor=actor, reason=_("added again by staff"))
    if membership.status == Status.PENDING:
        return _activate(membership, actor=actor, member_number=member_number)
    if membership.status == Status.INVITED:
        raise Conflict(
            _("This enterprise is invited already; it becomes a member when it accepts."),
            current_status=membership.status,
        )
    raise Conflict(
        _("This enterprise is already a member (status: %(status)s).")
        % {"status": membership.get_status_display()},
        current_status=membership.status,
    )


def _invite_again(membership: Membership, *, actor: User, member_number: str) -> Membership:
    before = snapshot(membership, ["member_number"])
    if member_number:
        membership.member_number = member_number
    membership.kept_record = None
    membership.left_on = None
    change_status(
        membership,
        to=Status.INVITED,
        actor=actor,
        update_fields=["member_number", "kept_record", "left_on"],
        changes=diff(before, membership),
    )
    tell_invited([membership])
    return membership


def tell_invited(memberships: list[Membership]) -> None:
    """Tell whoever answers each invitation (the enterprise's users or, while it has none,
    the staff of the association that registered it) in the portal, with the change."""
    notifications = []
    for membership in memberships:
        enterprise = membership.enterprise
        users = list(User.objects.filter(enterprise_id=enterprise.pk, is_active=True))
        if not users and enterprise.registered_by_id:
            users = list(
                User.objects.filter(
                    association_links__association_id=enterprise.registered_by_id, is_active=True
                )
            )
        link = reverse("membership-detail", args=[membership.pk])
        title = _("%(association)s invites %(enterprise)s to become a member") % {
            "association": membership.association.name,
            "enterprise": enterprise.name,
        }
        body = _("Accept or decline the invitation on its page.")
        key = f"membership-invited:{membership.pk}:{membership.updated_at.timestamp():.0f}"
        notifications += [
            Notification(
                user=user,
                title=title[:200],
                body=body,
                link=link,
                key=key,
                kind=Notification.Kind.ACCOUNT,
                email_delivery=Delivery.NONE,  # in the portal only
            )
            for user in users
        ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def _activate(membership: Membership, *, actor: User, member_number: str, reason: str = ""):
    member_number = _member_number(member_number)
    before = snapshot(membership, ["member_number"])
    if member_number:
        membership.member_number = member_number
    membership.joined_on = membership.joined_on or timezone.localdate()
    membership.left_on = None
    membership.kept_record = None
    change_status(
        membership,
        to=Status.ACTIVE,
        actor=actor,
        reason=reason,
        update_fields=["member_number", "joined_on", "left_on", "kept_record"],
        changes=diff(before, membership),
    )
    return membership


def _end(membership: Membership, *, to: str, actor: User, reason: str = "") -> Membership:
    """The membership ends: the association keeps the enterprise's record as it knows it now
    (all of it if it was a member or asked to join; its identity only if it was invited).
    `change_status` refuses (409) a status that cannot end in `to`, before anything is saved."""
    if membership.status == Status.INVITED:
        membership.kept_record = identity_record(membership.enterprise)
    else:
        membership.kept_record = enterprise_record(membership.enterprise)
    fields = ["kept_record"]
    if to == Status.LEFT:
        membership.left_on = timezone.localdate()
        fields.append("left_on")
    change_status(membership, to=to, actor=actor, reason=reason, update_fields=fields)
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
    if membership.status in Membership.ENDED:
        membership.kept_record = None
        change_status(
            membership, to=Status.PENDING, actor=actor, reason=note, update_fields=["kept_record"]
        )
        return membership
    if membership.status == Status.INVITED:
        # Invited by the association and asking to join it: both sides agree.
        return _activate(membership, actor=actor, member_number="", reason=note)
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
    return _end(membership, to=Status.REJECTED, actor=actor, reason=reason)


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
    return _end(membership, to=Status.LEFT, actor=actor, reason=reason)


@transaction.atomic
def membership_accept(*, actor: User, membership_id: int, reason: str = "") -> Membership:
    """The enterprise (or, while it has no users, the association that registered it) accepts
    an association's invitation: it becomes an active member."""
    membership = _locked(membership_id)
    _require(access.may_answer_invitation(actor, membership))
    if membership.status != Status.INVITED:
        raise not_allowed(membership)
    return _activate(membership, actor=actor, member_number="", reason=reason)


@transaction.atomic
def membership_decline(*, actor: User, membership_id: int, reason: str = "") -> Membership:
    """The invitation is declined: the inviter keeps only the name, credit code and region."""
    membership = _locked(membership_id)
    _require(access.may_answer_invitation(actor, membership))
    if membership.status != Status.INVITED:
        raise not_allowed(membership)
    return _end(membership, to=Status.DECLINED, actor=actor, reason=reason)


@transaction.atomic
def membership_update(
    *,
    actor: User,
    membership_id: int,
    member_number: str | None = None,
    annual_dues: Decimal | object | None = UNCHANGED,
) -> Membership:
    """Change the member number and the annual dues (each only when given; dues None: not
    recorded), with the old and new values in the history."""
    membership = _locked(membership_id)
    _require(access.may_decide_membership(actor, membership))
    before = snapshot(membership, ["member_number", "annual_dues"])
    if member_number is not None:
        membership.member_number = _member_number(member_number)
    if annual_dues is not UNCHANGED:
        membership.annual_dues = _annual_dues(annual_dues)
    membership.save(update_fields=["member_number", "annual_dues", "updated_at"])
    changes = diff(before, membership)
    if changes:
        record_event(membership, "membership.updated", actor=actor, changes=changes)
    return membership


# --- staff invitations, continued ---------------------------------------------------------


def awaits_invitation(user: User) -> bool:
    """An invited account whose owner has not set a password yet (nor ever logged in)."""
    return user.is_active and not user.has_usable_password() and user.last_login is None


@transaction.atomic
def staff_invitation_resend(
    *, actor: User, association_id: int, user_id: int, base_url: str = ""
) -> User:
    """E-mail again the link to set a password to staff invited to the association who have
    not set one (the first e-mail failed or went astray, or its link expired).

    Who may invite may resend; only to an account of this association still waiting for its
    password: anyone else (another association's, one in use) is refused alike, so that the
    answer tells nothing about accounts the actor does not manage.
    """
    _require(access.may_invite_staff(actor, association_id))
    invitee = User.objects.filter(
        pk=user_id, role=Role.STAFF, association_links__association_id=association_id
    ).first()
    _require(invitee is not None and awaits_invitation(invitee))
    association = Association.objects.get(pk=association_id)
    record_event(
        association,
        "association.staff_invitation_resent",
        actor=actor,
        reason=invitee.username,
    )
    _email_invitation(
        actor=actor,
        association=association,
        invitee=invitee,
        base_url=base_url,
        by_text=not invitee.email,
    )
    return invitee


def _email_invitation(
    *, actor: User, association: Association, invitee: User, base_url: str, by_text: bool = False
) -> None:
    """The invitation's e-mail (or text message), sent after the commit by a retried task
    (core.notifications): a mail server that is down neither fails the invitation nor loses
    the e-mail."""
    email_password_link(
        user=invitee,
        url_name="password_reset_confirm",
        subject=_("You are invited to the Resumption Portal"),
        intro=_(
            "%(inviter)s invited you to work for %(association)s in the Resumption Portal.\n"
            "Your username is %(username)s. Set your password here:"
        )
        % {
            "inviter": actor.get_full_name() or actor.username,
            "association": association.name,
            "username": invitee.username,
        },
        base_url=base_url,
        by_text=by_text,
    )


# --- member contacts' accounts --------------------------------------------------------------

CONTACT_INVITE_LIMIT = 1000  # members whose contacts one action invites
CONTACT_INVITE_AGAIN_AFTER = timedelta(days=1)  # one text message a day to one contact


def contact_invite_problem(actor: User, membership: Membership) -> str:
    """Why the contact of this member cannot be invited by `actor` now ("" when they can).

    The reasons tell the inviter nothing an invitation would not: not whether the enterprise of
    an invitation it has not accepted has users, not whether a mobile number has an account."""
    enterprise = membership.enterprise
    if not access.may_invite_contact(actor, membership):
        if membership.status not in Membership.MEMBER:
            return _("Not a member now.")
        if enterprise.registered_by_id != membership.association_id:
            return _("Another association registered it: its contact is invited from there.")
        if access.has_own_users(enterprise.pk):
            return _("The enterprise has its own account already.")
        return _("Only a manager of the association invites contacts.")
    mobile = _contact_mobile(enterprise)
    cannot = _(
        "No mobile number of its contact person that a text message can reach: correct the "
        "contact phone, or ask the contact to sign up and claim the enterprise."
    )
    if mobile is None:
        return cannot
    other = (
        User.objects.filter(phone=mobile)
        .exclude(enterprise_id=enterprise.pk, invited_contact=True)
        .exists()
    )
    if other:
        return cannot
    since = timezone.now() - CONTACT_INVITE_AGAIN_AFTER
    if Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Membership),
        object_id=membership.pk,
        action="membership.contact_invited",
        at__gte=since,
    ).exists():
        return _("Its contact was invited less than a day ago: wait before sending it again.")
    return ""


def _contact_mobile(enterprise) -> str | None:
    if not enterprise.contact_phone:
        return None
    try:
        return parse_contact(enterprise.contact_phone).address
    except DomainError:
        return None


@transaction.atomic
def contact_invite(*, actor: User, membership_ids: list[int], base_url: str = "") -> list[User]:
    """Give the contact person of each member (by its recorded mobile number) an account of the
    enterprise, and text them a link to set its password; an invitation still waiting is sent
    again. Members whose contact cannot be invited are left out (`contact_invite_problem`);
    if none can, a DomainError says why. Answers the accounts invited."""
    if len(membership_ids) > CONTACT_INVITE_LIMIT:
        raise DomainError(
            _("Invite at most %(limit)d members' contacts at once: narrow the list.")
            % {"limit": CONTACT_INVITE_LIMIT}
        )
    memberships = (
        Membership.objects.select_related("enterprise", "association")
        .select_for_update(of=("self",))
        .filter(pk__in=membership_ids)
        .order_by("pk")
    )
    invited = []
    problems = []
    for membership in memberships:
        problem = contact_invite_problem(actor, membership)
        if problem:
            problems.append(problem)
            continue
        invited.append(_invite_contact(actor, membership, base_url))
    if not invited:
        raise DomainError(problems[0] if problems else _("Choose the members to invite."))
    return invited


def _invite_contact(actor: User, membership: Membership, base_url: str) -> User:
    enterprise = membership.enterprise
    mobile = _contact_mobile(enterprise)
    user = User.objects.filter(enterprise=enterprise, phone=mobile, invited_contact=True).first()
    if user is None:
        digits = mobile.removeprefix("+86")
        username = digits
        suffix = 1
        while User.objects.filter(username__iexact=username).exists():
            suffix += 1
            username = f"{digits}-{suffix}"
        user = User(
            username=username,
            first_name=enterprise.contact_name,
            phone=mobile,
            role=Role.ENTERPRISE,
            enterprise=enterprise,
            invited_contact=True,
        )
        user.set_unusable_password()
        user.save()
    record_event(
        membership,
        "membership.contact_invited",
        actor=actor,
        reason=user.username,
    )
    email_password_link(
        user=user,
        url_name="password_reset_confirm",
        subject=_("You are invited to the Resumption Portal"),
        intro=_(
            "%(association)s invites you to act for %(enterprise)s in the Resumption Portal "
            "(username %(username)s). Set your password:"
        )
        % {
            "association": membership.association.name,
            "enterprise": enterprise.name,
            "username": user.username,
        },
        base_url=base_url,
        by_text=True,
    )
    return user
