"""Keyset pagination for the long lists and queues: "next" and "previous" cursors over the list's
sort key and id, so that a deep page costs what the first page costs (decision 0032).

A page number makes PostgreSQL read, join and throw away every row before the page (`OFFSET
124975` on the needs queue: ~0.8 s). A cursor carries the sort key of the last row shown (or the
first, going back), and the next page is the rows beyond it — read from the index that serves the
list's order, starting where the previous page stopped. Rows added while someone pages are
neither repeated nor do they push others out of the way.

A cursor is signed, so that a hand-made one is refused; a refused cursor shows the first page.
It only says where to start: the rows are always those of the user's scoped queryset.

How many in all: counted up to COUNT_CAP rows (a count of a LIMIT), shown as "1,000+" past it.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

COUNT_CAP = 1000
CURSOR_PARAM = "cursor"
FORWARD, BACKWARD = "n", "p"


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The rows of `queryset` counted up to `cap` (a count of a LIMIT, unordered): exact up to
    it, cap + 1 past it — what a list, a dashboard or the menu shows as "1,000+"."""
    return queryset.order_by()[: cap + 1].count()


class BadCursor(Exception):
    """A cursor that was not made by this list (tampered with, cut, from another list)."""


@dataclass
class KeysetPage:
    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int  # exact up to count_cap; count_cap + 1 past it
    count_cap: int
    is_first: bool = True  # no cursor (or a refused one): the list's start
    cursor_refused: bool = False

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_capped(self) -> bool:
        return self.count > self.count_cap


def _fields(order: Sequence[str]) -> list[tuple[str, bool]]:
    return [(name.lstrip("-"), name.startswith("-")) for name in order]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _key_of(row, fields: list[tuple[str, bool]]) -> list:
    return [_plain(getattr(row, name)) for name, _desc in fields]


def _encode(direction: str, key: list, salt: str) -> str:
    return signing.dumps([direction, key], salt=f"keyset:{salt}")


def _decode(cursor: str, queryset: QuerySet, fields: list[tuple[str, bool]], salt: str):
    try:
        direction, key = signing.loads(cursor, salt=f"keyset:{salt}")
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor from error
    if direction not in (FORWARD, BACKWARD) or not isinstance(key, list):
        raise BadCursor
    if len(key) != len(fields):
        raise BadCursor
    model = queryset.model
    try:
        values = [
            None if value is None else model._meta.get_field(name).to_python(value)
            for (name, _desc), value in zip(fields, key, strict=True)
        ]
    except Exception as error:  # a signed key always parses; anything else is not ours
        raise BadCursor from error
    return direction, values


def _beyond(name: str, desc: bool, value) -> Q:
    """Rows strictly after `value` in the column's order, as PostgreSQL sorts it: NULLs first
    going down, last going up (those are read apart, see _nulls_follow)."""
    if value is None:
        return Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
    return Q(**{f"{name}__lt" if desc else f"{name}__gt": value})


def _from(name: str, desc: bool, value) -> Q:
    """The row at `value` and after, as one range condition an index can start from."""
    if value is None:
        return Q() if desc else Q(**{f"{name}__isnull": True})
    return Q(**{f"{name}__lte" if desc else f"{name}__gte": value})


def _after(queryset: QuerySet, fields: list[tuple[str, bool]], values: list) -> QuerySet:
    """The rows after the key in the order of `fields`. Written as the first column's range
    (`rank_at >= …`, which the index serves from there on) less the rows equal to the key on
    it that are not after it on the rest: one range and a filter, where the lexicographic OR
    made PostgreSQL combine bitmaps and sort them. Only the first column may hold NULLs."""
    return queryset.filter(_after_q(fields, values))


def _after_q(fields: list[tuple[str, bool]], values: list) -> Q:
    (name, desc), value = fields[0], values[0]
    if len(fields) == 1:
        return _beyond(name, desc, value)
    rest = _after_q(fields[1:], values[1:])
    if value is None:
        return _beyond(name, desc, None) | (Q(**{f"{name}__isnull": True}) & rest)
    return _from(name, desc, value) & ~(Q(**{name: value}) & ~rest)


