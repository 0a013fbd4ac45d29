"""The figures of a report, computed by grouped queries in PostgreSQL.

What each figure counts, as at when, and how it is rounded is defined once, in the table of
docs/decisions/0002-needs-and-reports.md; memberships and applications are read as at the end of
the period from the event log (batches.figures.members_at / applications_at).

Each section is one GROUP BY query (two where a figure lives in another table), whatever the
number of enterprises and needs: Python only pairs the grouped rows by key and looks up names.
The result is plain data (ints and strings, decimals as strings) that is stored as the report's
snapshot and rendered as tables, CSV, XLSX and PDF.

Rows are keyed by the region one level below the scope (provinces for the whole country, the
county itself for a county) and the industry section (A–T) of the enterprise. How resumption is
counted and grouped (the rate resumed ÷ members, the industry section) is batches.figures', the
vocabulary the progress pages share; the report data keeps the rate under its key `rate`, so
that reports already made read and download as they did.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.functional import cached_property

from associations.models import Association, Membership
from batches.figures import (
    APPROVED,
    RESUMED_OF_MEMBERS,
    applications_at,
    counts_at,
    members_at,
    returning_workers_at,
    section_of,
)
from batches.models import Application
from core.models import Event, Industry, Region
from core.workflow import status_at
from market.models import Complaint, HandOff
from relief.models import ReliefGrant, ReliefScheme
from reports.models import (
    ENTERPRISE_FIGURES,
    NEED_FIGURES_BY_KIND,
    NEED_KINDS,
    ROLLUP_FIGURES,
    Rollup,
    RollupDay,
)
from reports.periods import local_midnight, previous_period
from services.models import ServiceRequest
from supplies.models import Escalation, Match, Need, Placement, plain

PATH_SEGMENT = 7  # "440000/": one region code and its slash in Region.path
DAY = timedelta(days=1)
URGENT_LIMIT = 200  # the report (page, PDF, API) names at most this many urgent needs...
FILE_URGENT_LIMIT = 20_000  # ...and the CSV and XLSX downloads all of them, up to this many
A = Application.Status
N = Need.Status

PROGRESS_FIGURES = ENTERPRISE_FIGURES  # the same as a rollup's (reports.models)
NEED_FIGURES = (
    "new",
    "resolved",
    "open",
    "escalated",
    "overdue",
    "headcount_asked",
    "headcount_filled",
)
HEADLINE = (
    "members",
    "applied",
    "approved",
    "resumed",
    "resumed_not_members",
    "rate",
    "returning_workers",
    "new",
    "resolved",
    "open",
    "escalated",
    "overdue",
)

# Personal data that people may type into free text: mobile and landline numbers, ID numbers.
# The patterns read the text's NFKC form with every digit as an ASCII digit and invisible format
# characters left out (`_as_read`), so that full-width digits (１３８…), zero-width spaces and the
# like do not hide a number from them.
# Between two digits: spaces, or one separator (hyphens and dashes, dots, slashes, underscores)
# with spaces around it or not: 138 1234 5678, 138-1234-5678, 138.1234.5678, 138/1234/5678.
_SEP = r"\s{0,3}(?:[\-‐‑‒–—―−_./\\·・]\s{0,3})?"
# A number glued to letters is a model or order code (AB13812345678) unless the letters are a
# label that says what follows: tel13912345678, Mobile13912345678, ID44010619900101123X.
_LABELS = ("tel", "phone", "mobile", "mob", "cell", "fax", "call", "contact", "wechat", "weixin")
_LABELS += ("wx", "vx", "qq", "whatsapp", "sms", "id")
_START = "|".join(["(?<![0-9A-Za-z])", *(f"(?<={label})" for label in _LABELS)])
_PERSONAL = re.compile(
    rf"(?:{_START})(?:"
    # mobile numbers, with or without +86 / 0086 / 86 (in parentheses or not)
    rf"(?:(?:\+|00)?86\)?{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}"
    # landlines: an area code (in parentheses or not) and 7 or 8 digits
    rf"|\(?0\d{{2,3}}\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}"
    # resident identity card numbers (18 characters, or the old 15 digits)
    rf"|\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dX]|\d{{15}}"
    r")(?![\dX])",
    re.IGNORECASE,
)


def _as_read(text: str) -> tuple[str, list[int]]:
    """`text` as the patterns read it, and for each of its characters the index in `text` of the
    character it comes from: NFKC (full-width digits, letters and signs as ASCII), any decimal
    digit as its ASCII digit, invisible format and control characters left out (whitespace
    kept)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Cf") and not char.isspace():
            continue
        for part in unicodedata.normalize("NFKC", char):
            chars.append(str(unicodedata.decimal(part)) if part.isdecimal() else part)
            origins.append(index)
    return "".join(chars), origins


