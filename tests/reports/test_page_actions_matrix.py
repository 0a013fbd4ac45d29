"""The POST actions of the report pages, for each role of the cast: asking for a report, saving
remarks, submitting and correcting. Each row gives the status every role gets and the roles
whose post changes something; a post that is refused (403, 404, or a redirect with an error
message for what the report's status does not allow) changes nothing.

The GET side of the pages is in tests/reports/test_permissions_matrix.py."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reports.models import Report
from reports.periods import period_of
from tests.reports.sample import quiet_tasks, ready_report, submitted_report
from tests.test_permissions_matrix import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_tasks(monkeypatch):
    quiet_tasks(monkeypatch)


def _yesterday():
    return timezone.localdate() - timedelta(days=1)


def _yesterdays(**scope) -> Callable:
    """State: whether the report on yesterday for the scope exists."""

    def state(cast, report):
        start, _ = period_of("day", _yesterday())
        association = cast.association if scope.get("association") else None
        return Report.objects.filter(
            period_type="day",
            period_start=start,
            association=association,
            region_id=scope.get("region"),
        ).exists()

    return state


def _fields(*names: str) -> Callable:
    """State: the report's fields."""

    def state(cast, report):
        report.refresh_from_db()
        return tuple(getattr(report, name) for name in names)

    return state


def _versions(cast, report):
    """State: how many versions the report's scope and period have."""
    return Report.objects.filter(
        association_id=report.association_id,
        region_id=report.region_id,
        period_start=report.period_start,
    ).count()


@dataclass
class Row:
    what: str
    url: str  # "{pk}" is the row's report
    body: Callable[[object], dict]
    state: Callable  # (cast, report) -> a value compared before and after the post
    statuses: dict[str, int]  # by role, the rest get `default`
    default: int
    changes: frozenset[str]  # the roles whose post changes the state
    report: Callable | None = None  # (cast) -> the report the row acts on


# Sent to log in, or refused before anything is looked up.
NO_REPORTS = {"anonymous": 302, "enterprise_user": 403, "outsider": 403}
# The review is the association's side's: government may not, other staff do not see it.
NOT_REVIEWERS = NO_REPORTS | {"official": 403, "other_official": 403, "other_staff": 404}
REVIEWERS = frozenset({"staff", "manager", "partner", "admin"})


def _ready(cast):
    return ready_report(association=cast.association)


def _submitted(cast):
    return submitted_report(cast, weeks_ago=1)


def _narrowed(cast):
    return ready_report(association=cast.association, region_id="440100")


def _guangdong(cast):
    return ready_report(region_id="440000")


ROWS = [
    Row(
        "request the association's report",
        "/reports/request/",
        lambda cast: {
            "period_type": "day",
            "day": _yesterday().isoformat(),
            "association": cast.association.pk,
        },
        _yesterdays(association=True),
        # Government asks on its jurisdiction whatever is posted (its form has no association);
        # other staff may only pick their own association.
        NO_REPORTS | {"other_staff": 400},
        302,
        REVIEWERS,
    ),
    Row(
        "request Guangdong's report",
        "/reports/request/",
        lambda cast: {"period_type": "day", "day": _yesterday().isoformat(), "region": "440000"},
        _yesterdays(region="440000"),
        # Staff ask on their association whatever region is posted (their form has none);
        # Guangdong is outside the other official's jurisdiction.
        NO_REPORTS | {"other_official": 400},
        302,
        frozenset({"official", "admin"}),
    ),
    Row(
        "save remarks on a ready report",
        "/reports/{pk}/remarks/",
        lambda cast: {"remarks": "物流仍受限", "suggestions": "减免社保"},
        _fields("remarks", "suggestions"),
        NOT_REVIEWERS,
        302,
        REVIEWERS,
        _ready,
    ),
    Row(
        "save remarks on a submitted report",
        "/reports/{pk}/remarks/",
        lambda cast: {"remarks": "改一下"},
        _fields("remarks"),
        NOT_REVIEWERS,
        302,  # the page says why not
        frozenset(),
        _submitted,
    ),
    Row(
        "save remarks on a region's report",
        "/reports/{pk}/remarks/",
        lambda cast: {"remarks": "—"},
        _fields("remarks"),
        # Nobody reviews a report on a region; only government and admins see it.
        NOT_REVIEWERS | {"admin": 403},
        404,
        frozenset(),
        _guangdong,
    ),
    Row(
        "submit a ready report",
        "/reports/{pk}/submit/",
        lambda cast: {"remarks": "已协调", "confirm": "yes"},
        _fields("status", "remarks"),
        NOT_REVIEWERS,
        302,
        REVIEWERS,
        _ready,
    ),
    Row(
        "submit a submitted report again",
        "/reports/{pk}/submit/",
        lambda cast: {"remarks": "second", "confirm": "yes"},
        _fields("status", "remarks", "submitted_at"),
        NOT_REVIEWERS,
        302,
        frozenset(),
        _submitted,
    ),
    Row(
        "submit a report narrowed to a region",
        "/reports/{pk}/submit/",
        lambda cast: {},
        _fields("status"),
        NOT_REVIEWERS,
        302,
        frozenset(),
        _narrowed,
    ),
    Row(
        "correct a submitted report",
        "/reports/{pk}/revise/",
        lambda cast: {"reason": "数字有误"},
        _versions,
        NOT_REVIEWERS,
        302,
        REVIEWERS,
        _submitted,
    ),
    Row(
        "correct a report not submitted yet",
        "/reports/{pk}/revise/",
        lambda cast: {"reason": "数字有误"},
        _versions,
        NOT_REVIEWERS,
        302,
        frozenset(),
        _ready,
    ),
]


def _cases():
    for index, row in enumerate(ROWS):
        for role in ROLES:
            expected = row.statuses.get(role, row.default)
            changes = role in row.changes
            yield pytest.param(index, role, expected, changes, id=f"{role}-{row.what}")


@pytest.mark.parametrize(("row", "role", "expected", "changes"), list(_cases()))
def test_page_post(cast, row, role, expected, changes):
    row = ROWS[row]
    report = row.report(cast) if row.report else None
    url = row.url.format(pk=report.pk if report else "")
    before = row.state(cast, report)
    client = Client()
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    response = client.post(url, row.body(cast))
    assert response.status_code == expected
    after = row.state(cast, report)
    if changes:
        assert after != before, "an allowed post changed nothing"
    else:
        assert after == before, "a refused post changed something"


def test_every_post_of_the_report_pages_has_rows():
    """A POST page added to reports/urls.py needs its rows here."""
    from reports.urls import urlpatterns

    posts = {"report-request", "report-remarks", "report-submit", "report-revise"}
    views = {pattern.name for pattern in urlpatterns}
    # the other pages are read with GET (tests/reports/test_permissions_matrix.py)
    assert views - posts == {
        "report-list",
        "report-completeness",
        "report-detail",
        "report-progress",
        "report-download",
        "report-figure",
    }
    covered = {row.url.split("/")[-2] for row in ROWS}
    assert covered == {"request", "remarks", "submit", "revise"}
