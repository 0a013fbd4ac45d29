"""Members through the REST API, as a partner system relies on them: registering and claiming
enterprises, the membership workflow, list filters, constant query counts and the spreadsheet
import."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from stdnum.cn import uscc as stdnum_uscc

from associations.models import Association, AssociationUser, Membership
from core.models import User
from enterprises.models import Enterprise, EnterpriseClaim, ImportJob
from members.tasks import run_import_job
from tests.factories import EnterpriseFactory, MembershipFactory, api_token, valid_uscc

pytestmark = pytest.mark.django_db

Status = Membership.Status


def client_for(user) -> APIClient:
    """A partner's view: each request authenticated by `user`'s token (so the account is read
    afresh every time, as in production), asking for English messages."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def uscc_with_letters() -> str:
    """A valid credit code with letters in it (so that its case matters)."""
    body = "91440106MA" + valid_uscc()[10:17]
    return body + stdnum_uscc.calc_check_digit(body)


def with_wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def enterprise_body(**overrides) -> dict:
    body = {
        "name": "广州新星电子有限公司",
        "uscc": valid_uscc(),
        "region": "440106",
        "industry": "39",
        "size": "small",
        "employees": 25,
        "contact_name": "李四",
        "contact_phone": "13800138000",
    }
    return body | overrides


def membership_of(enterprise, association) -> Membership:
    return Membership.objects.get(enterprise=enterprise, association=association)


# --- registering enterprises --------------------------------------------------------------


