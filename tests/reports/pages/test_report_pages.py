"""The report pages as people use them: association staff review, remark on and submit their
association's report and correct it as a new version; anyone entitled asks for a report and
watches it being made; officials see who reported for a period, on time or late."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from associations.models import Membership
from reports import services
from reports.models import Report
from reports.periods import local_midnight
from reports.tables import tables
from tests.factories import AssociationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Reports handed to Celery; nothing runs them unless a test calls services.generate."""
    from reports.tasks import generate_report

    handed: list[int] = []
    monkeypatch.setattr(generate_report, "delay", lambda report_id: handed.append(report_id))
    return handed


def _day(days_ago: int = 1):
    return timezone.localdate() - timedelta(days=days_ago)


def association_report(association, days_ago: int = 1, *, ready: bool = True) -> Report:
    report = services.ensure(
        region=None, association=association, period_type="day", start=_day(days_ago)
    )
    return services.generate(report.pk) if ready else report


def region_report(code: str, days_ago: int = 1, *, ready: bool = True) -> Report:
    from core.models import Region

    report = services.ensure(
        region=Region.objects.get(code=code),
        association=None,
        period_type="day",
        start=_day(days_ago),
    )
    return services.generate(report.pk) if ready else report


def listed(response) -> set[int]:
    return {report.pk for report in response.context["page"].object_list}


@pytest.fixture
def members_before(cast):
    """The cast's memberships as if made a week ago, so that yesterday's reports count them."""
    Membership.objects.update(created_at=timezone.now() - timedelta(days=7))


# --- the list and asking for a report -------------------------------------------------------


def test_report_list_shows_staff_only_their_associations_reports(cast, client, queued):
    own = association_report(cast.association)
    other = association_report(cast.other_association)
    national = services.generate(
        services.ensure(region=None, association=None, period_type="day", start=_day()).pk
    )
    client.force_login(cast.staff)
    response = client.get(reverse("report-list"))
    assert listed(response) == {own.pk}
    assert own.title in response.content.decode()
    assert other.title not in response.content.decode()
    assert national.pk not in listed(response)


def test_report_list_shows_officials_their_regions_and_only_submitted_association_reports(
    cast, client, queued
):
    guangdong = region_report("440000")
    zhejiang = region_report("330000")
    draft = association_report(cast.association)
    submitted = association_report(cast.association, days_ago=2)
    services.report_submit(actor=cast.staff, report_id=submitted.pk)
    client.force_login(cast.official)
    assert listed(client.get(reverse("report-list"))) == {guangdong.pk, submitted.pk}
    assert zhejiang.pk not in listed(client.get(reverse("report-list"), {"region": "330000"}))
    assert draft.pk not in listed(client.get(reverse("report-list"), {"status": "ready"}))


def test_report_list_filters_by_status_and_period(cast, client, queued):
    ready = association_report(cast.association, days_ago=1)
    submitted = association_report(cast.association, days_ago=2)
    services.report_submit(actor=cast.staff, report_id=submitted.pk)
    client.force_login(cast.staff)
    assert listed(client.get(reverse("report-list"), {"status": "submitted"})) == {submitted.pk}
    assert listed(client.get(reverse("report-list"), {"status": "ready"})) == {ready.pk}
    assert listed(client.get(reverse("report-list"), {"period_type": "week"})) == set()


def test_report_list_is_newest_period_first(cast, client, queued):
    older = association_report(cast.association, days_ago=3)
    newer = association_report(cast.association, days_ago=1)
    client.force_login(cast.staff)
    rows = list(client.get(reverse("report-list")).context["page"].object_list)
    assert [r.pk for r in rows] == [newer.pk, older.pk]


def test_staff_asking_for_a_report_creates_it_and_shows_its_progress(
    cast, client, queued, django_capture_on_commit_callbacks
):
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("report-request"), {"period_type": "day", "day": _day().isoformat()}
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report-detail", args=[report.pk])
    assert report.association == cast.association  # their only association, not typed
    assert report.status == Report.Status.QUEUED
    assert queued == [report.pk]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="report-progress"' in page
    assert "reports/report_progress.js" in page


