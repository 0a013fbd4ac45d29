"""The event log read in commit order, as one account may see it: the change feed
(`GET /api/v1/events/`) and the webhook dispatcher both read it here (decision 0026).

Order: (EventCommit.position, event id) on PostgreSQL — the order in which the writing
transactions committed, so an event committed late never lands behind a cursor already read
past. On SQLite (`make run`, one writer at a time) the event id is that order.

Each event becomes a message for an account when the account may see its object now (with a
snapshot of the object as the API lists it to that account), and an event that took an object
out of the account's sight also becomes a `<object>.left_scope` message, so that a partner's copy
can drop what it may no longer see.
"""

import fnmatch
import re
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from associations.models import Membership
from core.access import scope_of
from core.errors import DomainError
from core.models import Event, Region
from integrations import subjects

# At most this many events are looked at for one page, whatever the filters: a page costs the
# same after any cursor, and one with few messages for the account says where to go on from.
WINDOW = 5000
FIRST_WINDOW = 500  # events read first for a page (page: more as needed, up to WINDOW)
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
LEFT_SCOPE = "left_scope"
MAX_PATTERNS = 50
PATTERN = re.compile(r"^(\*|[a-z_]+\.(\*|[a-z_-]+))$")

# A membership in one of these statuses no longer shows the enterprise to the association.
MEMBERSHIP_ENDED = {
    Membership.Status.LEFT,
    Membership.Status.REJECTED,
    Membership.Status.DECLINED,
}


@dataclass(frozen=True, order=True)
class Cursor:
    position: int = 0
    event_id: int = 0

    def __str__(self) -> str:
        return f"{self.position}-{self.event_id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        """A cursor from `after`: empty for the beginning, `now` for the end, or one the feed
        gave (`<position>-<event id>`)."""
        if not text:
            return cls()
        if text == "now":
            return end()
        position, dash, event_id = text.partition("-")
        if not dash or not position.isdigit() or not event_id.isdigit():
            message = _(
                "This is not a cursor of the feed: give `next_cursor` of an earlier page, `now`, "
                "or nothing to start at the beginning."
            )
            raise DomainError(message, fields={"after": [message]})
        return cls(int(position), int(event_id))


@dataclass(frozen=True)
class Message:
    """What one account is told of one event."""

    cursor: Cursor
    event: Event
    variant: str  # "" or LEFT_SCOPE

    @property
    def subject_name(self) -> str:
        return self.event.action.split(".", 1)[0]

    @property
    def type(self) -> str:
        return message_type(self.event.action, self.variant)

    @property
    def id(self) -> str:
        suffix = f"_{self.variant}" if self.variant else ""
        return f"evt_{self.event.pk}{suffix}"


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def end() -> Cursor:
    """The cursor after the last event committed now."""
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                "SELECT c.position, e.id FROM core_eventcommit c "
                "JOIN core_event e ON e.txid = c.txid ORDER BY c.position DESC, e.id DESC LIMIT 1"
            )
        else:
            cursor.execute("SELECT 0, id FROM core_event ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return Cursor(*row) if row else Cursor()


@dataclass(frozen=True)
class Row:
    """What the window reads of an event: enough to choose the messages without loading it."""

    cursor: Cursor
    event_id: int
    content_type_id: int
    action: str
    to_status: str
    moved: bool  # an enterprise's region changed

    @property
    def may_leave_scope(self) -> bool:
        """Whether the event may have taken an enterprise out of someone's sight."""
        if self.action.startswith("membership."):
            return self.to_status in MEMBERSHIP_ENDED
        return self.action == "enterprise.updated" and self.moved


