"""A person's own data: the download of it (JSON), and the removal of their contact data from an
account that has left (docs/decisions/0028).

The download holds the account (never its password hash), its links to an enterprise and to
associations, its notification preferences and notifications, the records it filed or signed
as their author, the events it was the actor of and the events about the account itself. Of
a record shared with others (an enterprise's need, a complaint) it gives the fields its author
filed and the ids that identify the record, never who else worked on it. It is written as it is
read (`export_chunks`), so that a staff account with years of events is streamed, not held.

Anonymising keeps the row (events and records refer to it) and the records (an enterprise's
needs and applications stay counted), and removes what reaches or names the person: names,
e-mail, phone, username (→ `former-<id>`), password, second-factor devices, notifications and
their preferences, sign-up codes sent to their addresses, failed-login records under their
username, and the signer's name on pledge signatures. The event `user.anonymised` says so
without the old values.
"""

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from associations.models import AssociationUser
from core.models import (
    ContactVerification,
    Event,
    Notification,
    NotificationDigest,
    NotificationPreference,
    Role,
    User,
)
from core.validators import normalise_phone
from core.workflow import record_event
from market.models import PledgeSignature
from operations.models import DeletionRequest

SCHEMA = "resumption-portal.personal-data/1"
CHUNK = 500

ACCOUNT_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "role",
    "enterprise_id",
    "jurisdiction_id",
    "is_active",
    "date_joined",
    "last_login",
    "anonymised_at",
)
# What anonymising empties (and the username and password it replaces).
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


@dataclass(frozen=True)
class Source:
    """One kind of record a person files or signs: the model, the field naming its author, and
    the fields given in the download (those the author filed and the ids of the record; never
    another person's)."""

    key: str
    model: str
    author: str
    fields: tuple[str, ...]


SOURCES = (
    Source(
        "applications",
        "batches.Application",
        "created_by",
        (
            "id",
            "batch_id",
            "enterprise_id",
            "status",
            "planned_date",
            "returning_workers",
            "workers_from_other_provinces",
            "masks_days",
            "disinfectant_days",
            "thermometers",
            "disinfection_plan",
            "isolation_area",
            "emergency_plan",
            "staff_health_checks",
            "checklist_notes",
            "submitted_at",
            "resumed_on",
            "workers_on_site",
            "created_at",
        ),
    ),
    Source(
        "needs",
        "supplies.Need",
        "created_by",
        (
            "id",
            "kind",
            "enterprise_id",
            "association_id",
            "status",
            "urgency",
            "needed_by",
            "description",
            "item_id",
            "unit",
            "quantity",
            "trade",
            "headcount",
            "work_region_id",
            "difficulty_kind",
            "created_at",
        ),
    ),
    Source(
        "offers",
        "supplies.SupplyOffer",
        "created_by",
        (
            "id",
            "enterprise_id",
            "association_id",
            "item_id",
            "unit",
            "quantity",
            "delivery_region_id",
            "available_until",
            "note",
            "status",
            "created_at",
        ),
    ),
    Source(
        "need_messages",
        "supplies.NeedMessage",
        "author",
        ("id", "need_id", "body", "created_at"),
    ),
    Source(
        "service_requests",
        "services.ServiceRequest",
        "created_by",
        (
            "id",
            "service_id",
            "enterprise_id",
            "association_id",
            "description",
            "status",
            "rating",
            "rating_comment",
            "created_at",
        ),
    ),
    Source(
        "complaints",
        "market.Complaint",
        "complainant",
        (
            "id",
            "association_id",
            "complainant_enterprise_id",
            "respondent_name",
            "respondent_credit_code",
            "respondent_region_id",
            "category",
            "what_happened",
            "happened_on",
            "place",
            "show_identity",
            "status",
            "created_at",
        ),
    ),
    Source(
        "pledge_signatures",
        "market.PledgeSignature",
        "signed_by",
        (
            "id",
            "pledge_id",
            "version_id",
            "enterprise_id",
            "signer_name",
            "signer_title",
            "signed_at",
            "withdrawn_at",
            "withdraw_reason",
        ),
    ),
    Source(
        "notices_signed",
        "notices.NoticeRecipient",
        "signed_by",
        ("id", "notice_id", "enterprise_id", "signed_at", "reply"),
    ),
    Source(
        "notices_read",
        "notices.NoticeRecipient",
        "read_by",
        ("id", "notice_id", "enterprise_id", "read_at"),
    ),
    Source(
        "hardship_self_assessments",
        "relief.HardshipAssessment",
        "requested_by",
        (
            "id",
            "enterprise_id",
            "association_id",
            "period",
            "revenue_drop_percent",
            "months_of_cash",
            "orders_lost",
            "workers_not_back",
            "rent_burden_percent",
            "cause",
            "status",
            "created_at",
        ),
    ),
    Source(
        "enterprise_claims",
        "enterprises.EnterpriseClaim",
        "user",
        ("id", "enterprise_id", "status", "note", "created_at"),
    ),
)

EVENT_FIELDS = (
    "id",
    "action",
    "content_type__app_label",
    "content_type__model",
    "object_id",
    "from_status",
    "to_status",
    "reason",
    "changes",
    "at",
)
# Events whose reason is another person's name or username (the person linked or invited; an
# invited contact's username is their mobile number), not the actor's words: the download gives
# the action and the record, not who it was.
REASON_NAMES_ANOTHER_PERSON = frozenset(
    {
        "enterprise.user_linked",
        "association.staff_invited",
        "association.staff_invitation_resent",
        "membership.contact_invited",
    }
)


# --- the download ----------------------------------------------------------------------------


def _dumps(value, depth: int) -> str:
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + "  " * depth)


