"""Writes of the platform's administration that span several apps: an association opened with
its first manager. Each part is the owning app's service; this one only holds them in one
transaction, so that a refused part leaves nothing of the others."""

from django.db import transaction

from associations.models import Association
from associations.services import association_create, staff_invite
from core.errors import DomainError
from core.models import Industry, User

ASSOCIATION_PART = "association"
MANAGER_PART = "manager"


@transaction.atomic
def association_open(
    *,
    actor: User,
    association: dict,
    industries: list[Industry] = (),
    manager: dict,
    base_url: str = "",
) -> tuple[Association, User]:
    """Create an association (`association`: its fields, as `association_create` takes them)
    and invite its first manager (`manager`: username, first_name, email and/or phone, as
    `staff_invite` takes them). The invitation is queued once the transaction commits.

    A DomainError names the part refused in `error.extra["part"]` ("association" or "manager"),
    so that the page shows each message beside the right form's field."""
    try:
        created = association_create(actor=actor, industries=industries, **association)
    except DomainError as error:
        error.extra["part"] = ASSOCIATION_PART
        raise
    try:
        invited = staff_invite(
            actor=actor,
            association_id=created.pk,
            is_manager=True,
            base_url=base_url,
            **manager,
        )
    except DomainError as error:
        error.extra["part"] = MANAGER_PART
        raise
    return created, invited