def mask_personal(text: str) -> str:
    """Phone and ID numbers people type into free text, masked but for their first three
    characters, however they are written (full-width digits, separators between the digits, a
    label glued to them). Masked in the text as written: everything else stays as it was
    (Chinese punctuation included), and so do the separators, so that the text still reads."""
    text = text or ""
    read, origins = _as_read(text)
    masked = list(text)
    for found in _PERSONAL.finditer(read):
        for position in range(found.start() + 3, found.end()):
            if read[position].isdecimal() or read[position] in "Xx":
                masked[origins[position]] = "*"
    return "".join(masked)


@dataclass(frozen=True)
class Scope:
    region: Region | None  # None: the whole country
    association: Association | None
    start: date
    end: date  # exclusive

    @property
    def association_id(self) -> int | None:
        return self.association.pk if self.association is not None else None

    @property
    def key_length(self) -> int:
        if self.region is None:
            return PATH_SEGMENT
        if self.region.level == Region.Level.COUNTY:
            return len(self.region.path)
        return len(self.region.path) + PATH_SEGMENT

    def enterprises(self, prefix: str) -> Q:
        """The enterprises (reached by `prefix`) inside the scope's region: by their own region
        column among the region's codes, which PostgreSQL estimates from that column's
        statistics (a province's 100 codes: its few thousand enterprises by index), where a
        join to the regions by path was estimated blindly and read the whole needs table for
        the smallest province."""
        if self.region is None:
            return Q()
        return Q(**{f"{prefix}region_id__in": self.region_codes})

    @cached_property
    def places(self) -> "_Places":
        """Where the scope's sections count an enterprise (read once for all of them)."""
        return _Places(self)

    @cached_property
    def region_codes(self) -> list[str]:
        return list(
            Region.objects.filter(path__startswith=self.region.path).values_list("code", flat=True)
        )

    def region_key(self, prefix: str):
        return Substr(f"{prefix}region__path", 1, self.key_length)


def _quantity(value) -> str:
    return plain(value) or "0"  # a sum over no rows is NULL


def _code_of(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1]


class _Places:
    """Where an enterprise is counted in a section's rows: its region one level below the scope
    and its industry section, worked out here from the enterprise's own region and industry
    codes. The large grouped queries group by those two columns and never join the region and
    industry tables: PostgreSQL cannot estimate how many rows an "as at" filter keeps, planned
    a handful, and joined the 3,219 regions to each row by a filter (2.5 s of a 2.7 s query
    for the largest association). Each enterprise has one region and one industry, so the
    finer groups add up exactly into the report's (`fold`)."""

    def __init__(self, scope: Scope):
        self.length = scope.key_length
        self.paths = dict(Region.objects.values_list("code", "path"))
        self.sections = {
            code: parent or code for code, parent in Industry.objects.values_list("code", "parent")
        }

    def of(self, region_code: str | None, industry_code: str | None) -> tuple:
        path = self.paths.get(region_code)
        region = _code_of(path[: self.length]) if path else region_code
        return region, self.sections.get(industry_code, industry_code)

    def fold(self, grouped, region: str, industry: str, keep: tuple[str, ...] = ()) -> dict:
        """{(*keep, region code, section): figures} from rows grouped by `keep` and an
        enterprise's region and industry columns: the figures of the rows in one place added
        up (a sum over no rows stays None only when it is None everywhere)."""
        folded: dict[tuple, dict] = {}
        for row in grouped:
            key = (
                *(row.pop(name) for name in keep),
                *self.of(row.pop(region), row.pop(industry)),
            )
            into = folded.get(key)
            if into is None:
                folded[key] = row
                continue
            for name, value in row.items():
                if value is not None:
                    into[name] = value if into[name] is None else into[name] + value
        return folded


# --- section 1: resumption progress -------------------------------------------------------


def _members(scope: Scope, end_day: date) -> QuerySet:
    """Memberships active at the end of the period (batches.figures.members_at)."""
    return members_at(local_midnight(end_day), association_id=scope.association_id).filter(
        scope.enterprises("enterprise__")
    )


def _applications(scope: Scope, end_day: date) -> QuerySet:
    """Applications handed in and not withdrawn at the end of the period, each knowing its
    status then and whether its enterprise was a member then (batches.figures.applications_at)."""
    applications = applications_at(local_midnight(end_day), association_id=scope.association_id)
    applications = applications.filter(
        scope.enterprises("enterprise__"), status_then__in=Application.APPLIED
    )
    if scope.association_id is not None:
        applications = applications.filter(batch__association_id=scope.association_id)
    return applications


