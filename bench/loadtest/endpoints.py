"""The portal's URLs that the simulated people ask for, by URL name (as `reverse` knows them).

Figures are reported per URL pattern (`/needs/<pk>/`), never per id, so that a thousand needs
opened make one line. Kept free of locust and Django imports: the test checks each template
against `reverse`, and the locustfile builds its requests from them.
"""

import string

# How many of each kind of simulated person, in proportion (locust's class weights).
WEIGHTS = {"enterprise": 4, "staff": 3, "official": 2, "partner": 1}

ENDPOINTS = {
    "login": "/login/",
    "dashboard": "/dashboard/",
    "dashboard-region": "/dashboard/region/{code}/",
    "need-list": "/needs/",
    "need-file": "/needs/new/{kind}/",
    "need-detail": "/needs/{pk}/",
    "need-queue": "/needs/queue/",
    "need-escalated": "/needs/escalated/",
    "batch-detail": "/batches/{pk}/",
    "application-new": "/batches/{pk}/apply/",
    "application-list": "/applications/",
    "application-detail": "/applications/{pk}/",
    "application-edit": "/applications/{pk}/edit/",
    "member-list": "/members/",
    "membership-detail": "/memberships/{pk}/",
    "report-list": "/reports/",
    "report-detail": "/reports/{pk}/",
    "report-download": "/reports/{pk}/download.{fmt}",
    "api:api-events": "/api/v1/events/",
    "api:supply-request-list": "/api/v1/supply-requests/",
    "api:enterprise-list": "/api/v1/enterprises/",
}


def fields(name: str) -> list[str]:
    """The parts of the URL that vary (`pk`, `kind`…)."""
    return [
        field for _text, field, _spec, _conv in string.Formatter().parse(ENDPOINTS[name]) if field
    ]


def path(name: str, **values) -> str:
    return ENDPOINTS[name].format(**values)


def label(name: str, suffix: str = "") -> str:
    """The name figures are reported under: the URL pattern, `/needs/<pk>/`."""
    pattern = ENDPOINTS[name].format(**{field: f"<{field}>" for field in fields(name)})
    return f"{pattern}{suffix}"