def window(after: Cursor, size: int = WINDOW) -> list[Row]:
    """The next `size` events after `after`, in commit order."""
    with connection.cursor() as cursor:
        if _postgres():
            # The rest of the cursor's own transaction, then the later ones: each part walks
            # the commit positions' index and, for each position, the events' (txid, id) index
            # in order, at most `size` of them (a row comparison across the two tables would
            # scan every event; a plain join sorted every event of a transaction, 50,000 for
            # an import, to give the first few hundred).
            columns = (
                "c.position, e.id, e.content_type_id, e.action, e.to_status, e.changes ? 'region'"
            )
            events = (
                "CROSS JOIN LATERAL (SELECT id, content_type_id, action, to_status, changes "
                "FROM core_event WHERE txid = c.txid AND id > %s ORDER BY id LIMIT %s) e"
            )
            cursor.execute(
                f"(SELECT {columns} FROM (SELECT position, txid FROM core_eventcommit "  # noqa: S608
                f"WHERE position = %s) c {events}) UNION ALL "
                f"(SELECT {columns} FROM (SELECT position, txid FROM core_eventcommit "
                f"WHERE position > %s ORDER BY position LIMIT %s) c {events} "
                "ORDER BY c.position, e.id LIMIT %s) ORDER BY 1, 2 LIMIT %s",
                [
                    *(after.position, after.event_id, size),
                    *(after.position, size, 0, size, size),
                    size,
                ],
            )
        else:
            cursor.execute(
                "SELECT 0, id, content_type_id, action, to_status, "
                "json_extract(changes, '$.region') IS NOT NULL FROM core_event WHERE id > %s "
                "ORDER BY id LIMIT %s",
                [after.event_id, size],
            )
        return [
            Row(Cursor(row[0], row[1]), row[1], row[2], row[3], row[4], bool(row[5]))
            for row in cursor.fetchall()
        ]


def check_patterns(patterns: list[str], field: str = "event_types") -> list[str]:
    """Event type patterns as given, or a DomainError naming the ones that are not."""
    names = set(subjects.subjects())
    wrong = [
        p
        for p in patterns
        if not isinstance(p, str)
        or not PATTERN.match(p)
        or (p != "*" and p.split(".", 1)[0] not in names)
    ]
    if len(patterns) > MAX_PATTERNS:
        message = _("Name at most %(max)d event types; use `<object>.*` to take them all.") % {
            "max": MAX_PATTERNS
        }
        raise DomainError(message, fields={field: [message]})
    if wrong or not patterns:
        message = _(
            "Say which events, as `*`, `<object>.*` or `<object>.<what happened>` with objects "
            "among: %(names)s. Not understood: %(wrong)s."
        ) % {"names": ", ".join(sorted(names)), "wrong": ", ".join(map(str, wrong)) or "—"}
        raise DomainError(message, fields={field: [message]})
    return list(dict.fromkeys(patterns))


def matches(patterns: list[str], event_type: str) -> bool:
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in patterns)


def message_type(action: str, variant: str) -> str:
    """The type of a message: the event's action, or `enterprise.left_scope` (a membership's
    end or an enterprise's move takes an enterprise out of sight)."""
    if variant == LEFT_SCOPE:
        return f"enterprise.{LEFT_SCOPE}"
    return action


def candidates(rows: list[Row], patterns: list[str] | None) -> list[tuple[Cursor, int, str]]:
    """(cursor, event id, variant) of the window's rows that the patterns want."""
    followed = subjects.by_content_type()
    found = []
    for row in rows:
        if row.content_type_id not in followed:
            continue
        if patterns is None or matches(patterns, row.action):
            found.append((row.cursor, row.event_id, ""))
        left_type = message_type(row.action, LEFT_SCOPE)
        if row.may_leave_scope and (patterns is None or matches(patterns, left_type)):
            found.append((row.cursor, row.event_id, LEFT_SCOPE))
    return found


def _left_scope(account, events: list[Event]) -> dict[int, int]:
    """{event id: enterprise id} for the events that took an enterprise out of the account's
    sight: a membership of one of its associations ended, or (a jurisdiction) the enterprise
    moved to a region outside it — and the account does not see the enterprise now."""
    scope = scope_of(account)
    lost: dict[int, int] = {}
    membership_ids = {e.object_id for e in events if e.action.startswith("membership.")}
    memberships = dict(
        Membership.objects.filter(pk__in=membership_ids).values_list(
            "pk", "association_id", named=False
        )
    )
    enterprise_of = dict(
        Membership.objects.filter(pk__in=membership_ids).values_list("pk", "enterprise_id")
    )
    old_regions = {
        e.pk: (e.changes.get("region") or e.changes.get("region_id") or [None])[0]
        for e in events
        if e.action == "enterprise.updated"
    }
    paths = dict(
        Region.objects.filter(pk__in=[r for r in old_regions.values() if r]).values_list(
            "pk", "path"
        )
    )
    for event in events:
        if event.action.startswith("membership."):
            if event.to_status in MEMBERSHIP_ENDED and scope.works_for(
                memberships.get(event.object_id)
            ):
                lost[event.pk] = enterprise_of[event.object_id]
        elif event.pk in old_regions and scope.within_jurisdiction(
            paths.get(old_regions[event.pk])
        ):
            lost[event.pk] = event.object_id
    if not lost:
        return {}
    enterprise = subjects.subjects()["enterprise"]
    still_seen = subjects.visible_ids(account, enterprise, set(lost.values()))
    return {event_id: e for event_id, e in lost.items() if e not in still_seen}


