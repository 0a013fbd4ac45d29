"""Who to chase behind the progress figures: the enterprises a batch (or all of an association's
batches) is still waiting for.

- `not_applied_list`: eligible enterprises that have handed in nothing — no application
  submitted, returned, approved, rejected or resumed (`Application.APPLIED`, the progress page's
  "applied"); a draft or a withdrawn application leaves an enterprise on the list. Its length is
  the progress row's `not_applied`: eligible − applied, less those who applied and are no longer
  eligible.
- `not_resumed_list`: enterprises with an application approved and none resumed, the one
  approved longest ago first; its length is the row's `not_resumed` (approved − resumed).

Both start from `batches.figures.progress_scope`, the very applications and eligible
enterprises the progress figures count, and keep what the user may see: staff and managers
their association's, officials (and partners bound to a jurisdiction) the enterprises inside
the jurisdiction, admins everything. See docs/decisions/0015-follow-up-lists.md.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from associations.models import Association
from associations.selectors import membership_list, my_association_list
from batches.figures import progress_scope
from batches.models import Application, Batch
from batches.selectors import batch_list
from core.access import scope_of
from core.collation import by_name
from core.models import Industry, Region
from enterprises.models import Enterprise

# The most rows a download holds; the page says so when a list is longer.
EXPORT_LIMIT = 20_000


@dataclass(frozen=True)
class Focus:
    """What a follow-up list is about: one association's batches, or one of them, inside a
    region's subtree and an industry (a section with its divisions, or one division)."""

    association: Association
    batch: Batch | None = None
    region: Region | None = None
    industry: Industry | None = None


def association_choices(*, user) -> QuerySet[Association]:
    """The associations whose lists the user may open (those of the progress page)."""
    return my_association_list(user=user).order_by("name", "id")


def batch_choices(*, user, association: Association) -> QuerySet[Batch]:
    return batch_list(user=user).filter(association=association).order_by("-opens_at", "-id")


def find_focus(
    *, user, association_id: int | None, batch_id: int | None
) -> tuple[Association, Batch | None] | None:
    """The association and batch a list is about, or None when either is not the user's to
    see (the page answers 404). A batch decides the association; a batch of another of the
    user's associations than the one asked for is dropped (the filter's association changed)."""
    batch = None
    if batch_id is not None:
        batch = batch_list(user=user).filter(pk=batch_id).first()
        if batch is None:
            return None
    associations = association_choices(user=user)
    if association_id is None:
        association = batch.association if batch else associations.first()
        return (association, batch) if association else None
    association = associations.filter(pk=association_id).first()
    if association is None:
        return None
    return association, batch if batch and batch.association_id == association.pk else None


def _visible(user, enterprises: QuerySet[Enterprise], association_id: int) -> QuerySet:
    """The enterprises of an association's list that `user` may see named: all of them for its
    staff side and admins, those inside the jurisdiction for a reader bound to one."""
    scope = scope_of(user)
    if scope.is_admin:
        return enterprises
    if scope.kind == "jurisdiction":
        return enterprises.filter(region__path__startswith=scope.jurisdiction_path)
    if scope.kind == "associations" and association_id in scope.association_ids:
        return enterprises
    return enterprises.none()


def in_industry(industry: Industry | None, prefix: str = "") -> Q:
    """An industry section with its divisions (and enterprises registered with the section
    itself, as `figures.section_of` groups them), or one division."""
    if industry is None:
        return Q()
    return Q(**{f"{prefix}industry_id": industry.code}) | Q(
        **{f"{prefix}industry__parent_id": industry.code}
    )


def _with_membership(user, enterprises: QuerySet, association_id: int) -> QuerySet:
    """`membership_id`: the enterprise's membership of the association, when the user may open
    its page (None otherwise)."""
    theirs = membership_list(user=user).filter(
        enterprise_id=OuterRef("pk"), association_id=association_id
    )
    return enterprises.annotate(membership_id=Subquery(theirs.values("pk")[:1]))


def not_applied_list(*, user, focus: Focus) -> QuerySet[Enterprise]:
    """Eligible enterprises with nothing handed in, by region then name; each with
    `last_status` (its draft or withdrawn application's status, None without one) and
    `membership_id`."""
    applications, eligible = progress_scope(
        batch=focus.batch, association_id=focus.association.pk, within=focus.region
    )
    theirs = applications.filter(enterprise_id=OuterRef("pk"))
    enterprises = (
        eligible.filter(in_industry(focus.industry))
        .filter(~Exists(theirs.filter(status__in=Application.APPLIED)))
        .annotate(last_status=Subquery(theirs.order_by("-created_at", "-id").values("status")[:1]))
        .select_related("region", "industry")
        .order_by("region__path", by_name("name"), "id")
    )
    enterprises = _with_membership(user, enterprises, focus.association.pk)
    return _visible(user, enterprises, focus.association.pk)


def not_resumed_list(*, user, focus: Focus) -> QuerySet[Enterprise]:
    """Enterprises with an application approved and none resumed, the approval longest ago
    first; each with the approval (`approved_at`, `planned_date`, `batch_name`,
    `application_id`) it has waited on longest, and `membership_id`."""
    applications, _eligible = progress_scope(
        batch=focus.batch, association_id=focus.association.pk, within=focus.region
    )
    waiting = applications.filter(
        enterprise_id=OuterRef("pk"), status=Application.Status.APPROVED
    ).order_by("decided_at", "id")
    resumed = applications.filter(enterprise_id=OuterRef("pk"), status=Application.Status.RESUMED)
    enterprises = (
        Enterprise.objects.filter(Exists(waiting), in_industry(focus.industry))
        .exclude(Exists(resumed))
        .annotate(
            approved_at=Subquery(waiting.values("decided_at")[:1]),
            planned_date=Subquery(waiting.values("planned_date")[:1]),
            batch_name=Subquery(waiting.values("batch__name")[:1]),
            application_id=Subquery(waiting.values("pk")[:1]),
        )
        .select_related("region", "industry")
        .order_by("approved_at", "id")
    )
    enterprises = _with_membership(user, enterprises, focus.association.pk)
    return _visible(user, enterprises, focus.association.pk)
