import functools
import inspect
import uuid

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import Left
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


def in_active_language(name_zh: str, name_en: str, language: str | None = None) -> str:
    """Of a Chinese and an English name, the one to show now: English only when the active
    language (or `language`, the active one looked up once for many names) is English and
    there is an English name."""
    language = language or get_language() or settings.LANGUAGE_CODE
    return name_en if language.startswith("en") and name_en else name_zh


class BilingualNameMixin:
    """Reference data carries a Chinese and an English name; show the one of the active language."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return in_active_language(self.name_zh, self.name_en)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@functools.cache
def _plain_columns(model) -> tuple[str, ...] | None:
    """The attribute of each concrete column in the order Django loads them, if every one is
    Django's plain column attribute (no descriptor that does more when set)."""
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    columns = tuple(f.attname for f in model._meta.concrete_fields)
    if all(type(inspect.getattr_static(model, name, None)) in plain for name in columns):
        return columns
    return None


class QuickLoad:
    """A model listed a thousand rows at a time (an API list page): a row loaded with all its
    columns becomes an instance by filling in its attributes, not through `Model.__init__`,
    which sets them one by one through their attributes' descriptors (half of the time a page
    spent making its instances). Django's hook for customising loading, `from_db`: what it
    makes is what `__init__` would have made. Loaded with deferred columns, with an init signal
    connected, or with a column whose attribute does more than hold the value, it is made as
    usual."""

    @classmethod
    def from_db(cls, db, field_names, values):
        columns = _plain_columns(cls)
        if (
            columns is None
            or len(values) != len(columns)
            or pre_init.has_listeners(cls)
            or post_init.has_listeners(cls)
        ):
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        new.__dict__.update(zip(columns, values, strict=True))
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        return new


class HierarchyQuerySet(models.QuerySet):
    def subtree(self, node) -> "HierarchyQuerySet":
        """The node and everything below it: one indexed prefix query on the materialised path."""
        return self.filter(path__startswith=node.path)


