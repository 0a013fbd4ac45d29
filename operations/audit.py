"""The audit viewer's reads: which events of the log a user may read, and how much of each
(docs/decisions/0027-audit-viewer.md).

- Admins read every event.
- Managers read the events of the objects of the associations they manage: an object counts
  when the API would list it to the manager now (`integrations.subjects`, the change feed's
  rule) *and* it belongs to one of those associations (`MANAGED_BY`). The first keeps the audit
  viewer and the feed in agreement; the second keeps out what the API lists to everyone (the
  association directory, the case library, public pledges…), whose events are another
  association's business.
- Officials read the events of what is submitted to government in their jurisdiction
  (`OFFICIAL_READS`, again intersected with the API's list for them), as government reads an
  association's history (decision 0003, known exceptions): events done on the association side
  only as status changes, without who, why or what changed; events done by government (an
  official or an administrator) in full.
- Everyone else reads nothing.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Left
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import Membership
from core.access import MANAGER, can, has_role, is_admin, scope_of
from core.models import Event, Region, Role, User
from core.workflow import actor_label
from enterprises.access import may_see_contact_details
from integrations import subjects

PAGE_SIZE = 50
CSV_CAP = 100_000

# How an object of each kind the API lists belongs to an association (a lookup ending at the
# association). A kind missing here is not shown to managers: a kind added later is hidden
# until someone says whose it is (tests/operations/test_audit.py checks that every kind the
# feed follows is named here).
MANAGED_BY = {
    "association": "pk",  # its staff invitations, its record
    "enterprise": "memberships__association",  # the API lists current members only
    "enterpriseclaim": "enterprise__memberships__association",
    "membership": "association",
    "batch": "association",
    "application": "batch__association",
    "supplyitem": "association",  # the shared catalogue (no association) is the platform's
    "need": "association",
    "supplyoffer": "association",
    "report": "association",
    "serviceprovider": "association",
    "service": "association",
    "servicerequest": "association",
    "hardshipassessment": "association",
    "reliefscheme": "association",
    "reliefgrant": "scheme__association",
    "complaint": "association",
    "pledge": "association",
    "pledgesignature": "pledge__association",
    "case": "association",
    "notice": "association",
}
# Conditions on the same membership as the lookup above: the API lists to staff an enterprise
# that has only asked to join (a pending membership), whose history is not theirs to read until
# it is a member (enterprises.access.may_read_history).
MANAGED_WHILE = {
    "enterprise": {"memberships__status__in": Membership.MEMBER},
    "enterpriseclaim": {"enterprise__memberships__status__in": Membership.MEMBER},
}
# Kinds the change feed does not follow (integrations.subjects.NOT_FOLLOWED, or not in the API)
# whose events are still clearly an association's: the accounts that work for it (sign-up,
# two-factor), their API tokens, its webhook endpoints. Shown to its managers by this lookup
# alone: there is no API list to agree with. Regions, industries, notifications, import jobs
# and deliveries have no events of their own.
MANAGED_BY_UNFOLLOWED = {
    "core.user": "association_links__association",
    "core.apitoken": "user__association_links__association",
    "integrations.endpoint": "association",
}
# What government reads, by kind: "" when the API's list for an official is the jurisdiction's
# already, else the lookup of a region path that must lie inside it. Not here: what the API
# lists to everyone (the supply catalogue, services, pledges, the case library) — not
# submitted to government — and what officials cannot list at all.
OFFICIAL_READS = {
    "association": "region__path",  # the directory lists all; government, those based inside
    "enterprise": "",
    "membership": "",
    "batch": "",
    "application": "",
    "need": "",  # the escalated ones
    "report": "",  # the submitted ones
    "notice": "",  # those sent to members inside the jurisdiction
}
# The kinds the API lists that government does not read here, said so rather than forgotten.
NOT_FOR_GOVERNMENT = {
    "enterpriseclaim",
    "supplyitem",
    "supplyoffer",
    "serviceprovider",
    "service",
    "servicerequest",
    "hardshipassessment",
    "reliefscheme",
    "reliefgrant",
    "complaint",
    "pledge",
    "pledgesignature",
    "case",
}

# Kinds whose subject belongs to one enterprise, by the lookup of that enterprise from the
# subject ("pk": the enterprise itself). Their events carry the enterprise's region code as it
# was when they were written (core.models.Event.region, set by the database on PostgreSQL): an
# official's audit log reads a jurisdiction's events of these kinds newest first by that key,
# each row still checked by the rule (decision 0038).
KEYED_BY_ENTERPRISE = {
    "enterprise": "pk",
    "membership": "enterprise",
    "application": "enterprise",
    "need": "enterprise",
}

# Where an object's page is, by kind (rows of other kinds name the object without a link).
DETAIL_PAGES = {
    "association": "association-detail",
    "enterprise": "enterprise-detail",
    "membership": "membership-detail",
    "batch": "batch-detail",
    "application": "application-detail",
    "need": "need-detail",
    "report": "report-detail",
    "service": "service-detail",
    "servicerequest": "service-request-detail",
    "complaint": "complaint-detail",
    "pledge": "pledge-detail",
    "case": "case-detail",
    "notice": "notice-detail",
    "endpoint": "webhook-detail",
}


def government_side() -> Q:
    """Events done by government: an official, an administrator (or a superuser). Asked as the
    few accounts that are (a subquery PostgreSQL hashes once), not as a join to every event's
    actor, which a walk of the log newest first would pay on each row."""
    government = User.objects.filter(
        Q(role__in=[Role.OFFICIAL, Role.ADMIN]) | Q(is_superuser=True)
    ).values("pk")
    return Q(actor__in=government)


def is_government(user: User | None) -> bool:
    return user is not None and (user.is_superuser or user.role in (Role.OFFICIAL, Role.ADMIN))


def reads_as_government(user) -> bool:
    """An official reading: the association's side only as its status changes."""
    return has_role(user, Role.OFFICIAL)


