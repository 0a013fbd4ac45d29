"""Which home page and which links of the navigation each role gets.

The role table's rows for the top floor. The rest of the navigation reads the rows of the apps
whose pages it links to (`application.queue`, `need.queue`, `report.view`, …).
"""

from core.access import ASSOCIATION_PEOPLE, MANAGER, register
from core.models import Role

register(
    {
        # each role's home page (the first of these a user holds is theirs)
        "dashboard.platform": frozenset({Role.ADMIN}),
        "dashboard.association": frozenset({Role.STAFF, MANAGER}),
        "dashboard.jurisdiction": frozenset({Role.OFFICIAL}),
        "dashboard.enterprise": frozenset({Role.ENTERPRISE}),
        "dashboard.partner": frozenset({Role.PARTNER}),
        # a region's picture across associations, the drill-down of the jurisdiction's map
        "dashboard.region": frozenset({Role.OFFICIAL, Role.ADMIN}),
        # the progress overview in the navigation (partner systems read progress by the API)
        "progress.overview": ASSOCIATION_PEOPLE | {Role.OFFICIAL},
        # the directory of every enterprise in scope (staff have their members instead)
        "enterprise.directory": frozenset({Role.OFFICIAL, Role.ADMIN}),
        # the API's documentation in the navigation: for those who build on the API or help a
        # partner do so; enterprise users and officials work in the pages (the page stays open)
        "api_docs.menu": ASSOCIATION_PEOPLE | {Role.PARTNER, Role.ADMIN},
        # the administration site (/admin/)
        "admin_site.view": frozenset({Role.ADMIN}),
    }
)
