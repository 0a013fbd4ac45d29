"""Each role's home page: one module per role, each giving its template's context."""

from collections.abc import Callable

from core.models import User
from portal.dashboards import association, enterprise, jurisdiction, platform


def _partner(user: User) -> dict:
    return {}


# Each role's home page, by the role-table action that gives it (portal/access.py): the first
# the user holds is theirs.
DASHBOARDS: list[tuple[str, str, Callable[[User], dict]]] = [
    ("dashboard.platform", "portal/dashboard_admin.html", platform.context),
    ("dashboard.association", "portal/dashboard_staff.html", association.context),
    ("dashboard.jurisdiction", "portal/dashboard_official.html", jurisdiction.context),
    ("dashboard.enterprise", "portal/dashboard_enterprise.html", enterprise.context),
    ("dashboard.partner", "portal/dashboard_partner.html", _partner),
]