def _listed(account, subject: subjects.Subject) -> list[QuerySet]:
    """The API's list querysets of `subject` for `account` (one per viewset it may list with)."""
    found = []
    for viewset_class in subject.viewsets.values():
        action = getattr(viewset_class, "permission_actions", {}).get("list")
        if action is not None and can(account, action):
            found.append(subjects._view(viewset_class, account).get_queryset())
    return found


def _objects(subject_name: str, content_type_id: int, querysets: list[QuerySet]) -> Q | None:
    if not querysets:
        return None
    ids = [Q(object_id__in=queryset.values("pk")) for queryset in querysets]
    return Q(content_type_id=content_type_id) & reduce(operator.or_, ids)


def _managed(user) -> Q | None:
    managed = scope_of(user).managed_association_ids
    if not managed:
        return None
    parts = []
    for name, subject in subjects.subjects().items():
        owner = MANAGED_BY.get(name)
        if owner is None:
            continue
        lookup = {f"{owner}__in": managed, **MANAGED_WHILE.get(name, {})}
        listed = [queryset.filter(**lookup) for queryset in _listed(user, subject)]
        parts.append(_objects(name, subject.content_type_id, listed))
    for label, owner in MANAGED_BY_UNFOLLOWED.items():
        model = ContentType.objects.get_by_natural_key(*label.split(".")).model_class()
        owned = model._base_manager.filter(**{f"{owner}__in": managed})
        parts.append(_objects(label, ContentType.objects.get_for_model(model).pk, [owned]))
    parts = [part for part in parts if part is not None]
    return reduce(operator.or_, parts) if parts else None


def _official_lists(user) -> list[tuple[str, subjects.Subject, list[QuerySet]]]:
    """(kind, subject, the lists of it the official reads) for each kind government reads."""
    scope = scope_of(user)
    if scope.kind != "jurisdiction" or not scope.jurisdiction_path:
        return []
    found = []
    for name, subject in subjects.subjects().items():
        if name not in OFFICIAL_READS:
            continue
        listed = _listed(user, subject)
        if region := OFFICIAL_READS[name]:
            inside = {f"{region}__startswith": scope.jurisdiction_path}
            listed = [queryset.filter(**inside) for queryset in listed]
        found.append((name, subject, listed))
    return found


def _official_side() -> Q:
    """Government reads an association's side as status changes only (decision 0003)."""
    return government_side() | ~Q(to_status="")


