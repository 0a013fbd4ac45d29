"""The counts beside the menu's items on every page (open needs, applications waiting for a
decision), kept in the cache per association and counted again after a write that changes them
(decision 0032).

Counting an association's open needs on every staff page cost 28-34 ms at a million needs, most
of a page's SQL. A count is now read from the cache, keyed by its association and that
association's generation; every event recorded about a counted object (core.workflow) gives its
association a new generation once the transaction commits, so the next page counts again and a
user sees their own change at once. A reader that counted before the commit stores its count
under the old generation, where nobody looks any more. TIMEOUT bounds how long a count changed
outside the services (a script, a data repair) may show.

The apps register what they count (`register`); the navigation asks `count(name, ids)`.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar
from uuid import uuid4

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, models, transaction

from core import replica

TIMEOUT = 300  # seconds
T = TypeVar("T")


@dataclass(frozen=True)
class Counter:
    name: str
    model: type[models.Model]
    association_of: Callable[[models.Model], int | None]
    # The counts of the given associations, {association id: count} (missing ones are 0), in
    # one query.
    count: Callable[[list[int]], dict[int, int]]


_counters: dict[str, Counter] = {}


def register(name: str, *, model, association_of, count) -> None:
    _counters[name] = Counter(name, model, association_of, count)


def _generation_key(name: str, association_id: int) -> str:
    return f"badge:{name}:{association_id}:generation"


def count(name: str, association_ids: Iterable[int]) -> int:
    """The sum of the counter over the associations: from the cache, counting the missing ones
    in one query."""
    counter = _counters[name]
    ids = sorted(set(association_ids))
    if not ids:
        return 0
    generations = cache.get_many([_generation_key(name, a) for a in ids])
    keys = {a: f"badge:{name}:{a}:{generations.get(_generation_key(name, a), '0')}" for a in ids}
    found = cache.get_many(list(keys.values()))
    missing = [a for a, key in keys.items() if key not in found]
    # On the primary, even on a page that reads from the replica: a lagging replica's count
    # would be kept under the new generation for TIMEOUT, for every colleague.
    with replica.reads_on(DEFAULT_DB_ALIAS):
        counted = counter.count(missing) if missing else {}
    if missing:
        cache.set_many({keys[a]: counted.get(a, 0) for a in missing}, TIMEOUT)
    return sum(found.get(keys[a], counted.get(a, 0)) for a in ids)


def kept(name: str, association_ids: Iterable[int], what: str, compute: Callable[[], T]) -> T:
    """A value computed from what counter `name` counts in these associations (a home page's
    figures), kept like the counts: under the associations' generations, so that any write to
    a counted object of one of them computes it again on the next page. `what` names the value
    (and anything besides the associations it depends on, such as the day)."""
    ids = sorted(set(association_ids))
    generations = cache.get_many([_generation_key(name, a) for a in ids])
    marks = [(a, generations.get(_generation_key(name, a), "0")) for a in ids]
    digest = hashlib.sha256(repr((what, marks)).encode()).hexdigest()
    key = f"badge:{name}:kept:{digest}"
    found = cache.get(key)
    if found is None:
        # On the primary, as the counts are (a lagging replica's value would be kept).
        with replica.reads_on(DEFAULT_DB_ALIAS):
            found = compute()
        cache.set(key, found, TIMEOUT)
    return found


def touched(obj: models.Model) -> None:
    """`obj` was written: the counts of its association are counted again after the commit."""
    for counter in _counters.values():
        if not isinstance(obj, counter.model):
            continue
        association_id = counter.association_of(obj)
        if association_id is None:
            continue
        key = _generation_key(counter.name, association_id)
        # Now, for the rest of this transaction (and a test's, which never commits), and again
        # on commit: a count taken by another request before the commit is then left behind.
        _renew(key)
        transaction.on_commit(lambda key=key: _renew(key))


def _renew(key: str) -> None:
    cache.set(key, uuid4().hex, None)
