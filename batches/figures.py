"""How resumption is counted: the one module that the progress pages, the progress API and the
demand reports read.

Two rates exist and they answer different questions, so each is named by what it divides by:

- **resumed ÷ eligible** (`RESUMED_OF_ELIGIBLE`): of the enterprises a batch (or an association's
  batches) is open to — active members inside its regions and industries — how many have resumed.
  Current statuses: the progress of a batch while it runs.
- **resumed ÷ members** (`RESUMED_OF_MEMBERS`): of the members active at a period's end, how many
  had resumed by then. The demand reports to government.

Enterprises are grouped by industry one way everywhere: the GB/T 4754 section of the enterprise's
industry (`section_of`): a division's parent, or the section itself when an enterprise was
registered with a section.

`progress` computes the figures of a batch (or of all an association's batches) by region or by
industry section, with the rate resumed ÷ eligible.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from associations.models import Membership
from batches.models import Application, Batch
from batches.services import eligible_enterprises
from core.models import Industry, Region
from core.workflow import status_at
from enterprises.models import Enterprise

A = Application.Status


@dataclass(frozen=True)
class Rate:
    key: str  # the name of the figure in API payloads and report data
    label: Promise  # what a person reads, saying what is divided by what
    numerator: str
    denominator: str

    def of(self, figures: dict) -> float | None:
        """The rate of a row of figures, None when the denominator is zero."""
        return fraction(figures[self.numerator], figures[self.denominator])

    def text(self, figures: dict) -> str | None:
        """The rate to four decimal places as text (report data, reproducible to the byte)."""
        return fraction_text(figures[self.numerator], figures[self.denominator])


RESUMED_OF_ELIGIBLE = Rate(
    "resumed_of_eligible", _("Resumption rate (resumed ÷ eligible)"), "resumed", "eligible"
)
RESUMED_OF_MEMBERS = Rate(
    "resumed_of_members", _("Resumption rate (resumed ÷ members)"), "resumed", "members"
)


# Rounding (docs/decisions/0002): a rate is rounded once, to four decimal places, half to even
# (GB/T 8170; Decimal's default): 1/32 = 0.0312. Every page, payload and download shows that
# value: as a fraction (0.0312) or as a percentage with two decimals (3.12%), never rounded again.
RATE_PLACES = Decimal("0.0001")


def fraction(numerator: int, denominator: int) -> float | None:
    text = fraction_text(numerator, denominator)
    return None if text is None else float(text)


def fraction_text(numerator: int, denominator: int) -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES))


def percent_text(rate) -> str:
    """A rate (a fraction to four places, as text, Decimal or float) as a percentage: 3.12%;
    empty for a rate that cannot be computed (None)."""
    if rate is None:
        return ""
    return f"{(Decimal(str(rate)) * 100).quantize(Decimal('0.01'))}%"


# --- as at a moment: statuses from the event log ---------------------------------------------
#
# docs/decisions/0002-needs-and-reports.md defines every figure; these are its "as at" rules. A
# status "at" a moment is the one the event log says the object had just before it
# (core.workflow.status_at): a change counts from the moment it was recorded, so a past period's
# figures stay as they were whatever happens afterwards.

MS = Membership.Status
APPROVED = (A.APPROVED, A.RESUMED)


def members_at(end, *, association_id: int | None = None) -> QuerySet:
    """The memberships active at the moment `end`: active in the event log just before it, or,
    for a membership with no status recorded before it, joined before its day (`joined_on`: a
    member that an association registered or imported with its join date, years before its row
    was written). A request never approved has no join date; a suspended member is not active."""
    # One lookup in the event log per membership: its status then, or, with none recorded yet,
    # "active" when it had joined before the day.
    joined_before = Case(
        When(joined_on__lt=timezone.localdate(end), then=Value(MS.ACTIVE.value)),
        default=Value(""),
    )
    members = Membership.objects.annotate(
        status_then=Coalesce(status_at(Membership, end), joined_before)
    ).filter(status_then=MS.ACTIVE)
    if association_id is not None:
        members = members.filter(association_id=association_id)
    return members


def applications_at(end, *, association_id: int | None = None) -> QuerySet:
    """Applications annotated with `status_then`, their status at the moment `end`, and
    `is_member`: whether their enterprise is a member at `end` (of `association_id`, or of any
    association when it is None)."""
    members = members_at(end, association_id=association_id)
    return Application.objects.annotate(
        status_then=status_at(Application, end),
        is_member=Exists(members.filter(enterprise_id=OuterRef("enterprise_id"))),
    )


def counts_at() -> dict:
    """Conditional aggregates over `applications_at`, counting enterprises once each: applied
    (handed in and not withdrawn), approved, `resumed` (resumed and a member: resumed ÷ members
    never exceeds 1) and `resumed_not_members` (resumed, no member at the moment)."""
    resumed = Q(status_then=A.RESUMED)
    return {
        "applied": Count(
            "enterprise", distinct=True, filter=Q(status_then__in=Application.APPLIED)
        ),
        "approved": Count("enterprise", distinct=True, filter=Q(status_then__in=APPROVED)),
        "resumed": Count("enterprise", distinct=True, filter=resumed & Q(is_member=True)),
        "resumed_not_members": Count(
            "enterprise", distinct=True, filter=resumed & Q(is_member=False)
        ),
    }


def returning_workers_at(applications: QuerySet, status: str = "status_then") -> QuerySet:
    """Of `applications`, the one whose returning workers count for each enterprise: its latest
    approval (by approval time, then id), the status read from `status` (`status_then` of
    `applications_at`, or `status`: now). An enterprise approved in two batches counts its
    workers once, as it planned them last."""
    approved = applications.filter(**{f"{status}__in": APPROVED})
    later = approved.filter(enterprise_id=OuterRef("enterprise_id")).filter(
        Q(decided_at__gt=OuterRef("decided_at"))
        | Q(decided_at=OuterRef("decided_at"), id__gt=OuterRef("id"))
    )
    return approved.filter(~Exists(later))


def section_of(prefix: str = ""):
    """The industry section (A–T) of an enterprise reached by `prefix` ("enterprise__" from an
    application or a need, "" from an enterprise)."""
    return Coalesce(f"{prefix}industry__parent_id", f"{prefix}industry_id")


# --- progress of batches --------------------------------------------------------------------

PATH_SEGMENT = 7  # "440000/": a region code and its slash in Region.path
COUNTS = (
    "applied",
    "applied_not_eligible",
    "approved",
    "rejected",
    "resumed",
    "resumed_not_eligible",
    "returning_workers",
)


def _counts() -> dict:
    """Conditional aggregates over applications (current statuses), counting enterprises once
    each, per group of `progress` (a region or section, and whether the enterprise is eligible
    now: `_add_counts` turns the two halves into the figures)."""

    def enterprises_with(*statuses):
        return Count("enterprise", distinct=True, filter=Q(status__in=statuses))

    return {
        "applied": enterprises_with(*Application.APPLIED),
        "approved": enterprises_with(*APPROVED),
        "rejected": enterprises_with(A.REJECTED),
        "resumed": enterprises_with(A.RESUMED),
    }


def _add_counts(into: dict, found: dict) -> None:
    """Add one group of `_counts` into a row's figures: `resumed` counts only eligible
    enterprises (so that resumed ÷ eligible never exceeds 1), `resumed_not_eligible` those
    that resumed and are no longer eligible, and `applied_not_eligible` those that applied and
    are no longer eligible (so that the follow-up figures below are exact). An enterprise is
    eligible or not, so it is counted in one of the two groups of its key."""
    for name in ("applied", "approved", "rejected"):
        into[name] += found[name]
    if found["eligible_now"]:
        into["resumed"] += found["resumed"]
    else:
        into["applied_not_eligible"] += found["applied"]
        into["resumed_not_eligible"] += found["resumed"]


def progress_scope(*, batch: Batch | None, association_id: int | None, within: Region | None):
    """The applications and the eligible enterprises the figures are about (the follow-up
    lists read the same two, so that a list and the figure it is linked from agree)."""
    if batch is not None:
        applications = Application.objects.filter(batch=batch)
        eligible = eligible_enterprises(batch, within=within)
    else:
        applications = Application.objects.filter(batch__association_id=association_id)
        eligible = Enterprise.objects.filter(
            memberships__association_id=association_id,
            memberships__status=Membership.Status.ACTIVE,
        )
        if within is not None:
            eligible = eligible.filter(region__path__startswith=within.path)
    if within is not None:
        applications = applications.filter(enterprise__region__path__startswith=within.path)
    return applications, eligible


def _with_rate(row: dict) -> dict:
    """`resumed_of_eligible`, and `rate` (the same figure: the progress pages' one rate); and
    the two figures behind the follow-up lists: `not_applied`, eligible enterprises that have
    handed in nothing (eligible − applied, less those applied that are no longer eligible),
    and `not_resumed`, enterprises approved and not resumed (approved − resumed, whether
    still eligible or not)."""
    row[RESUMED_OF_ELIGIBLE.key] = row["rate"] = RESUMED_OF_ELIGIBLE.of(row)
    row["not_applied"] = row["eligible"] - row["applied"] + row["applied_not_eligible"]
    row["not_resumed"] = row["approved"] - row["resumed"] - row["resumed_not_eligible"]
    return row


def progress(
    *,
    batch: Batch | None = None,
    association_id: int | None = None,
    by: str = "region",
    within: Region | None = None,
) -> dict:
    """Resumption progress of a batch (or of all an association's batches), broken down by region
    one level below `within` (provinces when it is None) or by industry section (`section_of`),
    with the rate resumed ÷ eligible (`RESUMED_OF_ELIGIBLE`).

    Two grouped queries (applications, eligible enterprises) and one for the names, whatever the
    number of rows (plus one for a batch's regions): the database adds up, Python only pairs
    the two results by key and adds the few rows into the totals.
    """
    applications, eligible = progress_scope(
        batch=batch, association_id=association_id, within=within
    )
    if by == "industry":
        application_key = section_of("enterprise__")
        eligible_key = section_of()
    else:
        length = len(within.path) + PATH_SEGMENT if within is not None else PATH_SEGMENT
        application_key = Substr("enterprise__region__path", 1, length)
        eligible_key = Substr("region__path", 1, length)
    # Whether each application's enterprise is eligible is asked once per row (a hashed subplan
    # of the eligible enterprises, computed once) and grouped by, not asked in each figure's
    # filter: that computed the 65,000 eligible enterprises four times (bench: 0.8 s -> 0.4 s).
    eligible_now = Case(
        When(enterprise__in=eligible.values("pk"), then=Value(True)), default=Value(False)
    )
    figures: dict[str, dict] = {}
    for found in (
        applications.annotate(key=application_key, eligible_now=eligible_now)
        .values("key", "eligible_now")
        .annotate(**_counts())
    ):
        _add_counts(figures.setdefault(found["key"], dict.fromkeys(COUNTS, 0)), found)
    workers = dict(
        returning_workers_at(applications, status="status")
        .annotate(key=application_key)
        .values("key")
        .annotate(n=Sum("returning_workers"))
        .values_list("key", "n")
    )
    # No DISTINCT needed (nor its sort): an enterprise has one membership per association
    # (unique_enterprise_association), one region and one industry, so it is one row here.
    eligible_counts = dict(
        eligible.annotate(key=eligible_key)
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    keys = sorted(set(figures) | set(eligible_counts))
    codes = {key: key.rstrip("/").rsplit("/", 1)[-1] if by != "industry" else key for key in keys}
    model = Industry if by == "industry" else Region
    names = {node.code: node for node in model.objects.filter(code__in=codes.values())}
    empty = dict.fromkeys(COUNTS, 0)
    rows = []
    for key in keys:
        row = {**empty, **figures.get(key, {}), "returning_workers": workers.get(key) or 0}
        row.pop("key", None)
        node = names.get(codes[key])
        row.update(
            code=codes[key],
            name=node.name if node else codes[key],
            drill=by != "industry" and node is not None and node.level != Region.Level.COUNTY,
            eligible=eligible_counts.get(key, 0),
        )
        rows.append(_with_rate(row))
    # Every enterprise falls in exactly one row (one region, one industry), so the totals are
    # the sums of the rows' counts: no second pass over the applications and the members.
    totals = _with_rate({name: sum(row[name] for row in rows) for name in (*COUNTS, "eligible")})
    return {"rows": rows, "totals": totals, "by": by, "within": within}