def progress(scope: Scope, rolled: list[dict] | None = None) -> dict:
    """Resumption progress by region and industry section, as at the period's end: from the
    day's rollup rows when `rolled` holds them (`day_rollup`), else from the event log."""
    places = scope.places
    if rolled is not None:
        enterprises = (
            {"region": row["region_id"], "industry": row["industry_id"], **figures}
            for row in rolled
            if any(figures := {name: row[name] for name in PROGRESS_FIGURES})
        )
        return _progress_section(places.fold(enterprises, "region", "industry"))
    places_of = ("enterprise__region_id", "enterprise__industry_id")
    members = (
        _members(scope, scope.end)
        .values(*places_of)
        .annotate(members=Count("enterprise_id", distinct=True))
    )
    applications = _applications(scope, scope.end)
    counted = applications.values(*places_of).annotate(**counts_at())
    workers = (
        returning_workers_at(applications)
        .values(*places_of)
        .annotate(returning_workers=Sum("returning_workers"))
    )
    rows: dict[tuple, dict] = {}
    for source in (members, counted, workers):
        for key, found in places.fold(source, *places_of).items():
            rows.setdefault(key, dict.fromkeys(PROGRESS_FIGURES, 0)).update(found)
    return _progress_section(rows)


def _progress_section(rows: dict[tuple, dict]) -> dict:
    result = []
    for (region, section), figures in sorted(rows.items()):
        figures["rate"] = RESUMED_OF_MEMBERS.text(figures)
        result.append({"region": region, "section": section, **figures})
    return {"rows": result, "totals": _totals(result, PROGRESS_FIGURES)}


def _progress_totals(scope: Scope, end_day: date) -> dict:
    """The progress figures of the whole scope at the end of `end_day`'s eve (the previous
    period's headline)."""
    applications = _applications(scope, end_day)
    figures = {
        **_members(scope, end_day).aggregate(members=Count("enterprise_id", distinct=True)),
        **applications.aggregate(**counts_at()),
        **returning_workers_at(applications).aggregate(
            returning_workers=Coalesce(Sum("returning_workers"), 0)
        ),
    }
    figures["rate"] = RESUMED_OF_MEMBERS.text(figures)
    return figures


def _totals(rows: list[dict], names) -> dict:
    totals = {name: sum(row[name] for row in rows) for name in names}
    if "resumed" in totals:
        totals["rate"] = RESUMED_OF_MEMBERS.text(totals)
    return totals


# --- section 2: needs ---------------------------------------------------------------------


def _needs(scope: Scope) -> QuerySet:
    needs = Need.objects.filter(scope.enterprises("enterprise__"))
    if scope.association is not None:
        needs = needs.filter(association=scope.association)
    return needs


def _open_at(end) -> Q:
    return Q(closed_at__isnull=True) | Q(closed_at__gte=end)


def _escalated(**when) -> Q:
    """Needs put before government in that time. Need.escalated_at is the latest escalation
    only: a need escalated in the period and again after it was escalated in the period."""
    return Q(id__in=Escalation.objects.filter(**when).values("need_id"))


def _escalated_before(end) -> Q:
    """Needs put before government before `end`. Need.escalated_at is the latest escalation,
    so one before `end` says so at once; only a need escalated again since is looked up in its
    own escalations, by index. (As `_escalated`, a list of every escalation hashed before the
    scan, PostgreSQL read the whole needs table for the smallest region: 0.2 s instead of 4 ms.)"""
    earlier = Escalation.objects.filter(need=OuterRef("pk"), escalated_at__lt=end)
    return Q(escalated_at__lt=end) | Q(Exists(earlier), escalated_at__gte=end)


def _need_conditions(start_day: date, end_day: date) -> dict[str, Q]:
    """Which needs (filed before the end) each need figure counts (docs/decisions/0002)."""
    return need_conditions(local_midnight(start_day), local_midnight(end_day), end_day)


def need_conditions(start: datetime, end: datetime, end_day: date) -> dict[str, Q]:
    """The need figures between two moments, `end_day` being the day the end falls on (the
    daily rollups read today as at now, before its midnight)."""
    still_open = _open_at(end)
    return {
        "new": Q(created_at__gte=start),
        "resolved": Q(status=N.RESOLVED, closed_at__gte=start, closed_at__lt=end),
        "open": still_open,
        "escalated": _escalated(escalated_at__gte=start, escalated_at__lt=end),
        "overdue": still_open & Q(needed_by__lt=end_day),
    }


def _need_counts(start_day: date, end_day: date) -> dict:
    return {
        name: Count("id", filter=condition)
        for name, condition in _need_conditions(start_day, end_day).items()
    }