def messages(account, chosen: list[tuple[Cursor, int, str]]) -> list[tuple[Message, dict]]:
    """The messages of `chosen` the account is told, each with its payload, in order. The
    queries are a few per kind of object, however many events."""
    if not chosen:
        return []
    events = Event.objects.in_bulk([event_id for _c, event_id, _v in chosen])
    followed = subjects.by_content_type()
    ids_by_type: dict[int, set[int]] = {}
    chosen = [c for c in chosen if events[c[1]].content_type_id in followed]
    for _cursor, event_id, variant in chosen:
        event = events[event_id]
        if not variant:
            ids_by_type.setdefault(event.content_type_id, set()).add(event.object_id)
    seen = {
        content_type_id: subjects.snapshots(account, followed[content_type_id], ids)
        for content_type_id, ids in ids_by_type.items()
    }
    left = _left_scope(account, [events[e] for _c, e, v in chosen if v == LEFT_SCOPE])
    told = []
    for cursor, event_id, variant in chosen:
        event = events[event_id]
        message = Message(cursor=cursor, event=event, variant=variant)
        if variant == LEFT_SCOPE:
            if event_id in left:
                told.append((message, payload(message, "enterprise", left[event_id], None)))
            continue
        snapshot = seen[event.content_type_id].get(event.object_id)
        if snapshot is not None:
            body = payload(message, message.subject_name, event.object_id, snapshot)
            told.append((message, body))
    return told


def payload(message: Message, object_type: str, object_id: int, snapshot: dict | None) -> dict:
    event = message.event
    return {
        "id": message.id,
        "type": message.type,
        "timestamp": event.at.isoformat(),
        "cursor": str(message.cursor),
        "data": {
            "object_type": object_type,
            "object_id": object_id,
            "from_status": event.from_status if not message.variant else "",
            "to_status": event.to_status if not message.variant else "",
            "object": snapshot,
        },
    }


def page(account, *, after: Cursor, patterns: list[str] | None, limit: int = PAGE_SIZE) -> dict:
    """One page of the change feed: at most `limit` messages after `after` (one more when an
    event's two messages would be split), the cursor to go on from, and whether more events are
    already waiting. The events are read in windows that grow (a few hundred first, up to
    WINDOW events in all), so a full page reads little more than it shows and a page of events
    the account may not see stops after WINDOW."""
    told: list[tuple[Message, dict]] = []
    chunk = 100  # the least number of candidates read at a time
    read, reached = 0, after
    size = min(WINDOW, max(4 * limit, FIRST_WINDOW))
    while True:
        asked = min(size, WINDOW - read)
        rows = window(reached, asked)
        read += len(rows)
        chosen = candidates(rows, patterns)
        start = 0
        while start < len(chosen):
            # What the page still needs (and one more, to know that more follow); more at a
            # time once the account turns out not to see many of these events.
            step = max(limit + 1 - len(told), chunk)
            told.extend(messages(account, chosen[start : start + step]))
            start += step
            if len(told) > limit:
                cut = limit
                while cut < len(told) and told[cut][0].cursor == told[cut - 1][0].cursor:
                    cut += 1
                if cut < len(told):
                    told = told[:cut]
                    return {
                        "results": [body for _message, body in told],
                        "next_cursor": str(told[-1][0].cursor),
                        "has_more": True,
                    }
        if rows:
            reached = rows[-1].cursor
        if len(rows) < asked or read >= WINDOW:
            break
        size *= 4
    return {
        "results": [body for _message, body in told],
        "next_cursor": str(reached),
        "has_more": read >= WINDOW,
    }
