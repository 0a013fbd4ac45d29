"""Every write on enterprises and on claims to act for one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from associations.access import may_add_member
from associations.models import Membership
from associations.services import membership_add, membership_request
from core.errors import Conflict, DomainError, check_model_rules
from core.models import Industry, Region, User
from core.reference_data import withdrawn_region
from core.validators import normalise_phone, normalise_uscc
from core.workflow import change_status, diff, record_event, record_status, snapshot
from enterprises import access
from enterprises.models import Enterprise, EnterpriseClaim

EDITABLE_FIELDS = Enterprise.EDITABLE_FIELDS


def clean_enterprise_fields(fields: dict) -> dict:
    """Normalise and check the fields a person gives for an enterprise; raise one DomainError
    naming every field that needs fixing."""
    cleaned = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    problems: dict[str, list[str]] = {}
    if "uscc" in cleaned:
        try:
            cleaned["uscc"] = normalise_uscc(cleaned["uscc"])
        except ValidationError as exc:
            problems["uscc"] = exc.messages
    if cleaned.get("contact_phone"):
        try:
            cleaned["contact_phone"] = normalise_phone(cleaned["contact_phone"])
        except ValidationError as exc:
            problems["contact_phone"] = exc.messages
    region = cleaned.get("region")
    if isinstance(region, Region) and region.level != Region.Level.COUNTY:
        problems["region"] = [_("Choose a county-level region (district, county or city).")]
    elif isinstance(region, Region) and region.successor_id:
        successor = region.successor
        problems["region"] = [withdrawn_region(region.code, successor.code, successor.level)]
    industry = cleaned.get("industry")
    if isinstance(industry, Industry) and industry.level != Industry.Level.DIVISION:
        problems["industry"] = [_("Choose an industry division (two digits, e.g. 39).")]
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
    if problems:
        raise DomainError(_("Some values are not valid; see each field."), fields=problems)
    return cleaned


def _save_new(enterprise: Enterprise, *, actor: User) -> Enterprise:
    check_model_rules(enterprise, validate_unique=False)
    if Enterprise.objects.filter(uscc=enterprise.uscc).exists():
        raise _uscc_taken()
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:
        raise _uscc_taken() from exc
    record_event(enterprise, "enterprise.created", actor=actor)
    return enterprise


def _uscc_taken() -> DomainError:
    message = _(
        "An enterprise with this credit code is already registered. "
        "Add it as a member, or claim it if it is yours."
    )
    return DomainError(message, fields={"uscc": [message]}, code="uscc_taken")


@transaction.atomic
def enterprise_create_member(
    *, actor: User, association_id: int, member_number: str = "", **fields
) -> Enterprise:
    """Staff register a new enterprise and make it an active member of their association."""
    if not may_add_member(actor, association_id):
        raise PermissionDenied
    enterprise = Enterprise(**clean_enterprise_fields(fields), registered_by_id=association_id)
    enterprise = _save_new(enterprise, actor=actor)
    membership_add(
        actor=actor,
        association_id=association_id,
        enterprise_id=enterprise.pk,
        member_number=member_number,
    )
    return enterprise


@transaction.atomic
def enterprise_register(*, actor: User, association_id: int | None = None, **fields) -> Enterprise:
    """An enterprise user registers their own enterprise, optionally asking to join an
    association at once (the membership waits for staff approval)."""
    actor = User.objects.select_for_update().get(pk=actor.pk)
    if not access.acts_for_an_enterprise(actor):
        raise PermissionDenied
    if actor.enterprise_id:
        raise Conflict(_("Your account already acts for an enterprise."))
    enterprise = _save_new(Enterprise(**clean_enterprise_fields(fields)), actor=actor)
    actor.enterprise = enterprise
    actor.save(update_fields=["enterprise"])
    if association_id:
        membership_request(actor=actor, association_id=association_id)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: User, enterprise_id: int, **fields) -> Enterprise:
    """Change an enterprise's data; the event records each changed field's old and new value."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
    if not access.may_edit(actor, enterprise):
        raise PermissionDenied
    before = snapshot(enterprise, EDITABLE_FIELDS)
    for name, value in clean_enterprise_fields(fields).items():
        setattr(enterprise, name, value)
    check_model_rules(enterprise, validate_unique=False)
    if Enterprise.objects.filter(uscc=enterprise.uscc).exclude(pk=enterprise.pk).exists():
        raise _uscc_taken()
    enterprise.save()
    changes = diff(before, enterprise)
    if changes:
        record_event(enterprise, "enterprise.updated", actor=actor, changes=changes)
    return enterprise


def registered_enterprise(uscc: str) -> Enterprise:
    """The enterprise registered with this credit code, or a DomainError that says so."""
    try:
        code = normalise_uscc(uscc)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], fields={"uscc": exc.messages}) from exc
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        message = _("No enterprise is registered with this credit code; register it instead.")
        raise DomainError(message, fields={"uscc": [message]})
    return enterprise


@transaction.atomic
def member_add_registered(
    *, actor: User, association_id: int, uscc: str, member_number: str = ""
) -> Membership:
    """Staff add an enterprise registered already: their own becomes a member again at once; one
    registered elsewhere is invited (see `membership_add`)."""
    return membership_add(
        actor=actor,
        association_id=association_id,
        enterprise_id=registered_enterprise(uscc).pk,
        member_number=member_number,
    )


# --- claims -------------------------------------------------------------------------------


@transaction.atomic
def claim_request(*, actor: User, uscc: str, note: str = "") -> EnterpriseClaim:
    """An enterprise user asks to act for an already registered enterprise."""
    if not access.acts_for_an_enterprise(actor):
        raise PermissionDenied
    if actor.enterprise_id:
        raise Conflict(_("Your account already acts for an enterprise."))
    enterprise = registered_enterprise(uscc)
    if EnterpriseClaim.objects.filter(
        user=actor, enterprise=enterprise, status=EnterpriseClaim.Status.PENDING
    ).exists():
        raise Conflict(_("You have already asked for this enterprise; staff will decide."))
    claim = EnterpriseClaim.objects.create(user=actor, enterprise=enterprise, note=note)
    record_status(claim, from_status="", to_status=claim.status, actor=actor, reason=note)
    return claim


@transaction.atomic
def claim_approve(*, actor: User, claim_id: int) -> EnterpriseClaim:
    claim = (
        EnterpriseClaim.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=claim_id)
    )
    if not access.may_decide_claim(actor, claim):
        raise PermissionDenied
    claimant = User.objects.select_for_update().get(pk=claim.user_id)
    if claimant.enterprise_id and claimant.enterprise_id != claim.enterprise_id:
        raise Conflict(_("This user already acts for another enterprise."))
    change_status(claim, to=EnterpriseClaim.Status.APPROVED, actor=actor)
    claimant.enterprise_id = claim.enterprise_id
    claimant.save(update_fields=["enterprise"])
    # The enterprise's own history says that someone new now acts for it.
    record_event(
        claim.enterprise,
        "enterprise.user_linked",
        actor=actor,
        reason=claimant.get_full_name() or claimant.username,
    )
    return claim


@transaction.atomic
def claim_reject(*, actor: User, claim_id: int, reason: str) -> EnterpriseClaim:
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason; the person who asked will see it.")
        raise DomainError(message, fields={"reason": [message]})
    claim = (
        EnterpriseClaim.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=claim_id)
    )
    if not access.may_decide_claim(actor, claim):
        raise PermissionDenied
    change_status(claim, to=EnterpriseClaim.Status.REJECTED, actor=actor, reason=reason)
    return claim