def needs(scope: Scope, rolled: list[dict] | None = None) -> dict:
    """Needs by kind, region and industry section: filed, resolved, open, escalated, overdue in
    the period and the headcounts asked and filled. Grouped by the enterprise's own region and
    industry columns and folded into the report's places (`_Places`); from the day's rollup
    rows when `rolled` holds them (`day_rollup`)."""
    places = scope.places
    if rolled is not None:
        return _needs_section(places.fold(_need_rows(rolled), "region", "industry", ("kind",)))
    start, end = local_midnight(scope.start), local_midnight(scope.end)
    places_of = ("enterprise__region_id", "enterprise__industry_id")
    grouped = (
        _needs(scope)
        .filter(created_at__lt=end)
        .values("kind", *places_of)
        .annotate(
            **_need_counts(scope.start, scope.end),
            headcount_asked=Coalesce(
                Sum("headcount", filter=Q(kind=Need.Kind.LABOUR, created_at__gte=start)), 0
            ),
        )
        .filter(Q(new__gt=0) | Q(open__gt=0) | Q(resolved__gt=0) | Q(escalated__gt=0))
    )
    filled_of = ("need__enterprise__region_id", "need__enterprise__industry_id")
    placements = (
        Placement.objects.filter(
            need__in=_needs(scope).filter(kind=Need.Kind.LABOUR),
            recorded_at__gte=start,
            recorded_at__lt=end,
        )
        .values(*filled_of)
        .annotate(filled=Sum("headcount"))
    )
    rows = {
        key: {**dict.fromkeys(NEED_FIGURES, 0), **found}
        for key, found in places.fold(grouped, *places_of, keep=("kind",)).items()
    }
    for (region, section), found in places.fold(placements, *filled_of).items():
        key = (Need.Kind.LABOUR.value, region, section)
        rows.setdefault(key, dict.fromkeys(NEED_FIGURES, 0))["headcount_filled"] = found["filled"]
    return _needs_section(rows)


def _needs_section(rows: dict[tuple, dict]) -> dict:
    result = [
        {
            "kind": kind,
            "region": region,
            "section": section,
            **{name: figures[name] for name in NEED_FIGURES},
        }
        for (kind, region, section), figures in sorted(rows.items())
    ]
    return {"rows": result, "totals": _totals(result, NEED_FIGURES)}


def _need_rows(rolled: list[dict]):
    """The rollup rows as the needs section's rows of each kind: those with a need filed,
    open, resolved or escalated, and the labour rows with workers placed (as `needs` keeps
    them); the headcounts are the labour rows'."""
    labour = Need.Kind.LABOUR.value
    for row in rolled:
        for kind in NEED_KINDS:
            figures = {name: row[f"{kind}_{name}"] for name in NEED_FIGURES_BY_KIND}
            asked = row["headcount_asked"] if kind == labour else 0
            filled = row["headcount_filled"] if kind == labour else 0
            if any(figures[name] for name in ("new", "open", "resolved", "escalated")) or filled:
                yield {
                    "kind": kind,
                    "region": row["region_id"],
                    "industry": row["industry_id"],
                    **figures,
                    "headcount_asked": asked,
                    "headcount_filled": filled,
                }


def supplies(scope: Scope) -> dict:
    """Supply quantities by item and unit: asked in the period, matched in the period."""
    start, end = local_midnight(scope.start), local_midnight(scope.end)
    asked = (
        _needs(scope)
        .filter(kind=Need.Kind.SUPPLY, created_at__gte=start, created_at__lt=end)
        .values("item__code", "unit")
        .annotate(requests=Count("id"), asked=Sum("quantity"))
    )
    matched = (
        Match.objects.filter(need__in=_needs(scope), matched_at__gte=start, matched_at__lt=end)
        .values(item__code=F("need__item__code"), unit=F("need__unit"))
        .annotate(matched=Sum("quantity"))
    )
    rows: dict[tuple, dict] = {}
    empty = {"requests": 0, "asked": Decimal("0"), "matched": Decimal("0")}
    for source in (asked, matched):
        for found in source:
            key = (found.pop("item__code"), found.pop("unit"))
            rows.setdefault(key, dict(empty)).update(found)
    return {
        "rows": [
            {
                "item": item,
                "unit": unit,
                "requests": figures["requests"],
                "asked": _quantity(figures["asked"]),
                "matched": _quantity(figures["matched"]),
            }
            for (item, unit), figures in sorted(rows.items())
        ]
    }


# --- section 5: support services and relief (docs/decisions/0019) -------------------------

SERVICE_FIGURES = ("requested", "resolved")
RELIEF_COUNTS = ("enterprises", "revoked_enterprises")
RELIEF_MONEY = ("granted", "revoked")
RELIEF_FIGURES = ("enterprises", "granted", "revoked_enterprises", "revoked")
CENT = Decimal("0.01")


def yuan(value) -> str:
    """An amount of money as the snapshot keeps it: text with exactly two decimal places (a sum
    over no rows is NULL: 0.00)."""
    return str((value or Decimal("0")).quantize(CENT))