def _nulls_follow(queryset: QuerySet, fields: list[tuple[str, bool]], values: list) -> bool:
    """Whether rows with NULL in the first column come after the key (going up from a value):
    they are read by a query of their own once the values run out, so that the range above
    stays one an index can serve (`submitted_at >= …`, not `… OR submitted_at IS NULL`)."""
    name, desc = fields[0]
    return not desc and values[0] is not None and queryset.model._meta.get_field(name).null


def _reversed(fields: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(name, not desc) for name, desc in fields]


def _ordering(fields: list[tuple[str, bool]]) -> list[str]:
    return [f"-{name}" if desc else name for name, desc in fields]


def keyset_page(
    queryset: QuerySet,
    *,
    order: Sequence[str],
    cursor: str | None,
    per_page: int,
    salt: str,
    count_cap: int | None = None,
) -> KeysetPage:
    """The page of `queryset` (already scoped and filtered) at `cursor` (None: the first),
    ordered by `order` — model fields whose last one is unique (the id).

    Two queries: the rows (one more than a page, to know whether there is a next one) and the
    capped count.
    """
    count_cap = COUNT_CAP if count_cap is None else count_cap
    fields = _fields(order)
    refused = False
    direction, values = FORWARD, None
    if cursor:
        try:
            direction, values = _decode(cursor, queryset, fields, salt)
        except BadCursor:
            refused = True
    going_back = direction == BACKWARD and values is not None
    walk = _reversed(fields) if going_back else fields
    rows = queryset.order_by(*_ordering(walk))
    if values is not None:
        rows = _after(rows, walk, values)
    found = list(rows[: per_page + 1])
    if values is not None and len(found) <= per_page and _nulls_follow(queryset, walk, values):
        nulls = queryset.filter(**{f"{walk[0][0]}__isnull": True}).order_by(*_ordering(walk))
        found += list(nulls[: per_page + 1 - len(found)])
    more = len(found) > per_page
    found = found[:per_page]
    if going_back:
        found.reverse()
        if len(found) < per_page:
            # Fewer than a page before the cursor (rows went away): the first page as it is now.
            return keyset_page(
                queryset, order=order, cursor=None, per_page=per_page, salt=salt,
                count_cap=count_cap,
            )  # fmt: skip
    count = capped_count(queryset, count_cap)
    has_next = bool(found) and (more or going_back)
    has_previous = bool(found) and (more if going_back else values is not None)
    return KeysetPage(
        object_list=found,
        next_cursor=cursor_after(found[-1], order=order, salt=salt) if has_next else None,
        previous_cursor=_encode(BACKWARD, _key_of(found[0], fields), salt)
        if has_previous
        else None,
        count=count,
        count_cap=count_cap,
        is_first=values is None or (going_back and not more),
        cursor_refused=refused,
    )


def page_for(request, queryset: QuerySet, *, order: Sequence[str], per_page: int, salt: str):
    """The page a list view shows: the request's cursor, and a word to the user when the
    cursor was refused (a link cut short or edited) and the first page is shown instead."""
    page = keyset_page(
        queryset,
        order=order,
        cursor=request.GET.get(CURSOR_PARAM),
        per_page=per_page,
        salt=salt,
    )
    if page.cursor_refused:
        messages.info(request, _("That page link is not valid any more: here is the first page."))
    return page


def query_without_cursor(request) -> str:
    """The request's query string (filters) without its cursor or page number."""
    query = request.GET.copy()
    query.pop(CURSOR_PARAM, None)
    query.pop("page", None)
    return query.urlencode()


def cursor_after(row, *, order: Sequence[str], salt: str) -> str:
    """The "next" cursor of a page ending at `row` (the bench starts deep pages from one)."""
    return _encode(FORWARD, _key_of(row, _fields(order)), salt)