def test_staff_register_an_enterprise_as_an_active_member_of_their_association(cast):
    code = uscc_with_letters()
    client = client_for(cast.staff)

    response = client.post("/api/v1/enterprises/", enterprise_body(uscc=f" {code.lower()} "))

    assert response.status_code == 201, response.json()
    enterprise_id = response.json()["id"]
    memberships = client.get("/api/v1/memberships/", {"enterprise": enterprise_id}).json()
    assert memberships["count"] == 1
    [membership] = memberships["results"]
    assert membership["association"] == cast.association.pk
    assert membership["status"] == "active"
    stored = Enterprise.objects.get(pk=enterprise_id)
    assert stored.uscc == code
    assert stored.contact_phone == "+8613800138000"
    assert response.json()["uscc"] == code
    assert response.json()["contact_phone"] == "+8613800138000"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uscc", with_wrong_check_character(valid_uscc()), "check character"),
        ("region", "440000", "county-level"),
        ("region", "999999", "Unknown region code"),
        ("industry", "C", "division"),
        ("contact_phone", "12345", "phone number"),
    ],
    ids=["uscc-check-character", "region-province", "region-unknown", "industry-section", "phone"],
)
def test_a_bad_value_answers_400_naming_the_field(cast, field, value, message):
    before = Enterprise.objects.count()

    response = client_for(cast.staff).post(
        "/api/v1/enterprises/", enterprise_body(**{field: value})
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert list(body["fields"]) == [field]
    assert message in " ".join(body["fields"][field])
    assert Enterprise.objects.count() == before


def test_a_taken_credit_code_says_to_add_or_claim_the_enterprise_instead(cast):
    before = Enterprise.objects.count()

    response = client_for(cast.staff).post(
        "/api/v1/enterprises/", enterprise_body(uscc=cast.member.uscc.lower())
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "uscc_taken"
    [message] = body["fields"]["uscc"]
    assert "already registered" in message
    assert "member" in message and "claim" in message
    assert Enterprise.objects.count() == before


def test_a_user_without_one_association_must_say_which_association(cast):
    AssociationUser.objects.create(user=cast.staff, association=cast.other_association)
    client = client_for(cast.staff)

    refused = client.post("/api/v1/enterprises/", enterprise_body())
    assert refused.status_code == 400
    assert "association" in refused.json()["fields"]

    accepted = client.post(
        "/api/v1/enterprises/", enterprise_body(association=cast.other_association.pk)
    )
    assert accepted.status_code == 201
    enterprise = Enterprise.objects.get(pk=accepted.json()["id"])
    assert membership_of(enterprise, cast.other_association).status == Status.ACTIVE


def test_enterprise_user_registers_their_enterprise_and_acts_for_it(cast):
    client = client_for(cast.outsider)

    response = client.post("/api/v1/enterprises/", enterprise_body())

    assert response.status_code == 201
    enterprise_id = response.json()["id"]
    assert client.get("/api/v1/me/").json()["enterprise"] == enterprise_id
    assert client.get(f"/api/v1/enterprises/{enterprise_id}/").status_code == 200
    assert not Membership.objects.filter(enterprise_id=enterprise_id).exists()


def test_registering_with_an_association_asks_to_join_it(cast):
    client = client_for(cast.outsider)

    response = client.post("/api/v1/enterprises/", enterprise_body(association=cast.association.pk))

    assert response.status_code == 201
    memberships = client.get("/api/v1/memberships/").json()["results"]
    assert [(m["association"], m["status"]) for m in memberships] == [
        (cast.association.pk, "pending")
    ]


def test_an_enterprise_user_already_acting_for_one_cannot_register_another(cast):
    before = Enterprise.objects.count()

    response = client_for(cast.enterprise_user).post("/api/v1/enterprises/", enterprise_body())

    assert response.status_code == 409
    assert Enterprise.objects.count() == before


# --- claims -------------------------------------------------------------------------------


def claim_decided_through_the_api(cast, enterprise, decider) -> None:
    """The outsider claims `enterprise`; `decider` finds the claim in their list and approves
    it; the outsider then acts for the enterprise."""
    outsider = client_for(cast.outsider)
    decides = client_for(decider)

    claimed = outsider.post("/api/v1/enterprises/claim/", {"uscc": enterprise.uscc})
    assert claimed.status_code == 201
    assert claimed.json()["status"] == "pending"
    claim_id = claimed.json()["id"]
    assert outsider.get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 404

    listed = decides.get("/api/v1/enterprise-claims/").json()["results"]
    assert [(c["id"], c["user"], c["status"]) for c in listed] == [
        (claim_id, "outsider", "pending")
    ]
    approved = decides.post(f"/api/v1/enterprise-claims/{claim_id}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"

    assert outsider.get("/api/v1/me/").json()["enterprise"] == enterprise.pk
    assert outsider.get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 200


def test_a_claim_approved_by_staff_links_the_claimant_to_a_member_without_users(cast):
    # No users of its own: its association's staff decide claims on it.
    enterprise = EnterpriseFactory()
    MembershipFactory(enterprise=enterprise, association=cast.association)

    claim_decided_through_the_api(cast, enterprise, cast.staff)


def test_a_claim_approved_by_the_enterprise_s_own_user_links_the_claimant_to_it(cast):
    # The cast member has a user: they, not its association's staff, decide claims on it.
    claim_decided_through_the_api(cast, cast.member, cast.enterprise_user)


def test_staff_may_not_decide_a_claim_on_an_enterprise_that_has_its_own_users(cast):
    claim_id = (
        client_for(cast.outsider)
        .post("/api/v1/enterprises/claim/", {"uscc": cast.member.uscc})
        .json()["id"]
    )

    approved = client_for(cast.staff).post(f"/api/v1/enterprise-claims/{claim_id}/approve/")

    assert approved.status_code == 403
    assert EnterpriseClaim.objects.get(pk=claim_id).status == EnterpriseClaim.Status.PENDING
    assert User.objects.get(pk=cast.outsider.pk).enterprise_id is None


def test_rejecting_a_claim_needs_a_reason_and_leaves_the_claimant_unlinked(cast):
    claim_id = (
        client_for(cast.outsider)
        .post("/api/v1/enterprises/claim/", {"uscc": cast.member.uscc})
        .json()["id"]
    )
    # The enterprise's own user decides claims on it.
    decides = client_for(cast.enterprise_user)

    without_reason = decides.post(f"/api/v1/enterprise-claims/{claim_id}/reject/", {"reason": " "})
    assert without_reason.status_code == 400
    assert "reason" in without_reason.json()["fields"]
    assert EnterpriseClaim.objects.get(pk=claim_id).status == EnterpriseClaim.Status.PENDING

    rejected = decides.post(
        f"/api/v1/enterprise-claims/{claim_id}/reject/", {"reason": "营业执照信息不符"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert User.objects.get(pk=cast.outsider.pk).enterprise_id is None


def test_claiming_an_unregistered_credit_code_says_to_register_instead(cast):
    response = client_for(cast.outsider).post("/api/v1/enterprises/claim/", {"uscc": valid_uscc()})

    assert response.status_code == 400
    assert "register" in response.json()["fields"]["uscc"][0]
    assert not EnterpriseClaim.objects.exists()


# --- the membership workflow --------------------------------------------------------------


@pytest.fixture
def join_request(cast) -> int:
    """The cast member asks to join the other association (through the API)."""
    response = client_for(cast.enterprise_user).post(
        "/api/v1/memberships/", {"association": cast.other_association.pk, "note": "希望加入"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    return response.json()["id"]


def test_staff_of_the_association_approve_a_join_request(cast, join_request):
    staff = client_for(cast.other_staff)

    approved = staff.post(
        f"/api/v1/memberships/{join_request}/approve/", {"member_number": "ZJ-0007"}
    )

    assert approved.status_code == 200
    assert approved.json()["status"] == "active"
    assert approved.json()["member_number"] == "ZJ-0007"
    assert approved.json()["joined_on"]
    seen_by_enterprise = client_for(cast.enterprise_user).get(
        f"/api/v1/memberships/{join_request}/"
    )
    assert seen_by_enterprise.json()["status"] == "active"


def test_approving_twice_answers_409_with_the_current_status(cast, join_request):
    staff = client_for(cast.other_staff)
    staff.post(f"/api/v1/memberships/{join_request}/approve/")

    again = staff.post(f"/api/v1/memberships/{join_request}/approve/")

    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "transition_not_allowed"
    assert body["current_status"] == "active"
    assert body["detail"]


def test_rejecting_a_join_request_needs_a_reason(cast, join_request):
    staff = client_for(cast.other_staff)

    without_reason = staff.post(f"/api/v1/memberships/{join_request}/reject/", {})
    assert without_reason.status_code == 400
    assert list(without_reason.json()["fields"]) == ["reason"]
    assert Membership.objects.get(pk=join_request).status == Status.PENDING

    rejected = staff.post(f"/api/v1/memberships/{join_request}/reject/", {"reason": "不符合章程"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"


def test_a_suspended_membership_can_be_reinstated(cast):
    membership = membership_of(cast.member, cast.association)
    staff = client_for(cast.staff)

    without_reason = staff.post(f"/api/v1/memberships/{membership.pk}/suspend/", {})
    assert without_reason.status_code == 400
    assert "reason" in without_reason.json()["fields"]

    suspended = staff.post(f"/api/v1/memberships/{membership.pk}/suspend/", {"reason": "欠缴会费"})
    assert suspended.json()["status"] == "suspended"
    assert (
        staff.post(f"/api/v1/memberships/{membership.pk}/suspend/", {"reason": "再次"}).json()[
            "current_status"
        ]
        == "suspended"
    )

    reinstated = staff.post(f"/api/v1/memberships/{membership.pk}/reinstate/", {})
    assert reinstated.status_code == 200
    assert reinstated.json()["status"] == "active"


def test_an_enterprise_user_may_leave_an_association(cast):
    membership = membership_of(cast.member, cast.association)

    left = client_for(cast.enterprise_user).post(
        f"/api/v1/memberships/{membership.pk}/leave/", {"reason": "业务调整"}
    )

    assert left.status_code == 200
    assert left.json()["status"] == "left"
    assert left.json()["left_on"]


def test_an_enterprise_user_may_not_decide_their_own_request(cast, join_request):
    response = client_for(cast.enterprise_user).post(f"/api/v1/memberships/{join_request}/approve/")

    assert response.status_code == 403
    assert Membership.objects.get(pk=join_request).status == Status.PENDING


def test_history_lists_every_change_with_who_and_why_oldest_first(cast, join_request):
    staff = client_for(cast.other_staff)
    url = f"/api/v1/memberships/{join_request}"
    staff.post(f"{url}/approve/")
    staff.post(f"{url}/suspend/", {"reason": "欠缴会费"})
    staff.post(f"{url}/reinstate/", {"reason": "已补缴"})
    client_for(cast.enterprise_user).post(f"{url}/leave/", {"reason": "业务调整"})

    history = client_for(cast.enterprise_user).get(f"{url}/history/")

    # Read from outside the association: people by name and role, never by login name
    # (tests/members/test_history_privacy.py); these accounts have no full name.
    assert history.status_code == 200
    assert [
        (row["from_status"], row["to_status"], row["actor"], row["reason"])
        for row in history.json()
    ] == [
        ("", "pending", "Enterprise user", "希望加入"),
        ("pending", "active", "Association staff", ""),
        ("active", "suspended", "Association staff", "欠缴会费"),
        ("suspended", "active", "Association staff", "已补缴"),
        ("active", "left", "Enterprise user", "业务调整"),
    ]
    times = [row["at"] for row in history.json()]
    assert times == sorted(times)


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def members(cast) -> dict[str, Enterprise]:
    """Four members of the cast association and the other association's member, each telling
    filters apart: region, industry, size, membership status, employees and change time."""
    shenzhen = EnterpriseFactory(
        name="深圳宏图精密机械有限公司",
        region_id="440305",
        industry_id="34",  # general equipment (section C)
        size=Enterprise.Size.MEDIUM,
        employees=300,
    )
    wholesaler = EnterpriseFactory(
        name="广州天河批发商行",
        region_id="440106",
        industry_id="51",  # wholesale (section F)
        size=Enterprise.Size.MICRO,
        employees=5,
    )
    MembershipFactory(enterprise=shenzhen, association=cast.association)
    MembershipFactory(enterprise=wholesaler, association=cast.association, status=Status.SUSPENDED)
    Enterprise.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Membership.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Enterprise.objects.filter(pk=shenzhen.pk).update(updated_at=datetime(2020, 3, 1, tzinfo=UTC))
    Membership.objects.filter(enterprise=shenzhen).update(
        updated_at=datetime(2020, 3, 1, tzinfo=UTC)
    )
    return {
        "guangzhou": cast.member,
        "hangzhou": cast.other_member,
        "shenzhen": shenzhen,
        "wholesaler": wholesaler,
    }


def _named(members: dict[str, Enterprise], ids) -> set[str]:
    by_id = {enterprise.pk: name for name, enterprise in members.items()}
    return {by_id[pk] for pk in ids}


def enterprises_found(cast, members, **params) -> set[str]:
    response = client_for(cast.admin).get("/api/v1/enterprises/", params)
    assert response.status_code == 200, response.json()
    return _named(members, [row["id"] for row in response.json()["results"]])


def memberships_found(cast, members, **params) -> set[str]:
    response = client_for(cast.admin).get("/api/v1/memberships/", params)
    assert response.status_code == 200, response.json()
    return _named(members, [row["enterprise"] for row in response.json()["results"]])


@pytest.mark.parametrize("found", [enterprises_found, memberships_found])
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "440000"}, {"guangzhou", "shenzhen", "wholesaler"}),
        ({"region": "440100"}, {"guangzhou", "wholesaler"}),
        ({"region": "440106"}, {"guangzhou", "wholesaler"}),
        ({"industry": "C"}, {"guangzhou", "shenzhen", "hangzhou"}),
        ({"industry": "c"}, {"guangzhou", "shenzhen", "hangzhou"}),
        ({"industry": "39"}, {"guangzhou"}),
        ({"size": "medium"}, {"shenzhen"}),
        ({"status": "suspended"}, {"wholesaler"}),
        ({"status": "active"}, {"guangzhou", "shenzhen", "hangzhou"}),
        ({"search": "华兴"}, {"guangzhou"}),
        ({"search": "精密"}, {"shenzhen"}),
        ({"updated_since": "2020-02-01T00:00:00+08:00"}, {"shenzhen"}),
        ({"region": "440000", "industry": "C", "status": "active"}, {"guangzhou", "shenzhen"}),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else None
    ),
)
def test_lists_filter_by_codes_status_search_and_time(cast, members, found, params, expected):
    assert found(cast, members, **params) == expected


@pytest.mark.parametrize("found", [enterprises_found, memberships_found])
def test_lists_filter_by_association(cast, members, found):
    assert found(cast, members, association=cast.other_association.pk) == {"hangzhou"}
    assert found(cast, members, association=cast.association.pk) == {
        "guangzhou",
        "shenzhen",
        "wholesaler",
    }
    both = found(cast, members, association=cast.association.pk, status="active")
    assert both == {"guangzhou", "shenzhen"}


@pytest.mark.parametrize("found", [enterprises_found, memberships_found])
def test_search_by_credit_code_prefix(cast, members, found):
    shenzhen = members["shenzhen"]
    Enterprise.objects.filter(pk=shenzhen.pk).update(uscc=uscc_with_letters())
    prefix = Enterprise.objects.get(pk=shenzhen.pk).uscc[:12]

    assert found(cast, members, search=prefix.lower()) == {"shenzhen"}


@pytest.mark.parametrize("path", ["/api/v1/enterprises/", "/api/v1/memberships/"])
@pytest.mark.parametrize("code", ["4401", "999999"])
def test_an_unknown_region_code_in_a_filter_answers_400(cast, path, code):
    response = client_for(cast.staff).get(path, {"region": code})

    assert response.status_code == 400
    assert "Unknown region code" in response.json()["fields"]["region"][0]


def test_enterprises_order_by_employees(cast, members):
    response = client_for(cast.admin).get("/api/v1/enterprises/", {"ordering": "-employees"})

    rows = response.json()["results"]
    assert rows[0]["id"] == members["shenzhen"].pk
    assert rows[-1]["id"] == members["wholesaler"].pk
    employees = [row["employees"] for row in rows]
    assert employees == sorted(employees, reverse=True)


def test_memberships_order_by_enterprise_name(cast, members):
    response = client_for(cast.admin).get("/api/v1/memberships/", {"ordering": "-enterprise__name"})

    names = [row["enterprise_name"] for row in response.json()["results"]]
    assert len(names) == 4
    assert names == sorted(names, reverse=True)


def test_filtering_by_an_enterprise_out_of_scope_looks_like_one_that_does_not_exist(cast):
    client = client_for(cast.other_staff)
    missing = Enterprise.objects.order_by("-pk").first().pk + 1000

    out_of_scope = client.get("/api/v1/memberships/", {"enterprise": cast.member.pk})
    nonexistent = client.get("/api/v1/memberships/", {"enterprise": missing})

    assert (out_of_scope.status_code, out_of_scope.json()) == (
        nonexistent.status_code,
        nonexistent.json(),
    )


def test_filtering_by_an_association_that_does_not_exist_finds_nothing(cast):
    missing = Association.objects.order_by("-pk").first().pk + 1000
    response = client_for(cast.admin).get("/api/v1/enterprises/", {"association": missing})

    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- query counts -------------------------------------------------------------------------


@pytest.fixture
def sixty_members(cast):
    for n in range(60):
        enterprise = EnterpriseFactory(region_id="440106", employees=n)
        MembershipFactory(enterprise=enterprise, association=cast.association)


def queries_for(user, path: str, page_size: int) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(queries)


@pytest.mark.parametrize("path", ["/api/v1/enterprises/", "/api/v1/memberships/"])
@pytest.mark.parametrize("role", ["staff", "official", "partner", "admin"])
def test_a_list_runs_the_same_queries_for_5_or_50_rows(cast, sixty_members, path, role):
    user = cast.by_role(role)

    assert queries_for(user, path, 5) == queries_for(user, path, 50)


# --- the spreadsheet import ---------------------------------------------------------------

IMPORT_COLUMNS = [
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "size",
    "employees",
    "contact_name",
    "contact_phone",
]


def import_row(n: int, **overrides) -> dict:
    row = {
        "uscc": valid_uscc(),
        "name": f"广州第{n}精密制造有限公司",
        "region_code": "440106",
        "industry_code": "39",
        "size": "small",
        "employees": "45",
        "contact_name": "陈敏",
        "contact_phone": "13800138000",
    }
    return row | overrides


def spreadsheet(rows: list[dict], name: str = "members.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def upload(user, file, **data):
    return client_for(user).post(
        "/api/v1/enterprises/import/", {"file": file, **data}, format="multipart"
    )


def test_a_small_import_answers_at_once_with_created_and_updated(cast):
    # A member the association registered, with no users of its own: it keeps its record.
    kept = EnterpriseFactory()
    MembershipFactory(enterprise=kept, association=cast.association)
    new = import_row(1)
    existing = import_row(2, uscc=kept.uscc, name="广州华兴电子科技有限公司")

    response = upload(cast.staff, spreadsheet([new, existing]))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["created"], body["updated"], body["invited"]) == (
        "succeeded",
        1,
        1,
        0,
    )
    created = Enterprise.objects.get(uscc=new["uscc"])
    assert created.registered_by_id == cast.association.pk
    assert membership_of(created, cast.association).status == Status.ACTIVE
    assert Enterprise.objects.get(pk=kept.pk).name == "广州华兴电子科技有限公司"


def test_an_import_with_a_bad_row_writes_nothing_and_names_row_and_column(cast):
    good = import_row(1)
    bad = import_row(2, uscc=with_wrong_check_character(valid_uscc()))
    before = Enterprise.objects.count()

    response = upload(cast.staff, spreadsheet([good, bad]))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_file"
    assert body["detail"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "uscc")]
    assert "check character" in body["errors"][0]["message"]
    assert Enterprise.objects.count() == before
    assert not Enterprise.objects.filter(uscc=good["uscc"]).exists()


def test_an_import_refuses_a_pdf(cast):
    pdf = SimpleUploadedFile("members.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf")

    response = upload(cast.staff, pdf)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"
    assert ".csv" in response.json()["detail"]
    assert not ImportJob.objects.filter(status=ImportJob.Status.SUCCEEDED).exists()


def test_a_large_import_is_queued_and_can_be_polled(
    cast, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    queued = []
    monkeypatch.setattr(run_import_job, "delay", queued.append)
    rows = [import_row(n) for n in range(1, 6)]

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(cast.staff, spreadsheet(rows))

    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "pending"
    assert job["total_rows"] == 5
    assert queued == [job["id"]]
    polled = client_for(cast.staff).get(f"/api/v1/enterprises/import/{job['id']}/")
    assert polled.status_code == 200
    assert (polled.json()["id"], polled.json()["status"]) == (job["id"], "pending")
    assert not Enterprise.objects.filter(uscc=rows[0]["uscc"]).exists()
    assert (
        client_for(cast.other_staff).get(f"/api/v1/enterprises/import/{job['id']}/").status_code
        == 404
    )


def test_staff_of_several_associations_must_say_which_one_to_import_into(cast):
    AssociationUser.objects.create(user=cast.staff, association=cast.other_association)
    row = import_row(1)

    refused = upload(cast.staff, spreadsheet([row]))
    assert refused.status_code == 400
    assert "association" in refused.json()["fields"]
    assert not Enterprise.objects.filter(uscc=row["uscc"]).exists()

    accepted = upload(cast.staff, spreadsheet([row]), association=cast.other_association.pk)
    assert accepted.status_code == 200
    created = Enterprise.objects.get(uscc=row["uscc"])
    assert membership_of(created, cast.other_association).status == Status.ACTIVE


def test_an_import_does_not_overwrite_an_enterprise_the_importer_may_not_edit(cast):
    before = Enterprise.objects.get(pk=cast.member.pk)
    row = import_row(1, uscc=cast.member.uscc, name="冒名顶替有限公司", contact_phone="13900139000")

    response = upload(cast.other_staff, spreadsheet([row]))

    after = Enterprise.objects.get(pk=cast.member.pk)
    assert (after.name, after.contact_phone) == (before.name, before.contact_phone)
    assert (response.json()["updated"], response.json()["invited"]) == (0, 1)
    # It is only invited to the importing association, as when staff add an enterprise
    # registered elsewhere: it becomes a member when its own user accepts.
    invitation = Membership.objects.get(enterprise=cast.member, association=cast.other_association)
    assert (invitation.status, invitation.joined_on) == ("invited", None)


# --- what each role sees ------------------------------------------------------------------


def test_staff_who_rejected_a_join_request_may_not_edit_the_enterprise(cast, join_request):
    staff = client_for(cast.other_staff)
    staff.post(f"/api/v1/memberships/{join_request}/reject/", {"reason": "不符合章程"})

    response = staff.patch(f"/api/v1/enterprises/{cast.member.pk}/", {"employees": 1})

    assert response.status_code in (403, 404)
    assert Enterprise.objects.get(pk=cast.member.pk).employees == cast.member.employees


def test_only_associations_the_enterprise_belongs_to_decide_claims_on_it(cast, join_request):
    claim = client_for(cast.outsider).post("/api/v1/enterprises/claim/", {"uscc": cast.member.uscc})

    response = client_for(cast.other_staff).post(
        f"/api/v1/enterprise-claims/{claim.json()['id']}/approve/"
    )

    assert response.status_code in (403, 404)
    assert User.objects.get(pk=cast.outsider.pk).enterprise_id is None


def test_officials_never_get_phone_numbers(cast, members):
    client = client_for(cast.official)

    listed = client.get("/api/v1/enterprises/").json()["results"]
    detail = client.get(f"/api/v1/enterprises/{cast.member.pk}/").json()

    assert len(listed) == 3
    assert [row["contact_phone"] for row in listed] == [None] * 3
    assert detail["contact_phone"] is None
    staff_listed = client_for(cast.staff).get("/api/v1/enterprises/").json()["results"]
    assert len(staff_listed) == 3
    assert all(row["contact_phone"] for row in staff_listed)


def test_enterprise_users_see_only_their_own_enterprise(cast, members):
    client = client_for(cast.enterprise_user)

    assert [row["id"] for row in client.get("/api/v1/enterprises/").json()["results"]] == [
        cast.member.pk
    ]
    for other in ("hangzhou", "shenzhen"):
        assert client.get(f"/api/v1/enterprises/{members[other].pk}/").status_code == 404
        patched = client.patch(f"/api/v1/enterprises/{members[other].pk}/", {"employees": 1})
        assert patched.status_code == 404
    memberships = client.get("/api/v1/memberships/").json()["results"]
    assert {row["enterprise"] for row in memberships} == {cast.member.pk}


def test_an_enterprise_withdraws_its_pending_request(cast):
    client = client_for(cast.enterprise_user)
    asked = client.post("/api/v1/memberships/", {"association": cast.other_association.pk})
    assert asked.status_code == 201
    withdrawn = client.post(f"/api/v1/memberships/{asked.json()['id']}/leave/", {})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "left"
    assert not Membership.objects.filter(
        association=cast.other_association, enterprise=cast.member, status="pending"
    ).exists()