def _service_requests(scope: Scope) -> QuerySet:
    requests = ServiceRequest.objects.filter(scope.enterprises("enterprise__"))
    if scope.association is not None:
        requests = requests.filter(association=scope.association)
    return requests


def _status_events(model, to_status: str, **when) -> QuerySet:
    """The events that moved the outer row of `model` to `to_status`, in that time."""
    return Event.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=OuterRef("pk"),
        to_status=to_status,
        **when,
    )


def service_conditions(start: datetime, end: datetime) -> dict[str, Q]:
    """Which requests (made before the end) each service figure counts: `requested` when made
    in the period, `resolved` when resolved for the first time in the period (its first move to
    resolved in the event log): a request reopened and resolved again is never counted again,
    in that period or a later one."""
    resolved = ServiceRequest.Status.RESOLVED
    return {
        "requested": Q(created_at__gte=start),
        "resolved": Q(
            Exists(_status_events(ServiceRequest, resolved, at__gte=start, at__lt=end)),
            ~Exists(_status_events(ServiceRequest, resolved, at__lt=start)),
        ),
    }


def services(scope: Scope) -> dict:
    """Support service requests by region and industry: made in the period, resolved (for the
    first time) in the period. One grouped query."""
    start, end = local_midnight(scope.start), local_midnight(scope.end)
    conditions = service_conditions(start, end)
    grouped = (
        _service_requests(scope)
        .filter(created_at__lt=end)
        .filter(conditions["requested"] | conditions["resolved"])
        .annotate(
            region=scope.region_key("enterprise__"),
            section=section_of("enterprise__"),
        )
        .values("region", "section")
        .annotate(**{name: Count("id", filter=condition) for name, condition in conditions.items()})
        .order_by("region", "section")
    )
    rows = [
        {
            "region": _code_of(found["region"]),
            "section": found["section"],
            **{name: found[name] for name in SERVICE_FIGURES},
        }
        for found in grouped
    ]
    return {"rows": rows, "totals": _totals(rows, SERVICE_FIGURES)}


def _grants(scope: Scope) -> QuerySet:
    grants = ReliefGrant.objects.filter(scope.enterprises("enterprise__"))
    if scope.association is not None:
        grants = grants.filter(scheme__association=scope.association)
    return grants


def relief(scope: Scope) -> dict:
    """Relief by scheme, region and industry: the grants held at the end (granted on or before
    it and not revoked by then, by their history) as distinct enterprises and yuan, and the
    grants revoked in the period, likewise. One grouped query; amounts summed in PostgreSQL as
    exact decimals."""
    start, end = local_midnight(scope.start), local_midnight(scope.end)
    G = ReliefGrant.Status
    held = Q(status_then=G.GRANTED)
    revoked = Q(revoked_in_period=True)
    grouped = (
        _grants(scope)
        .annotate(
            status_then=status_at(ReliefGrant, end),
            revoked_in_period=Exists(
                _status_events(ReliefGrant, G.REVOKED, at__gte=start, at__lt=end)
            ),
        )
        .filter(held | revoked)
        .annotate(
            region=scope.region_key("enterprise__"),
            section=section_of("enterprise__"),
        )
        .values("scheme_id", "region", "section")
        .annotate(
            enterprises=Count("enterprise_id", distinct=True, filter=held),
            granted=Sum("amount", filter=held),
            revoked_enterprises=Count("enterprise_id", distinct=True, filter=revoked),
            revoked=Sum("amount", filter=revoked),
        )
        .order_by("scheme_id", "region", "section")
    )
    rows = [
        {
            "scheme": str(found["scheme_id"]),
            "region": _code_of(found["region"]),
            "section": found["section"],
            "enterprises": found["enterprises"],
            "granted": yuan(found["granted"]),
            "revoked_enterprises": found["revoked_enterprises"],
            "revoked": yuan(found["revoked"]),
        }
        for found in grouped
    ]
    totals = {name: sum(row[name] for row in rows) for name in RELIEF_COUNTS}
    for name in RELIEF_MONEY:
        totals[name] = yuan(sum((Decimal(row[name]) for row in rows), Decimal("0")))
    return {"rows": rows, "totals": {name: totals[name] for name in RELIEF_FIGURES}}


# --- section 6: complaints about businesses (market order, docs/decisions/0022) ------------

COMPLAINT_FIGURES = ("new", "upheld", "handed_off")


