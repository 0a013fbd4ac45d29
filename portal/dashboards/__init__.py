"""Each role's home page: one module per role, each giving its template's context."""

from collections.abc import Callable

from django.http import QueryDict

from core.models import User
from portal.dashboards import association, enterprise, jurisdiction, kpis, platform


def _partner(user: User, query: QueryDict) -> dict:
    return {}


def _without_query(context: Callable[[User], dict]) -> Callable[[User, QueryDict], dict]:
    """A home page that takes nothing from the address."""
    return lambda user, query: context(user)


def _association(user: User, query: QueryDict) -> dict:
    """Staff: what needs them today, and their associations' key figures."""
    return {**association.context(user), "kpis": kpis.kpis(user)}


ENTERPRISE = enterprise.context

# Each role's home page, by the role-table action that gives it (portal/access.py): the first
# the user holds is theirs.
DASHBOARDS: list[tuple[str, str, Callable[[User, QueryDict], dict]]] = [
    ("dashboard.platform", "portal/dashboard_admin.html", platform.context),
    ("dashboard.association", "portal/dashboard_staff.html", _association),
    ("dashboard.jurisdiction", "portal/dashboard_official.html", jurisdiction.context),
    (
        "dashboard.enterprise",
        "portal/dashboard_enterprise.html",
        _without_query(enterprise.context),
    ),
    ("dashboard.partner", "portal/dashboard_partner.html", _partner),
]
