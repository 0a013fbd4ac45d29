"""Who may do what to demand reports.

The role table's rows for this app, and the object rules beside them:

- **Seeing a report** (`visible`): administrators see every report; an association's side (its
  staff, managers, a partner bound to it) sees the association's reports, drafts included;
  government (officials, partners bound to a jurisdiction) sees the reports on regions inside its
  jurisdiction and the *submitted* reports of associations based there, on all their members (an
  association's report narrowed to a region is its own working copy).
- **Asking for a report** (`asks_on`, `check_request`): administrators on any scope, government on
  a region inside its jurisdiction, an association's side on one of its associations.
- **Reviewing** (`may_review`): the association's side of an association's report adds remarks
  while it is ready, submits it (unless it is narrowed to a region) and corrects its latest
  submitted version as a new version.
- **Downloading**: anyone who sees a report, once its figures are made.

`allowed_actions(user, report)` names what the user may do to a report they see, with the API's
action names; services refuse anything else (`refusal` says why), the page shows a button for
each, and the API's detail payload returns them.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Max, QuerySet, When
from django.utils.translation import gettext as _

from core.access import MANAGER, allowed, can, register, scope_of
from core.errors import Conflict, DomainError
from core.models import Role
from core.workflow import may_move, not_allowed
from reports.models import Report

register(
    {
        # the association's review and the officials' completeness
        "report.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
        "report.request": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
        "report.review": frozenset({Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN}),
        "report.completeness": frozenset({Role.OFFICIAL, Role.ADMIN}),
        # the daily rollups (GET /api/v1/rollups/), scoped as the reports are
        "rollup.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    }
)

S = Report.Status

# --- seeing -------------------------------------------------------------------------------


def _government_path():
    """Where a report lies in government's eyes: the region it is on, or, for an association's
    submitted report on all its members, the region the association is based in. None for what
    government does not see (an association's draft, or its report narrowed to a region)."""
    return Case(
        When(association__isnull=True, then=F("region__path")),
        When(region__isnull=True, status=S.SUBMITTED, then=F("association__region__path")),
        default=None,
    )


def visible(user, reports: QuerySet[Report]) -> QuerySet[Report]:
    """The reports of `reports` that `user` may see."""
    return scope_of(user).filter(
        reports.alias(government_path=_government_path()),
        association="association_id",
        region="government_path",
    )


# --- asking -------------------------------------------------------------------------------

ANY_SCOPE, REGIONS, ASSOCIATIONS = "any", "regions", "associations"


def asks_on(user) -> str:
    """What the user may ask a report on: any scope (administrators), regions of their
    jurisdiction (government), their associations (an association's side), or nothing ("")."""
    scope = scope_of(user)
    if scope.is_admin:
        return ANY_SCOPE
    if not can(user, "report.request"):
        return ""
    if scope.kind == "jurisdiction":
        return REGIONS
    if scope.kind == "associations":
        return ASSOCIATIONS
    return ""


def default_region(user):
    """The region a report is asked on when the request names no scope: government's
    jurisdiction (nothing for anyone else)."""
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return user.jurisdiction
    return None


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [message]})


def check_request(user, region, association) -> None:
    """Raise unless `user` may ask for a report on the region (None: the country) and the
    association (None: none): the error says which field is wrong."""
    kind = asks_on(user)
    if kind == ANY_SCOPE:
        return
    if kind == REGIONS:
        if association is not None:
            raise _field_error(
                "association", _("Officials ask for reports on regions, not on an association.")
            )
        if region is None or not scope_of(user).within_jurisdiction(region.path):
            raise _field_error(
                "region",
                _("Choose a region inside your jurisdiction (%(name)s).")
                % {"name": user.jurisdiction.name},
            )
        return
    if kind == ASSOCIATIONS:
        if association is None:
            raise _field_error("association", _("Say which of your associations."))
        if not scope_of(user).works_for(association.pk):
            raise PermissionDenied
        return
    raise PermissionDenied


# --- reviewing ----------------------------------------------------------------------------


def may_review(user, report: Report) -> bool:
    """The association's side of an association's report: its staff, managers, a partner bound
    to it, administrators. They also read its history (who did what is the association's own
    business: government reads the report, which names no person)."""
    return (
        report.association_id is not None
        and can(user, "report.review")
        and scope_of(user).works_for(report.association_id)
    )


def _is_narrowed(report: Report) -> bool:
    """An association's report narrowed to a region: for the association's own use, never sent
    to government."""
    return report.association_id is not None and report.region_id is not None


def newest_version(report: Report) -> int:
    """The highest version of the report's scope and period."""
    return Report.objects.filter(
        region_id=report.region_id,
        association_id=report.association_id,
        period_type=report.period_type,
        period_start=report.period_start,
    ).aggregate(newest=Max("version"))["newest"]


def _may_revise(report: Report) -> bool:
    return report.status == S.SUBMITTED and newest_version(report) == report.version


def allowed_actions(user, report: Report) -> list[str]:
    """What `user` may do to `report` (which they see), by the API's action names."""
    reviewer = may_review(user, report)
    return allowed(
        {
            "remarks": reviewer and report.status == S.READY,
            "submit": reviewer and not _is_narrowed(report) and may_move(report, S.SUBMITTED),
            "revise": reviewer and _may_revise(report),
            "download": report.status in Report.DONE,
        }
    )


def refusal(user, report: Report, action: str) -> Exception:
    """The error a service raises for an action not in `allowed_actions`: 403 for who may not
    review the report, 409 for what its status or version does not allow."""
    if action in ("remarks", "submit", "revise") and not may_review(user, report):
        return PermissionDenied()
    if action == "submit" and _is_narrowed(report):
        return Conflict(
            _(
                "Only the association's report on all its members goes to government; this one "
                "is narrowed to a region, for the association's own use."
            ),
            code="narrowed_report",
        )
    if action == "revise" and report.status == S.SUBMITTED:
        return Conflict(
            _("Version %(version)d of this report exists already; correct that one.")
            % {"version": newest_version(report)}
        )
    return not_allowed(report)


def check(user, report: Report, action: str) -> None:
    """Raise `refusal(...)` unless `action` is in `allowed_actions(user, report)`."""
    if action not in allowed_actions(user, report):
        raise refusal(user, report, action)


def completeness_scope(user, associations: QuerySet) -> QuerySet:
    """The associations whose reporting `user` follows: those based in their jurisdiction (all
    of them for administrators)."""
    return scope_of(user).filter(associations, region="region__path")


def figure_list_for(user, report: Report, listed: QuerySet, *, needs: bool) -> QuerySet:
    """What `user` may see of the enterprises or needs behind a figure of `report`: all of
    them for the association's side of its own report and for administrators; for government
    (an official, a partner bound to a jurisdiction) only those the portal shows them anywhere
    — the enterprises inside their jurisdiction, and of the needs only those put before
    government (an association's report covers its members wherever they are)."""
    if may_review(user, report) or scope_of(user).kind == "admin":
        return listed
    from enterprises.selectors import enterprise_list
    from supplies.selectors import need_list

    visible = need_list(user=user) if needs else enterprise_list(user=user)
    return listed.filter(pk__in=visible.values("pk"))