def complaint_conditions(scope: Scope, start: datetime, end: datetime) -> dict[str, Q]:
    """Which complaints (filed before the end) each figure counts: `new` when filed in the
    period; `upheld` when first decided upheld in the period (its first move to upheld in the
    event log: upheld again after a reopening counts once); `handed_off` when handed to market
    regulation on a day of the period."""
    upheld = Complaint.Status.UPHELD
    return {
        "new": Q(created_at__gte=start),
        "upheld": Q(
            Exists(_status_events(Complaint, upheld, at__gte=start, at__lt=end)),
            ~Exists(_status_events(Complaint, upheld, at__lt=start)),
        ),
        "handed_off": Q(
            Exists(
                HandOff.objects.filter(
                    complaint=OuterRef("pk"),
                    handed_on__gte=scope.start,
                    handed_on__lt=scope.end,
                )
            )
        ),
    }


def complaints(scope: Scope) -> dict:
    """Complaints by category, the business's region and its industry section (blank for a
    business that is not a member): filed, upheld and handed to market regulation in the period.
    Counts only: no complainant, no business is named. One grouped query."""
    start, end = local_midnight(scope.start), local_midnight(scope.end)
    conditions = complaint_conditions(scope, start, end)
    found = Complaint.objects.filter(scope.enterprises("respondent_"), created_at__lt=end)
    if scope.association is not None:
        found = found.filter(association=scope.association)
    grouped = (
        found.filter(conditions["new"] | conditions["upheld"] | conditions["handed_off"])
        .annotate(
            region=scope.region_key("respondent_"),
            section=Coalesce(section_of("respondent__"), Value("")),
        )
        .values("category", "region", "section")
        .annotate(**{name: Count("id", filter=condition) for name, condition in conditions.items()})
        .order_by("category", "region", "section")
    )
    rows = [
        {
            "category": row["category"],
            "region": _code_of(row["region"]),
            "section": row["section"],
            **{name: row[name] for name in COMPLAINT_FIGURES},
        }
        for row in grouped
    ]
    return {"rows": rows, "totals": _totals(rows, COMPLAINT_FIGURES)}


# --- section 3: urgent and escalated needs still open at the end --------------------------


def urgent(scope: Scope, limit: int | None = None) -> dict:
    """The needs open at the end that are urgent (high, critical) or were escalated before it,
    most pressing first: at most `limit` (URGENT_LIMIT) of them, and how many there are."""
    limit = limit or URGENT_LIMIT
    end = local_midnight(scope.end)
    pressing = (
        _needs(scope)
        .filter(created_at__lt=end)
        .filter(_open_at(end))
        .filter(Q(urgency__in=(Need.Urgency.HIGH, Need.Urgency.CRITICAL)) | _escalated_before(end))
    )
    escalations = Prefetch(
        "escalations",
        queryset=Escalation.objects.filter(escalated_at__lt=end).order_by("escalated_at", "id"),
    )
    # How many there are, counted by the same query as the first of them (a window over all
    # before the limit): one pass over the scope's needs instead of two. That pass carries only
    # the keys and the order: the first `limit` are then read whole, with their enterprise and
    # item (a province's 100,000 pressing needs were otherwise joined and sorted whole).
    first = list(
        pressing.annotate(pressing_total=Window(Count("pk")))
        .order_by("rank_at", "id")
        .values_list("pk", "pressing_total")[:limit]
    )
    total = first[0][1] if first else 0
    listed = (
        Need.objects.filter(pk__in=[pk for pk, _total in first])
        .select_related("enterprise", "item")
        .prefetch_related(escalations)
        .order_by("rank_at", "id")
    )
    rows = []
    for need in listed:
        escalated = list(need.escalations.all())
        latest = escalated[-1] if escalated else None
        answered = latest is not None and latest.replied_at is not None and latest.replied_at < end
        rows.append(
            {
                "id": need.pk,
                "enterprise": need.enterprise.name,
                "region": need.enterprise.region_id,
                "kind": need.kind,
                "need": _need_parts(need),
                "urgency": need.urgency,
                "filed": timezone.localtime(need.created_at).date().isoformat(),
                "age_days": (scope.end - timezone.localtime(need.created_at).date()).days,
                "needed_by": need.needed_by.isoformat() if need.needed_by else None,
                "overdue": bool(need.needed_by and need.needed_by < scope.end),
                "escalated": latest is not None,
                "summary": mask_personal(latest.summary) if latest else "",
                "outcome": latest.outcome if answered else "",
                "reply": mask_personal(latest.reply) if answered else "",
            }
        )
    return {"rows": rows, "total": total}


def every_urgent(report) -> dict | None:
    """Every urgent need of `report`'s period (up to FILE_URGENT_LIMIT), as at its end, with the
    names its rows use, when the report's snapshot holds only the first of them; else None."""
    snapshot = report.data["urgent"]
    if snapshot["total"] <= len(snapshot["rows"]):
        return None
    every = urgent(scope_of(report), limit=FILE_URGENT_LIMIT)
    every["names"] = names({**report.data, "urgent": every})
    return every


