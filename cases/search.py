"""Search of the case library.

PostgreSQL: the words (cases.segment, search mode) go into a `simple` tsvector weighted title A >
summary B > the rest C, kept in `Case.search_vector` (GIN index); a query matches every one of its
words, ranked by ts_rank; titles and enterprise names are also matched by pg_trgm word similarity
(the `%>` operator on GIN trigram indexes), which catches a name typed with a character off.
SQLite (`make run`): the stored segmented text is searched with icontains. Snippets are cut
here, escaped, with the words marked (decision 0021).
"""

from functools import lru_cache

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cases.segment import query_words, words


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@lru_cache(maxsize=1)
def trigrams_work() -> bool:
    """Whether pg_trgm makes trigrams of Chinese characters here: it does not under
    LC_CTYPE=C (every non-ASCII byte is taken for a separator)."""
    if not is_postgresql():
        return False
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT show_trgm('共享用工')")
        except Exception:  # pg_trgm missing
            return False
        return bool(cursor.fetchone()[0])


def search_text(case) -> tuple[str, str, str]:
    """The segmented title, summary and rest of `case` (space-separated words)."""
    rest = " ".join((case.enterprise_name, case.problem, case.actions, case.results))
    return (" ".join(words(case.title)), " ".join(words(case.summary)), " ".join(words(rest)))


def fill(case) -> None:
    """Set the case's search columns (before its save)."""
    title, summary, rest = search_text(case)
    if is_postgresql():
        # The words live in the vector only: the row stays narrow, and a search visits fewer
        # pages.
        case.search_text = ""
        case.search_vector = (
            SearchVector(Value(title), weight="A", config="simple")
            + SearchVector(Value(summary), weight="B", config="simple")
            + SearchVector(Value(rest), weight="C", config="simple")
        )
    else:
        case.search_text = " ".join((title, summary, rest))
        case.search_vector = None


def _tsquery(terms: list[str]) -> SearchQuery:
    quoted = " & ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)
    return SearchQuery(quoted, search_type="raw", config="simple")


def ranking_words(terms: list[str]) -> list[str]:
    """The query's words that rank: those not part of another of its words. The search-mode cut
    adds a compound's parts (无接触配送 → 无接触 接触 配送), which every case holding the compound
    holds beside it; ts_rank weighs each pair of words by how close they stand, so the parts
    cost a lookup per pair and case (five words: ten pairs, 15 ms over 8,000 matches) and only
    add what the compound already gives. Matching still needs every word."""
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def search(queryset: QuerySet, text: str) -> QuerySet:
    """`queryset` narrowed to the cases matching `text`, best first."""
    text = (text or "").strip()[:200]
    terms = query_words(text)
    if not terms:
        return queryset if not text else queryset.filter(title__icontains=text)
    if not is_postgresql():
        matches = Q()
        for term in terms:
            matches &= Q(search_text__icontains=term)
        return queryset.filter(matches | Q(title__icontains=text)).order_by("-helped_count", "-id")
    query = _tsquery(terms)
    rank = SearchRank(F("search_vector"), _tsquery(ranking_words(terms)))
    if trigrams_work():
        # `%>`: word similarity at least pg_trgm.word_similarity_threshold (0.3, set at connect
        # time in settings), so that the trigram indexes answer it beside the full-text one.
        matches = (
            Q(search_vector=query)
            | Q(TrigramWordSimilar(F("title"), Value(text)))
            | Q(TrigramWordSimilar(F("enterprise_name"), Value(text)))
        )
    else:
        matches = (
            Q(search_vector=query) | Q(title__icontains=text) | Q(enterprise_name__icontains=text)
        )
    # Full-text matches by rank, then those matched by name only (rank 0), the newest first.
    return queryset.annotate(rank=rank).filter(matches).order_by(F("rank").desc(), "-id")


def ranked(found: QuerySet, *, offset: int, limit: int) -> tuple[list[int], int | None]:
    """The ids of `found` (a search: `search`'s queryset) from `offset`, `limit` of them in its
    order, and how many it found in all — from one query on PostgreSQL, which ranks every match
    anyway: the count is read beside the ranking (a window over the ranked ids) instead of
    finding the matches a second time. The count is None when no row is past `offset`."""
    if not is_postgresql() or "rank" not in found.query.annotations:
        ids = list(found.values_list("pk", flat=True)[offset : offset + limit])
        return ids, (found.count() if ids else None)
    sql, params = found.order_by().values_list("id", "rank").query.sql_with_params()
    # The matches are ranked in a subquery kept apart (OFFSET 0), so that the window counts
    # narrow (id, rank) rows; flattened, it would carry every match's search vector to the
    # ranking above it. The order is `search`'s: rank, then the newest first.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, COUNT(*) OVER () FROM ({sql} OFFSET 0) s "  # noqa: S608
            "ORDER BY s.rank DESC, s.id DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
    return [pk for pk, _found in rows], (rows[0][1] if rows else None)


def snippet(text: str, query: str, *, width: int = 80) -> SafeString:
    """An escaped excerpt of `text` around the first query word found, each found word wrapped in
    <mark>; the opening of `text` when none is found."""
    text = text or ""
    terms = sorted(query_words(query or ""), key=len, reverse=True)
    lower = text.lower()
    first = min((i for i in (lower.find(t) for t in terms) if i >= 0), default=-1)
    start = max(0, first - width // 4) if first >= 0 else 0
    piece = text[start : start + width]
    marked, i, low = [], 0, piece.lower()
    while i < len(piece):
        hit = next((t for t in terms if low.startswith(t, i)), None)
        if hit:
            marked.append("<mark>" + escape(piece[i : i + len(hit)]) + "</mark>")
            i += len(hit)
        else:
            marked.append(escape(piece[i]))
            i += 1
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + "".join(marked) + suffix)  # noqa: S308 — every piece escaped