def test_official_asks_for_a_report_on_a_city_in_their_jurisdiction(cast, client, queued):
    client.force_login(cast.official)
    form = client.get(reverse("report-list")).context["request_form"]
    assert form["region"].value() == "440000"  # their jurisdiction by default
    response = client.post(
        reverse("report-request"),
        {"period_type": "week", "day": _day(7).isoformat(), "region": "440100"},
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert (report.region_id, report.association, report.period_type) == ("440100", None, "week")


def test_asking_for_a_region_outside_the_jurisdiction_shows_the_error_on_the_field(
    cast, client, queued
):
    client.force_login(cast.official)
    response = client.post(
        reverse("report-request"),
        {"period_type": "day", "day": _day().isoformat(), "region": "330000"},
    )
    assert response.status_code == 400
    assert response.context["request_form"].errors["region"]
    assert "广东省" in response.content.decode()
    assert not Report.objects.exists()


def test_asking_for_a_period_that_has_not_ended_is_refused_on_the_day_field(cast, client, queued):
    client.force_login(cast.staff)
    response = client.post(
        reverse("report-request"),
        {"period_type": "month", "day": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert response.context["request_form"].errors["day"]
    assert not Report.objects.exists()


def test_asking_twice_gives_the_same_report(cast, client, queued):
    client.force_login(cast.staff)
    data = {"period_type": "day", "day": _day().isoformat()}
    first = client.post(reverse("report-request"), data)
    second = client.post(reverse("report-request"), data)
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1


# --- one report -----------------------------------------------------------------------------


def test_progress_json_follows_the_report_until_it_is_ready(cast, client, queued):
    report = association_report(cast.association, ready=False)
    client.force_login(cast.staff)
    url = reverse("report-progress", args=[report.pk])
    assert client.get(url).json() == {"status": "queued", "done": 0, "total": 6}
    services.generate(report.pk)
    assert client.get(url).json() == {"status": "ready", "done": 6, "total": 6}


def test_progress_of_another_associations_report_is_not_found(cast, client, queued):
    report = association_report(cast.other_association, ready=False)
    client.force_login(cast.staff)
    assert client.get(reverse("report-progress", args=[report.pk])).status_code == 404


def test_report_page_shows_every_table_the_chart_and_the_checksum(
    cast, client, queued, members_before
):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    for table in tables(report):
        assert table.title in page
    assert page.count('data-testid="report-table"') == len(tables(report)) - 1
    assert 'data-testid="headline"' in page  # the first table, beside its charts
    # a bar chart per unit: enterprises, needs, people
    assert page.count('data-testid="headline-chart"') == 3
    assert "<script" not in page  # nothing to poll, nothing fetched
    assert report.checksum in page[page.index('data-testid="about-report"') :]
    progress = tables(report)[1]
    assert progress.rows, "the cast member is counted"
    assert progress.rows[0][1] in page  # its industry section, named
    assert 'data-testid="downloads"' in page


def test_report_page_names_the_rate_by_what_it_divides_by(cast, client, queued, members_before):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    rates = page[page.index('data-testid="rates"') :]
    label = "Resumption rate (resumed ÷ members)"
    assert label in rates[: rates.index("</div>")]  # above the two bars
    assert page.count(label) >= 3  # and in the headline and progress tables


def test_report_page_of_a_queued_report_shows_no_tables_and_no_downloads(cast, client, queued):
    report = association_report(cast.association, ready=False)
    client.force_login(cast.staff)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-table"' not in page
    assert 'data-testid="downloads"' not in page
    assert "<svg" not in page


def test_staff_add_remarks_then_submit_and_the_form_is_gone(cast, client, queued):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    detail = reverse("report-detail", args=[report.pk])
    assert 'data-testid="remarks-form"' in client.get(detail).content.decode()

    client.post(
        reverse("report-remarks", args=[report.pk]),
        {"remarks": " 物流仍受限 ", "suggestions": "减免社保"},
    )
    report.refresh_from_db()
    assert (report.remarks, report.suggestions, report.status) == (
        "物流仍受限",
        "减免社保",
        "ready",
    )

    # Without the box that says what submitting does ticked, the remarks are kept, not sent.
    client.post(
        reverse("report-submit", args=[report.pk]),
        {"remarks": "物流仍受限，已协调", "suggestions": "减免社保"},
    )
    report.refresh_from_db()
    assert (report.status, report.remarks) == ("ready", "物流仍受限，已协调")

    response = client.post(
        reverse("report-submit", args=[report.pk]),
        {"remarks": "物流仍受限，已协调", "suggestions": "减免社保", "confirm": "yes"},
    )
    assert response["Location"] == detail
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert report.submitted_by == cast.staff
    assert report.remarks == "物流仍受限，已协调"

    page = client.get(detail).content.decode()
    assert 'data-testid="remarks-form"' not in page
    assert 'data-testid="submitted-note"' in page
    assert (cast.staff.get_full_name() or cast.staff.username) in page
    assert "物流仍受限，已协调" in page  # the remarks table


def test_a_second_submit_is_refused_and_changes_nothing(cast, client, queued):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    client.post(
        reverse("report-submit", args=[report.pk]),
        {"remarks": "first", "confirm": "yes"},
        follow=True,
    )
    submitted_at = Report.objects.get().submitted_at
    response = client.post(
        reverse("report-submit", args=[report.pk]),
        {"remarks": "second", "confirm": "yes"},
        follow=True,
    )
    report.refresh_from_db()
    assert (report.remarks, report.submitted_at) == ("first", submitted_at)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    again = client.post(reverse("report-remarks", args=[report.pk]), {"remarks": "third"})
    assert again.status_code == 302
    report.refresh_from_db()
    assert report.remarks == "first"


def test_revise_creates_version_2_and_both_versions_are_listed(
    cast, client, queued, django_capture_on_commit_callbacks
):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    client.post(reverse("report-submit", args=[report.pk]), {"remarks": "原稿", "confirm": "yes"})
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert 'data-testid="revise"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-revise", args=[report.pk]), {"reason": "数字有误"})
    revision = Report.objects.get(version=2)
    assert response["Location"] == reverse("report-detail", args=[revision.pk])
    assert queued[-1] == revision.pk
    services.generate(revision.pk)

    assert listed(client.get(reverse("report-list"))) == {report.pk, revision.pk}
    page = client.get(reverse("report-detail", args=[revision.pk])).content.decode()
    assert reverse("report-detail", args=[report.pk]) in page  # link to version 1
    assert 'data-testid="remarks-form"' in page and "原稿" in page
    old = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert 'data-testid="revise"' not in old  # correct the newest version, not this one


def test_officials_may_read_a_submitted_report_but_not_review_it(cast, client, queued):
    report = association_report(cast.association)
    services.report_submit(actor=cast.staff, report_id=report.pk)
    client.force_login(cast.official)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert 'data-testid="revise"' not in page
    assert client.post(reverse("report-revise", args=[report.pk])).status_code == 403


def test_other_associations_staff_do_not_find_the_report(cast, client, queued):
    report = association_report(cast.association)
    client.force_login(cast.other_staff)
    assert client.get(reverse("report-detail", args=[report.pk])).status_code == 404
    response = client.post(reverse("report-submit", args=[report.pk]))
    assert response.status_code == 404
    assert Report.objects.get().status == Report.Status.READY


# --- downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "starts"),
    [
        ("csv", "text/csv", None),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_downloads_have_the_right_content_type(cast, client, queued, fmt, content_type, starts):
    pytest.importorskip("reports.rendering", reason="reports/rendering.py is not written yet")
    report = association_report(cast.association)
    client.force_login(cast.staff)
    response = client.get(reverse("report-download", args=[report.pk, fmt]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert f'.{fmt}"' in response["Content-Disposition"]
    if starts:
        assert response.content.startswith(starts)


def test_downloading_a_report_that_is_not_ready_sends_back_to_its_page(cast, client, queued):
    report = association_report(cast.association, ready=False)
    client.force_login(cast.staff)
    response = client.get(reverse("report-download", args=[report.pk, "csv"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("report-detail", args=[report.pk])


def test_an_unknown_download_format_is_not_found(cast, client, queued):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    assert client.get(f"/reports/{report.pk}/download.docx").status_code == 404


# --- completeness ---------------------------------------------------------------------------


def test_completeness_shows_on_time_late_and_not_submitted(cast, client, queued):
    day = _day(3)
    late_one = AssociationFactory(name="深圳市物流协会", region_id="440300")
    silent = AssociationFactory(name="佛山市陶瓷商会", region_id="440600")
    on_time = association_report(cast.association, days_ago=3)
    late = association_report(late_one, days_ago=3)
    association_report(silent, days_ago=3)  # made, never submitted
    for report in (on_time, late):
        services.report_submit(actor=cast.admin, report_id=report.pk)
    due = local_midnight(day + timedelta(days=2))
    Report.objects.filter(pk=on_time.pk).update(submitted_at=due - timedelta(hours=3))
    Report.objects.filter(pk=late.pk).update(submitted_at=due + timedelta(hours=5))

    client.force_login(cast.official)
    response = client.get(
        reverse("report-completeness"), {"period_type": "day", "day": day.isoformat()}
    )
    found = response.context["found"]
    assert found["counts"] == {"on_time": 1, "late": 1, "not_submitted": 1}
    states = {row["association"].name: row["state"] for row in found["rows"]}
    assert states == {
        cast.association.name: "on_time",
        "深圳市物流协会": "late",
        "佛山市陶瓷商会": "not_submitted",
    }
    page = response.content.decode()
    assert cast.other_association.name not in page  # Zhejiang is not their jurisdiction
    assert page.count('data-state="on_time"') == 1
    assert page.count('data-state="not_submitted"') == 1
    assert reverse("report-detail", args=[on_time.pk]) in page  # submitted: they may open it
    unsent = Report.objects.get(association=silent)
    assert reverse("report-detail", args=[unsent.pk]) not in page  # a draft is not theirs
    assert response.context["submitted_rate"] == pytest.approx(200 / 3)
    assert response.context["on_time_rate"] == pytest.approx(100 / 3)


def test_completeness_defaults_to_yesterday(cast, client, queued):
    client.force_login(cast.official)
    found = client.get(reverse("report-completeness")).context["found"]
    assert (found["period_type"], found["start"]) == ("day", _day())


def test_completeness_is_for_officials_and_admins(cast, client):
    client.force_login(cast.staff)
    assert client.get(reverse("report-completeness")).status_code == 403


# --- navigation, dashboards, query counts ----------------------------------------------------


def test_staff_dashboard_counts_reports_waiting_for_review(cast, client, queued):
    association_report(cast.association, days_ago=1)
    submitted = association_report(cast.association, days_ago=2)
    services.report_submit(actor=cast.staff, report_id=submitted.pk)
    association_report(cast.other_association)
    client.force_login(cast.staff)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("report-list") in page
    waiting = page.split('data-testid="reports-waiting"')[1]
    assert '<span class="figure">1</span>' in waiting[:80]


def test_official_dashboard_shows_yesterdays_completeness(cast, client, queued):
    AssociationFactory(name="深圳市物流协会", region_id="440300")
    report = association_report(cast.association)
    services.report_submit(actor=cast.staff, report_id=report.pk)
    client.force_login(cast.official)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("report-completeness") in page
    figure = page.split('data-testid="reports-completeness"')[1]
    assert '<span class="figure">50%</span>' in figure[:80]


def test_list_page_takes_the_same_number_of_queries_for_more_reports(cast, client, queued):
    client.force_login(cast.official)
    region_report("440000", days_ago=1)
    region_report("440100", days_ago=1)
    url = reverse("report-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for days_ago in (2, 3, 4):
        region_report("440000", days_ago=days_ago)
        region_report("440300", days_ago=days_ago)
        report = association_report(cast.association, days_ago=days_ago)
        services.report_submit(actor=cast.staff, report_id=report.pk)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 11
    assert len(many) == len(few)


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_a_day_far_off_is_refused_on_the_form(cast, client, queued, day):
    client.force_login(cast.official)
    response = client.post(reverse("report-request"), {"period_type": "month", "day": day})
    assert response.status_code == 400
    assert response.context["request_form"].errors["day"]
    page = client.get(reverse("report-completeness"), {"period_type": "month", "day": day})
    assert page.status_code == 200
    assert page.context["form"].errors["day"]


def test_government_reads_a_submitted_report_without_the_names_of_the_association_s_staff(
    cast, client, monkeypatch
):
    from tests.reports.sample import quiet_tasks, submitted_report

    quiet_tasks(monkeypatch)
    cast.staff.first_name = "陈敏"
    cast.staff.save()
    report = submitted_report(cast)  # submitted by cast.staff

    client.force_login(cast.official)
    official_view = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    client.force_login(cast.staff)
    staff_view = client.get(reverse("report-detail", args=[report.pk])).content.decode()

    assert "陈敏" not in official_view and cast.staff.username not in official_view
    assert "陈敏" in staff_view


# --- the lists behind the figures ---------------------------------------------------------


def test_each_headline_figure_links_to_the_enterprises_or_needs_it_counts(
    cast, client, queued, members_before
):
    from tests.reports.sample import file_needs

    file_needs(cast)
    report = region_report("440000", days_ago=0)
    client.force_login(cast.official)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    members_url = reverse("report-figure", args=[report.pk, "members"])
    assert f'href="{members_url}"' in page
    assert page.count('data-testid="figure-link"') == 10  # every count but the workers

    client.cookies["django_language"] = "en"
    members = client.get(members_url)
    assert [e.name for e in members.context["page"]] == [cast.member.name]
    assert "Enterprises whose membership was active" in members.content.decode()
    new_url = reverse("report-figure", args=[report.pk, "new"])
    # the official: of the needs, those put before government
    assert [need.kind for need in client.get(new_url).context["page"]] == ["difficulty"]
    client.force_login(cast.admin)
    new = client.get(new_url)
    counted = {row["figure"]: row["current"] for row in report.data["headline"]["rows"]}
    assert new.context["page"].paginator.count == counted["new"] == 3
    assert {need.enterprise_id for need in new.context["page"]} == {cast.member.pk}


def test_the_lists_behind_figures_are_for_those_who_may_read_the_report(
    cast, client, queued, members_before
):
    report = region_report("440000", days_ago=0)
    url = reverse("report-figure", args=[report.pk, "members"])
    client.force_login(cast.other_official)  # Zhejiang's official
    assert client.get(url).status_code == 404
    client.force_login(cast.enterprise_user)
    assert client.get(url).status_code in (403, 404)
    client.force_login(cast.official)
    assert client.get(reverse("report-figure", args=[report.pk, "rate"])).status_code == 404
    assert client.get(url).status_code == 200


def test_government_lists_only_what_it_may_see_of_an_association_report(
    cast, client, queued, members_before
):
    """An association report covers its members wherever they are: Guangdong's official sees
    in its lists the members inside Guangdong only, and of the needs those put before
    government; the association's own staff see them all."""
    from tests.factories import EnterpriseFactory, MembershipFactory
    from tests.reports.sample import file_needs

    far = EnterpriseFactory(name="杭州远方贸易有限公司", region_id="330106")
    MembershipFactory(enterprise=far, association=cast.association)
    file_needs(cast)  # three needs of the cast member, one escalated
    report = association_report(cast.association, days_ago=0)
    services.report_submit(actor=cast.staff, report_id=report.pk)
    members_url = reverse("report-figure", args=[report.pk, "members"])
    new_url = reverse("report-figure", args=[report.pk, "new"])

    client.force_login(cast.staff)
    assert {e.name for e in client.get(members_url).context["page"]} == {
        cast.member.name,
        far.name,
    }
    assert client.get(new_url).context["page"].paginator.count == 3

    client.force_login(cast.official)
    members = client.get(members_url)
    assert [e.name for e in members.context["page"]] == [cast.member.name]
    assert far.name not in members.content.decode() and far.uscc not in members.content.decode()
    needs = client.get(new_url).context["page"]
    assert [need.kind for need in needs] == ["difficulty"]  # the escalated one


def test_remarks_refused_come_back_as_typed_with_the_error_at_their_field(cast, client, queued):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    too_long = "物" * 5001
    response = client.post(
        reverse("report-submit", args=[report.pk]),
        {"remarks": too_long, "suggestions": "减免社保", "confirm": "yes"},
    )
    report.refresh_from_db()
    assert (report.status, report.remarks) == (Report.Status.READY, "")
    assert response.status_code == 400
    form = response.context["remarks_form"]
    assert list(form.errors) == ["remarks"]
    page = response.content.decode()
    assert too_long in page and "减免社保" in page
    assert [m.level_tag for m in response.context["messages"]] == []


def test_a_refused_correction_keeps_what_was_typed(cast, client, queued):
    report = association_report(cast.association)
    client.force_login(cast.staff)
    client.post(reverse("report-submit", args=[report.pk]), {"remarks": "原稿", "confirm": "yes"})
    response = client.post(reverse("report-revise", args=[report.pk]), {"reason": "错" * 2001})
    assert response.status_code == 400
    assert Report.objects.count() == 1
    assert "reason" in response.context["revise_form"].errors
    assert 'value="' + "错" * 2001 + '"' in response.content.decode()


def test_the_tables_kept_between_visits_follow_the_remarks_and_the_reader_s_language(
    cast, client, queued
):
    """The tables below the headline are rendered once per report, state and language
    (reports.views._sections_html): remarks written since show at once, and a reader in
    English reads them in English."""
    report = association_report(cast.association)
    client.force_login(cast.staff)
    detail = reverse("report-detail", args=[report.pk])
    first = client.get(detail).content.decode()
    remarks = first.split('data-key="remarks"', 1)[1].split("</section>", 1)[0]
    assert "物流仍受限" not in remarks

    client.post(
        reverse("report-remarks", args=[report.pk]),
        {"remarks": "物流仍受限", "suggestions": "减免社保"},
    )
    again = client.get(detail).content.decode()
    remarks = again.split('data-key="remarks"', 1)[1].split("</section>", 1)[0]
    assert "物流仍受限" in remarks and "减免社保" in remarks

    client.cookies["django_language"] = "en"
    english = client.get(detail).content.decode()
    assert "Remarks and policy suggestions" in english
    assert "备注说明与政策建议" not in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(detail).content.decode()
    assert "备注说明与政策建议" in chinese
    assert "Remarks and policy suggestions" not in chinese
