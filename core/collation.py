"""Ordering names as a Chinese reader expects: by pinyin (安阳, 北京, 重庆, 张三), not by code
point, where the database can.

PostgreSQL built with ICU has the `zh-x-icu` collation, which orders Han characters by their
pinyin; a database without it (SQLite in `make run`, a PostgreSQL without ICU) orders by code
point as before.
"""

from functools import cache

from django.db import connection
from django.db.models import F, OrderBy
from django.db.models.functions import Collate
from django.utils.translation import get_language

PINYIN = "zh-x-icu"


@cache
def _has_pinyin(vendor: str, alias: str) -> bool:
    if vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [PINYIN])
        return cursor.fetchone() is not None


def by_name(field: str) -> OrderBy:
    """An ordering by a name field ("enterprise__name", or "-enterprise__name" for Z to A):
    by pinyin when the page is in Chinese and the database has the collation."""
    descending = field.startswith("-")
    name = F(field.lstrip("-"))
    language = get_language() or ""
    if language.startswith("zh") and _has_pinyin(connection.vendor, connection.alias):
        return OrderBy(Collate(name, PINYIN), descending=descending)
    return OrderBy(name, descending=descending)