def _rows(queryset, fields: Iterable[str]) -> Iterator[dict]:
    yield from queryset.order_by("pk").values(*fields).iterator(chunk_size=CHUNK)


def _event_rows(queryset) -> Iterator[dict]:
    for row in _rows(queryset, EVENT_FIELDS):
        if row["action"] in REASON_NAMES_ANOTHER_PERSON:
            row["reason"] = ""
        app_label = row.pop("content_type__app_label")
        row["object_type"] = f"{app_label}.{row.pop('content_type__model')}"
        yield row


def _sections(user: User) -> Iterator[tuple[str, object]]:
    """(key, value) of the download in order; a value that is an iterator is a streamed list."""
    account = {name: getattr(user, name) for name in ACCOUNT_FIELDS}
    account["two_factor"] = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    yield "account", account
    enterprise = user.enterprise
    yield (
        "enterprise",
        {"id": enterprise.pk, "name": enterprise.name, "uscc": enterprise.uscc}
        if enterprise
        else None,
    )
    yield (
        "associations",
        _rows(
            AssociationUser.objects.filter(user=user),
            ("association_id", "association__name", "is_manager"),
        ),
    )
    yield (
        "notification_preferences",
        _rows(NotificationPreference.objects.filter(user=user), ("kind", "delivery")),
    )
    yield (
        "notifications",
        _rows(
            Notification.objects.filter(user=user),
            ("id", "kind", "title", "body", "link", "created_at", "read_at"),
        ),
    )
    yield (
        "deletion_requests",
        _rows(
            DeletionRequest.objects.filter(user=user),
            ("id", "asked_at", "status", "reason", "decided_at", "decision_reason"),
        ),
    )
    for source in SOURCES:
        model = apps.get_model(source.model)
        yield source.key, _rows(model.objects.filter(**{source.author: user}), source.fields)
    yield "events_as_actor", _event_rows(Event.objects.filter(actor=user))
    yield (
        "events_about_the_account",
        _event_rows(
            Event.objects.filter(
                content_type=ContentType.objects.get_for_model(User), object_id=user.pk
            ).exclude(actor=user)
        ),
    )


def export_chunks(user: User, *, now=None) -> Iterator[str]:
    """The download as pretty, UTF-8 JSON text, piece by piece (one list item at a time)."""
    yield "{\n"
    yield f'  "schema": {_dumps(SCHEMA, 1)},\n'
    yield f'  "generated_at": {_dumps(now or timezone.now(), 1)}'
    for key, value in _sections(user):
        yield f",\n  {json.dumps(key)}: "
        if not isinstance(value, Iterator):
            yield _dumps(value, 1)
            continue
        first = True
        for item in value:
            yield ("[\n    " if first else ",\n    ") + _dumps(item, 2)
            first = False
        yield "[]" if first else "\n  ]"
    yield "\n}\n"


# --- anonymising -----------------------------------------------------------------------------


def _free_username(user: User) -> str:
    """former-<id>; should someone have chosen that name, with a random tail."""
    name = f"former-{user.pk}"
    if User.objects.filter(username=name).exclude(pk=user.pk).exists():
        name = f"{name}-{uuid.uuid4().hex[:8]}"
    return name


def _addresses(user: User) -> set[str]:
    """The addresses a sign-up code for this person was sent to (as core.signup keeps them)."""
    addresses = {user.email.strip().lower()} if user.email.strip() else set()
    if user.phone.strip():
        try:
            addresses.add(normalise_phone(user.phone))
        except ValidationError:
            addresses.add(user.phone.strip())
    return addresses


def anonymise_locked(user: User, *, actor, now=None) -> bool:
    """Remove the contact data of `user`, whose row the caller has locked (select_for_update)
    in its transaction; False if it was anonymised already (nothing is done twice)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("anonymise_locked must run inside transaction.atomic() on a locked row")
    if user.anonymised_at is not None:
        return False
    now = now or timezone.now()
    old_username = user.username
    addresses = _addresses(user)
    emptied = [name for name in CONTACT_FIELDS if getattr(user, name)]
    for name in CONTACT_FIELDS:
        setattr(user, name, "")
    user.username = _free_username(user)
    user.set_unusable_password()
    user.is_active = False
    user.anonymised_at = now
    user.save(update_fields=[*CONTACT_FIELDS, "username", "password", "is_active", "anonymised_at"])
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    NotificationDigest.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    AccessAttempt.objects.filter(username=old_username).delete()
    if addresses:
        ContactVerification.objects.filter(address__in=addresses).delete()
    signatures = PledgeSignature.objects.filter(signed_by=user).exclude(signer_name="")
    signed = signatures.update(signer_name="")
    removed = [*emptied, "username", "password"] + (["pledge signer_name"] if signed else [])
    record_event(
        user,
        "user.anonymised",
        actor=actor,
        # Which fields went, never their old values: the event log is kept for good.
        reason="removed: " + ", ".join(removed),
        changes={"anonymised_at": [None, now.isoformat()]},
        at=now,
    )
    return True


def anonymise(user_id: int, *, actor, now=None) -> bool:
    """Lock the account and anonymise it (see `anonymise_locked`)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        return anonymise_locked(user, actor=actor, now=now)


def left_users(cutoff) -> Q:
    """The enterprise users who left before `cutoff` and are not anonymised: inactive, with
    their latest `user.deactivated` event before it (docs/decisions/0028)."""
    deactivations = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=OuterRef("pk"),
        action="user.deactivated",
    )
    return (
        Q(role=Role.ENTERPRISE, is_active=False, anonymised_at__isnull=True)
        & Exists(deactivations.filter(at__lt=cutoff))
        & ~Exists(deactivations.filter(at__gte=cutoff))
    )