def _jurisdiction(user) -> Q | None:
    parts = [
        _objects(name, subject.content_type_id, listed)
        for name, subject, listed in _official_lists(user)
    ]
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return reduce(operator.or_, parts) & _official_side()


def _keyed() -> bool:
    """Whether the events carry their region key (the database sets it: PostgreSQL)."""
    return connection.vendor == "postgresql"


def _in_region(events: QuerySet[Event], region: Region) -> QuerySet[Event]:
    """`events` whose region key lies in `region`, as the key's indexes read them newest first
    (core.models.Event: event_province_newest, _prefecture_, _county_)."""
    events = events.exclude(region="")
    prefix = region.code_prefix
    if region.level == Region.Level.COUNTY:
        return events.filter(region=prefix)
    return events.alias(region_prefix=Left("region", len(prefix))).filter(region_prefix=prefix)


def _moved() -> QuerySet:
    """The enterprises whose region has changed (every change is recorded: the services, the
    member import and the admin write `enterprise.updated` with the field): their earlier events
    carry the region they had then (core.models.Event: event_enterprise_moved)."""
    return Event.objects.filter(action="enterprise.updated", changes__has_key="region").values(
        "object_id"
    )


def _jurisdiction_parts(user) -> list[QuerySet[Event]]:
    """What an official reads (`_jurisdiction`) as parts whose union it is, each of which an
    index reads newest first: for a kind keyed by its enterprise's region, the events keyed
    inside the jurisdiction (each row checked by the rule: `Exists` probes the subject), and the
    events of the subjects of enterprises that moved (found from the few moves); for another
    kind, its events by the rule."""
    readable = Event.objects.filter(_official_side())
    parts = []
    for name, subject, listed in _official_lists(user):
        if not listed:
            continue
        events = readable.filter(content_type_id=subject.content_type_id)
        enterprise = KEYED_BY_ENTERPRISE.get(name)
        if enterprise is None:
            parts.append(events.filter(_objects(name, subject.content_type_id, listed)))
            continue
        # The kind's lists as one (the needs have three: supply, labour, difficulty), so that
        # each part is one semi-join PostgreSQL can drive from its smaller side; an OR of
        # subqueries it can only hash in full, before the first row.
        one = reduce(operator.or_, listed)
        inside = _in_region(events, user.jurisdiction)
        parts.append(inside.filter(Exists(one.filter(pk=OuterRef("object_id")))))
        moved = one.filter(**{f"{enterprise}__in": _moved()})
        parts.append(events.filter(object_id__in=moved.values("pk")))
    return parts


def _parts(user) -> list[QuerySet[Event]]:
    """The events `user` may read, as parts whose union is `events_for(user)`."""
    if not can(user, "audit.read"):
        return []
    if is_admin(user):
        return [Event.objects.all()]
    if has_role(user, MANAGER):
        managed = _managed(user)
        return [Event.objects.filter(managed)] if managed is not None else []
    if has_role(user, Role.OFFICIAL):
        if _keyed():
            return _jurisdiction_parts(user)
        # Without the key (the demo's SQLite, which also cannot page the parts of a UNION):
        # the rule as one query, as small databases read it well.
        inside = _jurisdiction(user)
        return [Event.objects.filter(inside)] if inside is not None else []
    return []


def newest_for(
    user, narrow: Callable[[QuerySet[Event]], QuerySet[Event]], *, limit: int
) -> list[Event]:
    """The newest `limit` events `user` may read that `narrow` (the viewer's filters) keeps,
    newest first: each part of what they may read is read newest first, up to `limit`, and the
    parts merged, so that no part is read past its own page (decision 0038)."""
    pages = [
        narrow(part).order_by("-id").values_list("id", flat=True)[:limit] for part in _parts(user)
    ]
    if not pages:
        return []
    ids = pages[0] if len(pages) == 1 else pages[0].union(*pages[1:]).order_by("-id")[:limit]
    return list(
        Event.objects.filter(pk__in=list(ids))
        .select_related("actor", "content_type")
        .order_by("-id")
    )