def scope_of(report) -> Scope:
    return Scope(
        region=report.region,
        association=report.association,
        start=report.period_start,
        end=report.period_end,
    )


# --- what a figure counts, one by one ------------------------------------------------------

ENTERPRISE_LISTS = ("members", "applied", "approved", "resumed", "resumed_not_members")
NEED_LISTS = ("new", "resolved", "open", "escalated", "overdue")
LISTED = (*ENTERPRISE_LISTS, *NEED_LISTS)  # the figures with a list behind them


def behind(scope: Scope, figure: str) -> QuerySet:
    """The enterprises (for a progress figure) or needs (for a need figure) that `figure` counts
    for `scope`, as at the end of its period: the same conditions as the figure, so that the
    list is as long as the figure says."""
    from enterprises.models import Enterprise

    if figure in NEED_LISTS:
        conditions = _need_conditions(scope.start, scope.end)
        return (
            _needs(scope)
            .filter(created_at__lt=local_midnight(scope.end))
            .filter(conditions[figure])
            .select_related("enterprise", "enterprise__region", "item")
            .order_by("rank_at", "id")
        )
    if figure == "members":
        ids = _members(scope, scope.end).values("enterprise_id")
    elif figure in ENTERPRISE_LISTS:
        applications = _applications(scope, scope.end)
        applications = {
            "applied": applications,
            "approved": applications.filter(status_then__in=APPROVED),
            "resumed": applications.filter(status_then=A.RESUMED, is_member=True),
            "resumed_not_members": applications.filter(status_then=A.RESUMED, is_member=False),
        }[figure]
        ids = applications.values("enterprise_id")
    else:
        raise ValueError(f"No list behind {figure!r}")
    return (
        Enterprise.objects.filter(pk__in=ids)
        .select_related("region", "industry")
        .order_by("region_id", "name", "id")
    )


def _need_parts(need: Need) -> dict:
    """What is needed, as codes and numbers: the tables name them in the reader's language."""
    if need.kind == Need.Kind.SUPPLY:
        return {"item": need.item.code, "quantity": _quantity(need.quantity), "unit": need.unit}
    if need.kind == Need.Kind.LABOUR:
        return {"trade": mask_personal(need.trade), "headcount": need.headcount}
    return {
        "difficulty": need.difficulty_kind,
        "text": mask_personal(need.description)[:120],
    }


# --- section 4: change against the previous period ----------------------------------------


def headline(scope: Scope, progress_totals: dict, need_totals: dict) -> dict:
    previous_start, previous_end = previous_period_of(scope)
    previous = _day_totals(scope, previous_start) if scope.end - scope.start == DAY else None
    if previous is None:
        counts = _need_counts(previous_start, previous_end)
        earlier = (
            _needs(scope).filter(created_at__lt=local_midnight(previous_end)).aggregate(**counts)
        )
        previous = {**_progress_totals(scope, previous_end), **earlier}
    current = {**progress_totals, **need_totals}
    rows = []
    for name in HEADLINE:
        now, before = current.get(name), previous.get(name)
        if name == "rate":
            change = (
                str(Decimal(now) - Decimal(before))
                if now is not None and before is not None
                else None
            )
        else:
            change = now - before
        rows.append({"figure": name, "current": now, "previous": before, "change": change})
    return {
        "previous_start": previous_start.isoformat(),
        "previous_end": previous_end.isoformat(),
        "rows": rows,
    }


def _day_totals(scope: Scope, day: date) -> dict | None:
    """The headline's figures of the whole scope on `day`, from its rollup; None when the day
    was not rolled up to its end."""
    rolled = day_rollup(scope, day)
    if rolled is None:
        return None
    totals = {name: sum(row[name] for row in rolled) for name in PROGRESS_FIGURES}
    totals["rate"] = RESUMED_OF_MEMBERS.text(totals)
    for name in NEED_FIGURES_BY_KIND:
        totals[name] = sum(row[f"{kind}_{name}"] for row in rolled for kind in NEED_KINDS)
    return totals


def previous_period_of(scope: Scope) -> tuple[date, date]:
    days = (scope.end - scope.start).days
    period_type = "day" if days == 1 else "week" if days == 7 else "month"
    return previous_period(period_type, scope.start)


# --- the whole report ---------------------------------------------------------------------

SECTIONS = (
    "progress",
    "needs",
    "supplies",
    "services",
    "relief",
    "complaints",
    "urgent",
    "headline",
    "names",
)
# The steps the report page counts while the figures are computed (a step may hold more than one
# section): the progress a report shows is "done of len(STEPS)".
STEPS = (
    ("progress",),
    ("needs",),
    ("supplies",),
    ("services", "relief", "complaints"),
    ("urgent",),
    ("headline", "names"),
)