class KeptWithItsAssociation(models.Model):
    """A record that belongs to a parent of an association's (a match to its need, an
    application to its batch…) and carries that association itself: the key a distributed
    PostgreSQL keeps an association's rows together by (docs/scale-out.md). Taken from the
    parent (`association_parent`, the name of its field) when the record is first saved; a
    bulk write sets it from the same parent."""

    association_parent: str

    association = models.ForeignKey(
        "associations.Association", models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.association_id is None:
            self.association_id = getattr(self, self.association_parent).association_id
        super().save(*args, **kwargs)


def unique_with_association(*fields: str, name: str) -> list[models.UniqueConstraint]:
    """The unique rule of `fields` for a table kept with its association's rows
    (KeptWithItsAssociation): the association is added last, as a distributed PostgreSQL needs
    it in every unique index, and the index still serves the lookups by `fields`."""
    return [models.UniqueConstraint(fields=[*fields, "association"], name=name)]


def set_links(record: models.Model, name: str, objects) -> None:
    """Set the many-to-many relation `name` of an association's `record` (a batch's regions, a
    notice's picked members…) to `objects`, each row carrying the record's association: its
    table is kept with the association's rows (KeptWithItsAssociation), and `.set()` alone
    would leave the key out."""
    getattr(record, name).set(objects, through_defaults={"association_id": record.association_id})


class Region(BilingualNameMixin, models.Model):
    """An administrative division of GB/T 2260.

    `path` holds the codes from the province down to this region ("440000/440100/440106/") so that
    "inside this subtree" is `path LIKE '440000/%'`, answered by a B-tree index.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        PREFECTURE = "prefecture", _("Prefecture")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    path = models.CharField(max_length=32, editable=False)
    # A code withdrawn from GB/T 2260 (a county became a district, a city was renumbered) stays,
    # so that the records and past reports that use it still resolve, and names the region that
    # replaced it; nothing new may use it (core.reference_data, docs/decisions/0006).
    successor = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("replaced by"),
    )

    objects = HierarchyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [
            models.Index(
                fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "code"], name="region_level_code"),
        ]

    @property
    def code_prefix(self) -> str:
        """The leading digits every code of its subtree shares: two for a province, four for a
        prefecture, the whole code for a county."""
        if self.level == self.Level.PROVINCE:
            return self.code[:2]
        if self.level == self.Level.COUNTY:
            return self.code
        return self.code[:4]

    def codes_inside(self, lookup: str) -> Q:
        """The rows whose region code (`lookup`, such as `enterprise__region__code`: the join to
        the regions is left out) lies in this region's subtree: every GB/T 2260 code of it starts
        as this one does, two digits for a province, four for a prefecture, the whole code for a
        county. Asked as a range of codes (`'44' <= code < '45'`), which any B-tree index that
        starts with the code serves in any collation (a `LIKE '44%'` only the pattern indexes).

        The same regions as `path LIKE '440000/%'`, but a condition on the row's own column:
        PostgreSQL estimates it from that column's statistics and reads it from an index, where
        through the join to the regions it assumes rows spread evenly over the country and reads
        every enterprise to find a province's (decision 0032)."""
        if self.level == self.Level.COUNTY:
            return Q(**{lookup: self.code})
        prefix = self.code_prefix
        following = str(int(prefix) + 1).zfill(len(prefix))
        return Q(**{f"{lookup}__gte": prefix, f"{lookup}__lt": following})


class Industry(BilingualNameMixin, models.Model):
    """A section (A–T) or division (01–97) of GB/T 4754-2017."""

    class Level(models.TextChoices):
        SECTION = "section", _("Section")
        DIVISION = "division", _("Division")

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    path = models.CharField(max_length=16, editable=False)

    objects = HierarchyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        indexes = [
            models.Index(
                fields=["path"], name="industry_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise user")
    STAFF = "staff", _("Association staff")
    OFFICIAL = "official", _("Government official")
    PARTNER = "partner", _("Partner system")
    ADMIN = "admin", _("Platform administrator")


class User(AbstractUser):
    """A person or a partner system's service account.

    An enterprise user is linked to one enterprise; association staff (and partner accounts bound
    to an association) through `associations.AssociationUser`, which also says who is a manager;
    an official (or a partner bound to a jurisdiction) to one region subtree.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.ENTERPRISE)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("enterprise"),
    )
    jurisdiction = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("jurisdiction"),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Made by an association for its member's contact person (associations.services
    # .contact_invite): until its owner sets a password, the enterprise has no user of its own.
    invited_contact = models.BooleanField(_("invited contact"), default=False, editable=False)
    # When its contact data was removed (operations.personal_data.anonymise): the row stays,
    # referred to by events and records, under the name former-<id> (docs/decisions/0028).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="official") | models.Q(jurisdiction__isnull=False),
                name="official_has_jurisdiction",
                violation_error_message=_("A government official needs a jurisdiction."),
            ),
        ]

    @cached_property
    def association_ids(self) -> frozenset[int]:
        """Associations whose data this user works on (staff, managers, bound partners)."""
        if self.role not in (Role.STAFF, Role.PARTNER):
            return frozenset()
        return frozenset(self.association_links.values_list("association_id", flat=True))

    @cached_property
    def managed_association_ids(self) -> frozenset[int]:
        if self.role != Role.STAFF:
            return frozenset()
        return frozenset(
            self.association_links.filter(is_manager=True).values_list("association_id", flat=True)
        )

    @property
    def is_manager(self) -> bool:
        return bool(self.managed_association_ids)


class TransactionId(models.Func):
    """The writing transaction's id on PostgreSQL (its 64-bit xid, as a bigint); 0 elsewhere.

    With `EventCommit` it puts events in the order their transactions committed (decision 0025).
    """

    template = "0"
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


# The advisory lock under which commit positions are taken (core migration 0015).
EVENT_COMMIT_LOCK = 7_420_025


class EventCommit(models.Model):
    """The commit order of the transactions that wrote events: a row is written by a deferred
    trigger when such a transaction commits, under a lock held until the commit is visible, so
    positions are handed out in the order commits became visible. Readers of the change feed
    and the webhook dispatcher go by (`position`, event id): an event committed late can never
    appear behind a cursor already read past. PostgreSQL only; on SQLite (`make run`, one writer
    at a time) the event id is already the commit order."""

    txid = models.BigIntegerField(primary_key=True)
    position = models.BigIntegerField(unique=True)

    class Meta:
        verbose_name = _("committed transaction")
        verbose_name_plural = _("committed transactions")

    def __str__(self) -> str:
        return f"{self.position}: {self.txid}"


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Events are never edited: append a new one instead.")

    def delete(self):
        raise TypeError("Events are never deleted.")


class Event(models.Model):
    """One thing that happened to an object: who, when, what (an action name such as
    `application.approved` or `enterprise.updated`), from/to status where the status changed, why,
    and each changed field with its old and new value.

    Every write service appends one in the transaction of its change (`core.workflow`), so the
    log is the history people read, and follow-up work (notifications, webhooks) is queued with
    the event's id: it tells what was decided even when a later change exists. Append-only: the
    model refuses edits and deletions, and so does a trigger in PostgreSQL.
    """

    content_type = models.ForeignKey(ContentType, models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64, db_default="")
    from_status = models.CharField(_("from"), max_length=32, blank=True)
    to_status = models.CharField(_("to"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    # {field name: [old, new]} as JSON values (ids for relations, ISO text for dates)
    changes = models.JSONField(_("changes"), default=dict, blank=True, db_default={})
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The transaction that wrote it (see EventCommit); 0 for events older than the column.
    txid = models.BigIntegerField(db_default=TransactionId(), editable=False)
    # The region code of the enterprise the subject belongs to (an enterprise, its
    # memberships, applications and needs) when the event was written; "" for other subjects.
    # An official's audit log reads a jurisdiction's events newest first by it (decision 0038).
    # A writer that leaves it empty has the database fill it on PostgreSQL (operations'
    # core_event_region trigger), so no writer can forget it; the member import and the
    # bench's loads write it themselves, from the rows they have at hand.
    region = models.CharField(
        _("region"), max_length=6, blank=True, db_default="", default="", editable=False
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="status_change_subject"),
            # Statuses as at a moment (core.workflow.status_at), read from the index alone.
            models.Index(
                fields=["content_type", "object_id", "-at", "-id"],
                include=["to_status"],
                condition=~Q(to_status=""),
                name="event_status_history",
            ),
            # The change feed: a transaction's events in id order.
            models.Index(fields=["txid", "id"], name="event_commit_order"),
            # The audit log's days and the platform's "events in the last 24 hours".
            models.Index(fields=["at"], name="event_at"),
            # An official's audit log: a kind's events in a province, a prefecture or a
            # county, newest first (operations.audit, decision 0038).
            models.Index(
                "content_type",
                Left("region", 2),
                "id",
                condition=~Q(region=""),
                name="event_province_newest",
            ),
            models.Index(
                "content_type",
                Left("region", 4),
                "id",
                condition=~Q(region=""),
                name="event_prefecture_newest",
            ),
            models.Index(
                fields=["content_type", "region", "id"],
                condition=~Q(region=""),
                name="event_county_newest",
            ),
            # The enterprises that changed region (operations.audit._moved).
            models.Index(
                fields=["object_id"],
                condition=Q(action="enterprise.updated", changes__has_key="region"),
                name="event_enterprise_moved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.content_type_id}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Events are never edited: append a new one instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Events are never deleted.")

    def _label(self, status: str) -> str:
        """A status as its model names it, in the active language."""
        model = self.content_type.model_class()
        return str(dict(model._meta.get_field("status").choices).get(status, status))

    @property
    def from_label(self) -> str:
        return self._label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self._label(self.to_status) if self.to_status else ""

    VERBS = {
        "created": _("Created"),
        "updated": _("Changed"),
        "staff_invited": _("Staff invited"),
        "staff_invitation_resent": _("Invitation sent again"),
        "user_linked": _("A user now acts for it"),
        "two_factor_enabled": _("Two-factor sign-in turned on"),
        "signed_up": _("Signed up"),
        "deactivated": _("Deactivated"),
        "reactivated": _("Reactivated"),
        "anonymised": _("Anonymised"),
        "revoked": _("Revoked"),
        "enabled": _("Turned on"),
        "deleted": _("Deleted"),
        "secret_rotated": _("Signing secret replaced"),
        "edited": _("Edited"),
        "helped": _("Marked as helpful"),
        "suggested": _("Suggested"),
        "extended": _("Time limit extended"),
        "handed_off": _("Handed to market regulation"),
        "reopened": _("Reopened"),
        "confirmed": _("Confirmed"),
        "declined": _("Declined"),
        "assessed": _("Assessed"),
        "contact_invited": _("Contact person invited"),
        "info_added": _("Information added"),
        "corrected": _("Correction published"),
        "reminded": _("Reminded"),
        "signed": _("Signed"),
        "revised": _("Revised"),
    }

    @property
    def verb_label(self) -> str:
        """What happened, for an event that changed no status ("Changed", "Matched"…)."""
        verb = self.action.rsplit(".", 1)[-1]
        return str(self.VERBS.get(verb, verb.replace("_", " ").replace("-", " ").capitalize()))

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(the field's name in the active language, old value, new value) for each change."""
        model = self.content_type.model_class()
        rows = []
        for name, (old, new) in sorted(self.changes.items()):
            try:
                label = str(model._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                label = name
            rows.append((label, old, new))
        return rows


class Delivery(models.TextChoices):
    """How a user wants the e-mails of one kind of notification (the in-app one is always
    written)."""

    IMMEDIATE = "immediate", _("E-mail at once")
    DAILY = "daily", _("Daily digest")
    NONE = "none", _("No e-mail")


class Notification(models.Model):
    """A message to one user inside the portal (decisions on their applications, answers to
    their needs…); e-mail carries the same news outside it."""

    class Kind(models.TextChoices):
        DECISION = "decision", pgettext_lazy("notification kind", "Decisions")
        NEED = "need", pgettext_lazy("notification kind", "Needs")
        ANSWER = "answer", pgettext_lazy("notification kind", "Government answers")
        NOTICE = "notice", pgettext_lazy("notification kind", "Notices")
        COMPLAINT = "complaint", pgettext_lazy("notification kind", "Complaints")
        SERVICE = "service", pgettext_lazy("notification kind", "Services")
        RELIEF = "relief", pgettext_lazy("notification kind", "Relief")
        ACCOUNT = "account", pgettext_lazy("notification kind", "Account and memberships")
        OTHER = "other", pgettext_lazy("notification kind", "Other")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # Told at once whatever the user chose (a rejection, a government's answer).
    urgent = models.BooleanField(_("urgent"), default=False)
    # How its e-mail goes, decided when it was written (the user's preference then, or at once
    # when urgent): the daily digest takes those marked daily and not e-mailed yet.
    email_delivery = models.CharField(
        max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE, editable=False
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # What the notification is about (e.g. one status change), so that a retried task does not
    # tell the same person twice.
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When its e-mail went out (core.tasks.send_notification_email): a task delivered again
    # finds it set and sends nothing. Empty while the e-mail is on its way, or when none was due.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_inbox"),
            # The centre filtered by kind (newest first).
            models.Index(fields=["user", "kind", "created_at"], name="notification_by_kind"),
            # The daily digest: what waits for it, by day (small: rows leave it once e-mailed).
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_delivery="daily", emailed_at__isnull=True),
                name="notification_digest_due",
            ),
            # Immediate e-mails not sent yet, for the outbox sweep (core.sweeps); as small.
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_delivery="immediate", emailed_at__isnull=True),
                name="notification_email_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="one_notification_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How one user wants the e-mails of one kind of notification. No row: at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Notification.Kind.choices)
    delivery = models.CharField(_("e-mail"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class NotificationDigest(models.Model):
    """One user's daily digest of one local day: written before its e-mail is sent, so that
    the digest task run twice (or two workers at once) sends it once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    notification_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")
        ]
        indexes = [
            # Digests not sent yet, for the outbox sweep (core.sweeps): small, rows leave it.
            models.Index(
                fields=["day"], condition=models.Q(sent_at__isnull=True), name="digest_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class IdempotentRequest(models.Model):
    """The answer to one POST of the API sent with an `Idempotency-Key` header, so that the same
    request sent again by the same account is answered again without being run twice.

    Written by `core.api.idempotency.IdempotencyMiddleware` in the transaction that runs the view:
    a row exists only once the request's effects and its stored answer are committed together.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("account")
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(max_length=10)
    path = models.TextField(help_text="The full path, with the query string")
    # sha256 of the method, path, media type and body (the fields and files of a multipart form)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_content_type = models.CharField(max_length=255, blank=True)
    response_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="one_request_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.key} {self.method} {self.path}"


def own_users_of(enterprise_id: int | None) -> models.QuerySet:
    """The enterprise's own users: active ones, except a contact an association invited who has
    not set a password yet (docs/decisions/0004, 0007)."""
    return User.objects.filter(enterprise_id=enterprise_id, is_active=True).exclude(
        invited_contact=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


class ContactVerification(models.Model):
    """A one-time code sent to a mobile number or an e-mail address by someone signing up, which
    proves they hold it (core.signup). Only a hash of the code is kept; only the newest code of
    an address works; a code works once, for a limited time and a limited number of tries."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("mobile phone")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # An e-mail address in lower case, or a mobile number in E.164 form.
    address = models.CharField(_("address"), max_length=254)
    code_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong codes entered"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact verification")
        verbose_name_plural = _("contact verifications")
        indexes = [
            models.Index(fields=["address", "created_at"], name="verification_address"),
        ]

    def __str__(self) -> str:
        return self.address


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is a random one: the person's file name is kept in `name`, never in a path.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file given as evidence or context to any object (a service request, a hardship
    assessment…): checked by its content, bounded in size (core.attachments), stored under
    MEDIA_ROOT with a random name and served only by the owning app's view after it has checked
    that the person sees the object."""

    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


# API tokens live beside their services (core.tokens); imported here so that Django finds the model.
from core.tokens import ApiToken  # noqa: E402, F401