def events_for(user) -> QuerySet[Event]:
    """The events `user` may read in the audit viewer (nothing for a role without the right)."""
    events = Event.objects.all()
    if not can(user, "audit.read"):
        return events.none()
    if is_admin(user):
        return events
    if has_role(user, MANAGER):
        managed = _managed(user)
        return events.filter(managed) if managed is not None else events.none()
    if has_role(user, Role.OFFICIAL):
        inside = _jurisdiction(user)
        return events.filter(inside) if inside is not None else events.none()
    return events.none()


def kinds_for(user) -> list[tuple[str, str]]:
    """(kind, its name in the active language) of the objects `user` may filter by."""
    if is_admin(user):
        names = [*subjects.subjects(), *MANAGED_BY_UNFOLLOWED]
    elif has_role(user, MANAGER):
        names = [n for n in subjects.subjects() if n in MANAGED_BY] + list(MANAGED_BY_UNFOLLOWED)
    elif has_role(user, Role.OFFICIAL):
        names = [n for n in subjects.subjects() if n in OFFICIAL_READS]
    else:
        names = []
    kinds = []
    for name in names:
        model = model_of(name)
        if model is not None:
            kinds.append((model._meta.model_name, str(model._meta.verbose_name)))
    return sorted(kinds, key=lambda kind: kind[1])


def model_of(kind: str):
    """The model of a kind: a subject's name (`need`) or an app label (`core.user`)."""
    if kind in subjects.subjects():
        return subjects.subjects()[kind].model
    if "." in kind:
        try:
            return ContentType.objects.get_by_natural_key(*kind.split(".", 1)).model_class()
        except ContentType.DoesNotExist:
            return None
    for label in MANAGED_BY_UNFOLLOWED:
        if label.endswith(f".{kind}"):
            return model_of(label)
    return None


# --- one row as a reader reads it -------------------------------------------------------------


@dataclass
class Row:
    event: Event
    who: str
    details_shown: bool
    kind: str
    kind_label: str
    url: str
    from_label: str
    to_label: str
    reason: str
    changes: list[tuple[str, object, object]]

    @property
    def at(self):
        return timezone.localtime(self.event.at)

    @property
    def action_label(self) -> str:
        # A status change is named by the status it reached, in the active language.
        return self.to_label or self.event.verb_label


def _status_label(model, status: str) -> str:
    if not status:
        return ""
    try:
        choices = dict(model._meta.get_field("status").choices or ())
    except FieldDoesNotExist:
        return status
    return str(choices.get(status, status))


def _changes(model, event: Event, *, contacts: bool) -> list[tuple[str, object, object]]:
    rows = []
    for name, values in sorted(event.changes.items()):
        old, new = values if isinstance(values, list | tuple) and len(values) == 2 else (None, None)
        try:
            label = str(model._meta.get_field(name).verbose_name) if model else name
        except FieldDoesNotExist:
            label = name
        if not contacts and ("phone" in name or name.startswith("contact")):
            old = new = None  # that it changed, not the numbers (enterprises.access)
        rows.append((label, old, new))
    return rows


def rows_for(user, events) -> list[Row]:
    """The events as `user` reads them: who acted, and the reason and changed fields, only where
    they may (an official reads them of government's own events)."""
    official_reader = reads_as_government(user)
    contacts = may_see_contact_details(user)
    admin = is_admin(user)
    rows = []
    for event in events:
        model = event.content_type.model_class()
        kind = model._meta.model_name if model else event.content_type.model
        shown = not official_reader or is_government(event.actor)
        if event.actor is None:
            who = _("the system")
        elif not shown:
            who = "—"
        else:
            who = actor_label(event.actor)
            if admin:
                who = f"{who} · {event.actor.username}"
        url = ""
        if kind in DETAIL_PAGES:
            try:
                url = reverse(DETAIL_PAGES[kind], args=[event.object_id])
            except NoReverseMatch:
                url = ""
        rows.append(
            Row(
                event=event,
                who=who,
                details_shown=shown,
                kind=kind,
                kind_label=str(model._meta.verbose_name) if model else kind,
                url=url,
                from_label=_status_label(model, event.from_status) if model else "",
                to_label=_status_label(model, event.to_status) if model else "",
                reason=event.reason if shown else "",
                changes=_changes(model, event, contacts=contacts) if shown else [],
            )
        )
    return rows