def day_rollup(scope: Scope, day: date) -> list[dict] | None:
    """The finest rollup rows of `day` inside the scope (its region's, its association's or
    those across associations), or None when the day was not rolled up after its end
    (reports.rollups: the same figures, by the same definitions, for each region × industry)."""
    rolled = RollupDay.objects.filter(day=day, complete=True).first()
    if rolled is None or _written_since(rolled.computed_at, day + DAY):
        return None
    rows = Rollup.objects.filter(
        day=day, industry__isnull=False, association_id=scope.association_id
    )
    if scope.region is not None:
        rows = rows.filter(region_id__in=scope.region_codes)
    # Added up into the report's places by PostgreSQL: a few hundred rows, not tens of
    # thousands (an enterprise has one region and one industry, so the sums are exact).
    grouped = (
        rows.values(place=scope.region_key(""), section=section_of(""))
        .annotate(**{name: Sum(name) for name in ROLLUP_FIGURES})
        .order_by()
    )
    return [
        {"region_id": _code_of(row.pop("place")), "industry_id": row.pop("section"), **row}
        for row in grouped
    ]


def _written_since(moment: datetime, day_end: date) -> bool:
    """Whether a row that a past day's figures read as it is now, not as at the day's end, was
    written after `moment`: a membership joined before the day's end (its join date counts it
    as a member before its row existed), an enterprise (its region and industry place it), an
    application or a need made before the day's end (an application's decision time picks the
    latest approval; a need's needed-by date, headcount, status and closing). Rows made after
    the day's end do not count in its figures. Then a rollup made before may no longer say
    what the tables say, and the report computes afresh. One look up an `updated_at` index
    each."""
    from enterprises.models import Enterprise

    end = local_midnight(day_end)
    written = (
        Membership.objects.filter(joined_on__lt=day_end),
        Enterprise.objects.filter(created_at__lt=end),
        Application.objects.filter(created_at__lt=end),
        Need.objects.filter(created_at__lt=end),
    )
    return any(rows.filter(updated_at__gt=moment).exists() for rows in written)


def compute(scope: Scope, on_step: Callable[[int, int], None] = lambda done, total: None) -> dict:
    """Every section of the report. A day's report reads its progress and needs sections, and
    the previous day's headline figures, from those days' rollups when they were made after the
    day's end (the beat makes yesterday's at 00:05, the reports at 06:00): what the event log
    and the needs would say then, added up already (docs/decisions/0030)."""
    total = len(STEPS)
    data: dict = {}
    rolled = day_rollup(scope, scope.start) if scope.end - scope.start == DAY else None
    data["progress"] = progress(scope, rolled)
    on_step(1, total)
    data["needs"] = needs(scope, rolled)
    on_step(2, total)
    data["supplies"] = supplies(scope)
    on_step(3, total)
    data["services"] = services(scope)
    data["relief"] = relief(scope)
    data["complaints"] = complaints(scope)
    on_step(4, total)
    data["urgent"] = urgent(scope)
    on_step(5, total)
    data["headline"] = headline(scope, data["progress"]["totals"], data["needs"]["totals"])
    data["names"] = names(data)
    on_step(6, total)
    return data


def names(data: dict) -> dict:
    """Chinese and English names of the regions, sections and items the rows name, and the
    relief schemes' names (as their association typed them), kinds and associations."""
    from supplies.models import SupplyItem

    grouped = [s for s in ("progress", "needs", "services", "relief", "complaints") if s in data]
    regions = {row["region"] for section in grouped for row in data[section]["rows"]}
    regions |= {row["region"] for row in data["urgent"]["rows"]}
    sections = {row["section"] for s in grouped for row in data[s]["rows"] if row["section"]}
    items = {row["item"] for row in data["supplies"]["rows"]}
    items |= {row["need"]["item"] for row in data["urgent"]["rows"] if "item" in row["need"]}
    result = {
        "regions": {
            r.code: [r.name_zh, r.name_en]
            for r in Region.objects.filter(code__in=regions).only("code", "name_zh", "name_en")
        },
        "sections": {
            i.code: [i.name_zh, i.name_en]
            for i in Industry.objects.filter(code__in=sections).only("code", "name_zh", "name_en")
        },
        "items": {
            i.code: [i.name_zh, i.name_en]
            for i in SupplyItem.objects.filter(code__in=items).only("code", "name_zh", "name_en")
        },
    }
    if "relief" in data:
        schemes = {row["scheme"] for row in data["relief"]["rows"]}
        result["schemes"] = {
            str(scheme.pk): {
                "name": scheme.name,
                "kind": scheme.kind,
                "association": scheme.association.name,
            }
            for scheme in ReliefScheme.objects.filter(pk__in=schemes).select_related("association")
        }
    return result
