"""Ordering names as a Chinese reader expects: by pinyin (安阳, 北京, 重庆, 张三), not by code
point, where the database can.

PostgreSQL built with ICU has the `zh-x-icu` collation, which orders Han characters by their
pinyin; a database without it (SQLite in `make run`, a PostgreSQL without ICU) orders by code
point as before.
"""

from functools import cache

from django.db import connection
from django.db.models import F, OrderBy, Value
from django.db.models.functions import Collate, Concat
from django.utils.translation import get_language

PINYIN = "zh-x-icu"


@cache
def _has_pinyin(vendor: str, alias: str) -> bool:
    if vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [PINYIN])
        return cursor.fetchone() is not None


def by_name(field: str, *, walk_index: bool = True) -> OrderBy:
    """An ordering by a name field ("enterprise__name", or "-enterprise__name" for Z to A):
    by pinyin when the page is in Chinese and the database has the collation.

    `walk_index=False` orders the same way by an expression no index covers, so that the rows
    are found by the other conditions and then sorted. For a list narrowed to a region: names
    begin with their city (广州市…), so the matching rows are bunched in the name index, and
    PostgreSQL, which takes them for spread evenly, walked 280,000 other enterprises' names to
    find a page of a city's members in the national set (0.7 s; sorted: milliseconds)."""
    descending = field.startswith("-")
    name = F(field.lstrip("-"))
    if not walk_index:
        name = Concat(name, Value(""))
    language = get_language() or ""
    if language.startswith("zh") and _has_pinyin(connection.vendor, connection.alias):
        return OrderBy(Collate(name, PINYIN), descending=descending)
    return OrderBy(name, descending=descending)
