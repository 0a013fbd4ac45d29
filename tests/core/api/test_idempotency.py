"""`Idempotency-Key` on the API's POSTs, as a partner relies on it: a request sent again with the
same key is run once and answered the same way each time; a key belongs to one account and one
request; answers that say nothing was done (5xx, refused authentication) are not kept; keys
expire; and two copies sent at once on PostgreSQL still create one object."""

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import encode_multipart
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from associations.models import Membership
from batches.models import Application
from core.models import IdempotentRequest, Role
from core.tasks import delete_expired_idempotency_keys, send_notification_email
from enterprises.models import Enterprise
from resumption_portal.celery import app
from supplies import services as supply_services
from supplies.models import Need
from tests.concurrency import run_together
from tests.conftest import api_as
from tests.factories import (
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    api_token,
    valid_uscc,
)

SUPPLY = "/api/v1/supply-requests/"
REPLAYED = "Idempotent-Replayed"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Needs' changes queue e-mails on commit; these tests are about the requests."""
    monkeypatch.setattr(send_notification_email, "delay", lambda *args: None)


def client_for(user, **kwargs) -> APIClient:
    """A partner: every request authenticated by `user`'s token, asking for English messages."""
    client = APIClient(**kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def supply_body(**overrides) -> dict:
    body = {
        "item": "mask-medical",
        "quantity": "1000",
        "needed_by": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "urgency": "high",
        "description": "复工首周员工用量",
    }
    return body | overrides


def post(client, path: str, body: dict | None = None, key: str | None = None, **kwargs):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body or {}, format="json", **headers, **kwargs)


def new_key() -> str:
    return str(uuid.uuid4())


def needs_of(enterprise) -> int:
    return Need.objects.filter(enterprise=enterprise).count()


def assert_replayed(first, again) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again[REPLAYED] == "true"
    assert REPLAYED not in first


# --- the same request sent again ------------------------------------------------------------


@pytest.mark.django_db
def test_a_need_sent_again_with_the_same_key_is_filed_once_and_answered_the_same(cast):
    client = client_for(cast.enterprise_user)
    key = new_key()

    first = post(client, SUPPLY, supply_body(), key)
    again = post(client, SUPPLY, supply_body(), key)
    third = post(client, SUPPLY, supply_body(), key)

    assert first.status_code == 201, first.json()
    assert_replayed(first, again)
    assert_replayed(first, third)
    assert needs_of(cast.member) == 1
    record = IdempotentRequest.objects.get()
    assert (record.owner, record.key, record.method, record.path) == (
        cast.enterprise_user,
        key,
        "POST",
        SUPPLY,
    )
    assert record.response_status == 201


@pytest.mark.django_db
def test_without_a_key_the_same_need_sent_twice_is_filed_twice(cast):
    client = client_for(cast.enterprise_user)

    assert post(client, SUPPLY, supply_body()).status_code == 201
    assert post(client, SUPPLY, supply_body()).status_code == 201

    assert needs_of(cast.member) == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_join_request_sent_again_is_answered_201_again_not_refused_as_a_duplicate(cast):
    """Without the key the second copy would be refused (the request is pending already): a
    partner that lost the first answer could not tell whether it was made."""
    body = {"association": cast.other_association.pk, "note": "希望加入"}
    key = new_key()

    first = post(api_as(cast.enterprise_user), "/api/v1/memberships/", body, key)
    again = post(api_as(cast.enterprise_user), "/api/v1/memberships/", body, key)
    unkeyed = post(api_as(cast.enterprise_user), "/api/v1/memberships/", body)

    assert first.status_code == 201, first.json()
    assert_replayed(first, again)
    assert unkeyed.status_code in (400, 409)
    assert (
        Membership.objects.filter(
            enterprise=cast.member, association=cast.other_association
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_an_application_sent_again_with_the_same_key_is_created_once(cast):
    batch = BatchFactory(association=cast.association)
    body = {
        "batch": batch.pk,
        "planned_date": (timezone.localdate() + timedelta(days=21)).isoformat(),
        "returning_workers": 40,
    }
    client = client_for(cast.enterprise_user)
    key = new_key()

    first = post(client, "/api/v1/applications/", body, key)
    again = post(client, "/api/v1/applications/", body, key)

    assert first.status_code == 201, first.json()
    assert_replayed(first, again)
    assert Application.objects.filter(batch=batch, enterprise=cast.member).count() == 1


@pytest.mark.django_db
def test_a_workflow_action_sent_again_replays_its_answer_instead_of_a_409(cast):
    filed = post(client_for(cast.enterprise_user), SUPPLY, supply_body()).json()
    take = f"{SUPPLY}{filed['id']}/take/"
    staff = client_for(cast.staff)
    key = new_key()

    first = post(staff, take, {"reason": "已联系供应商"}, key)
    again = post(staff, take, {"reason": "已联系供应商"}, key)
    unkeyed = post(staff, take, {"reason": "已联系供应商"})

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "in_progress"
    assert_replayed(first, again)
    assert unkeyed.status_code == 409


@pytest.mark.django_db
def test_a_400_is_kept_and_replayed_and_nothing_is_created(cast):
    client = client_for(cast.enterprise_user)
    key = new_key()

    first = post(client, SUPPLY, supply_body(quantity="-1"), key)
    again = post(client, SUPPLY, supply_body(quantity="-1"), key)

    assert first.status_code == 400
    assert first.json()["code"] == "invalid"
    assert "quantity" in first.json()["fields"]
    assert_replayed(first, again)
    assert needs_of(cast.member) == 0
    # The corrected request is another request: it needs a new key.
    assert post(client, SUPPLY, supply_body(), key).status_code == 422
    assert post(client, SUPPLY, supply_body(), new_key()).status_code == 201


# --- whose key, which request ----------------------------------------------------------------


@pytest.mark.django_db
def test_another_accounts_same_key_is_its_own(cast):
    enterprise = EnterpriseFactory(region_id="440103")
    MembershipFactory(enterprise=enterprise, association=cast.association)
    colleague = UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
    key = new_key()

    mine = post(client_for(cast.enterprise_user), SUPPLY, supply_body(), key)
    theirs = post(client_for(colleague), SUPPLY, supply_body(), key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert (needs_of(cast.member), needs_of(enterprise)) == (1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SUPPLY, supply_body(quantity="2000")),  # another body
        (SUPPLY + "?urgency=low", supply_body()),  # another query string
        ("/api/v1/difficulties/", {"difficulty_kind": "transport", "description": "运不进来"}),
    ],
    ids=["body", "query", "path"],
)
def test_the_same_key_with_another_request_is_a_422_and_nothing_is_created(cast, path, body):
    client = client_for(cast.enterprise_user)
    key = new_key()
    assert post(client, SUPPLY, supply_body(), key).status_code == 201

    response = post(client, path, body, key)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert "use a new key" in response.json()["detail"]
    assert needs_of(cast.member) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["", "   ", "x" * 256, "clé-é"], ids=["empty", "spaces", "long", "non-ascii"]
)
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_a_400(cast, key):
    response = post(client_for(cast.enterprise_user), SUPPLY, supply_body(), key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert "1 to 255 printable ASCII characters" in response.json()["detail"]
    assert needs_of(cast.member) == 0


@pytest.mark.django_db
def test_a_key_of_255_characters_is_accepted(cast):
    key = "k" * 254 + "~"
    client = client_for(cast.enterprise_user)

    assert post(client, SUPPLY, supply_body(), key).status_code == 201
    assert post(client, SUPPLY, supply_body(), key)[REPLAYED] == "true"


@pytest.mark.django_db
def test_messages_follow_the_language_of_the_request(cast):
    client = api_as(cast.enterprise_user)  # no Accept-Language: Chinese, the default
    key = new_key()
    post(client, SUPPLY, supply_body(), key)

    response = post(client, SUPPLY, supply_body(quantity="5"), key)

    assert response.status_code == 422
    assert "新的" in response.json()["detail"]


# --- what is not kept or not covered -----------------------------------------------------------


@pytest.mark.django_db
def test_a_server_error_is_not_kept_its_effects_are_undone_and_the_retry_runs(cast, monkeypatch):
    real_need_file = supply_services.need_file

    def files_then_fails(**kwargs):
        real_need_file(**kwargs)  # the need is written …
        raise RuntimeError("the database went away")  # … then the request fails

    monkeypatch.setattr(supply_services, "need_file", files_then_fails)
    client = client_for(cast.enterprise_user, raise_request_exception=False)
    key = new_key()

    failed = post(client, SUPPLY, supply_body(), key)

    assert failed.status_code == 500
    assert not IdempotentRequest.objects.exists()
    assert needs_of(cast.member) == 0  # rolled back with the key: nothing half done

    monkeypatch.setattr(supply_services, "need_file", real_need_file)
    retried = post(client, SUPPLY, supply_body(), key)

    assert retried.status_code == 201
    assert REPLAYED not in retried
    assert needs_of(cast.member) == 1


@pytest.mark.django_db
def test_a_refusal_by_role_is_not_kept(cast):
    key = new_key()

    refused = post(client_for(cast.staff), SUPPLY, supply_body(), key)

    assert refused.status_code == 403
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_requests_without_an_account_are_not_covered(cast):
    key = new_key()

    anonymous = post(APIClient(), SUPPLY, supply_body(), key)
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token nope")
    unknown = post(bad_token, SUPPLY, supply_body(), key)
    token = post(
        APIClient(), "/api/v1/auth/token/", {"username": "enterprise", "password": "x"}, key
    )

    assert anonymous.status_code in (401, 403)
    assert unknown.status_code in (401, 403)
    assert token.status_code == 400
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_get_requests_are_not_covered(cast):
    response = client_for(cast.enterprise_user).get(SUPPLY, HTTP_IDEMPOTENCY_KEY=new_key())

    assert response.status_code == 200
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_browser_session_is_covered_only_with_its_csrf_token(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.enterprise_user)
    key = new_key()

    without_token = browser.post(
        SUPPLY, supply_body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert without_token.status_code == 403
    assert not IdempotentRequest.objects.exists()

    browser.get("/dashboard/")  # sets the CSRF cookie
    csrf = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value, "HTTP_IDEMPOTENCY_KEY": key}
    first = browser.post(SUPPLY, supply_body(), content_type="application/json", **csrf)
    again = browser.post(SUPPLY, supply_body(), content_type="application/json", **csrf)

    assert first.status_code == 201
    assert_replayed(first, again)
    assert needs_of(cast.member) == 1


# --- uploads ---------------------------------------------------------------------------------


MEMBERS_CSV = (
    "uscc,name,region_code,industry_code,size,employees,contact_name,contact_phone\n"
    "{uscc},广州新星电子有限公司,440106,39,small,25,李四,13800138000\n"
)


@pytest.mark.django_db
def test_an_upload_sent_again_with_another_multipart_boundary_is_replayed(cast):
    content = MEMBERS_CSV.format(uscc=valid_uscc()).encode()
    client = client_for(cast.staff)
    key = new_key()

    def upload(boundary: str, data: bytes = content):
        body = encode_multipart(
            boundary, {"file": SimpleUploadedFile("members.csv", data, "text/csv")}
        )
        return client.post(
            "/api/v1/enterprises/import/",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first = upload("first-boundary")
    again = upload("another-boundary")
    other_file = upload("third-boundary", content.replace(b"25", b"26"))

    assert first.status_code == 200, first.json()
    assert first.json()["created"] == 1
    assert_replayed(first, again)
    assert other_file.status_code == 422
    assert Enterprise.objects.filter(name="广州新星电子有限公司").count() == 1


@pytest.mark.django_db
def test_a_form_that_cannot_be_read_is_a_400(cast):
    response = client_for(cast.staff).post(
        "/api/v1/enterprises/import/",
        b"not a form",
        content_type="multipart/form-data",  # no boundary
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_413(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = post(
        client_for(cast.enterprise_user), SUPPLY, supply_body(description="长" * 100), new_key()
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert needs_of(cast.member) == 0


# --- expiry ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expired_key_is_replaced_by_the_next_request_with_it(cast, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    client = client_for(cast.enterprise_user)
    key = new_key()
    assert post(client, SUPPLY, supply_body(), key).status_code == 201
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = post(client, SUPPLY, supply_body(quantity="5"), key)  # even another request

    assert response.status_code == 201
    assert REPLAYED not in response
    assert needs_of(cast.member) == 2
    record = IdempotentRequest.objects.get()
    assert record.created_at > timezone.now() - timedelta(minutes=1)
    assert post(client, SUPPLY, supply_body(quantity="5"), key)[REPLAYED] == "true"


@pytest.mark.django_db
def test_the_nightly_task_deletes_expired_keys_only(cast, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 2
    client = client_for(cast.enterprise_user)
    for _ in range(3):
        post(client, SUPPLY, supply_body(), new_key())
    old, older, fresh = IdempotentRequest.objects.order_by("pk")
    IdempotentRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=2, minutes=1)
    )
    IdempotentRequest.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    assert delete_expired_idempotency_keys() == 2

    assert list(IdempotentRequest.objects.all()) == [fresh]


def test_beat_deletes_expired_keys_every_night():
    [entry] = [
        entry
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "core.tasks.delete_expired_idempotency_keys"
    ]
    assert entry["schedule"].hour == {3}


# --- the schema --------------------------------------------------------------------------------


def test_the_header_is_documented_on_every_post_but_the_token_endpoints(settings):
    schema = SchemaGenerator().get_schema(request=None, public=True)

    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}
    documented = {
        path
        for path, operation in posts.items()
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert "/api/v1/supply-requests/" in documented
    assert "/api/v1/applications/{id}/approve/" in documented
    assert "/api/v1/enterprises/import/" in documented
    # Not the sign-in (no account yet) nor the making of tokens (its answer holds a key).
    assert documented == set(posts) - {"/api/v1/auth/token/", "/api/v1/tokens/"}
    for operations in schema["paths"].values():
        for method in set(operations) - {"post"}:
            parameters = operations[method].get("parameters", [])
            assert all(p["name"] != "Idempotency-Key" for p in parameters)


# --- real concurrency (PostgreSQL) -------------------------------------------------------------


def _poster(token: str, key: str, body: dict):

    def job():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
        response = post(client, SUPPLY, body, key)
        return response.status_code, response.json(), response.get(REPLAYED)

    return job


@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_once_file_one_need(cast):
    assert connection.vendor == "postgresql"
    token = api_token(cast.enterprise_user)
    body = supply_body()
    for _round in range(5):  # five chances to overlap
        key = new_key()
        before = needs_of(cast.member)

        outcomes = run_together([_poster(token, key, body) for _ in range(2)])

        errors = [value for status, value in outcomes if status == "error"]
        assert not errors, errors
        answers = [value for _status, value in outcomes]
        kinds = Counter(
            "created" if code == 201 and not replayed else "replayed" if code == 201 else code
            for code, _body, replayed in answers
        )
        assert kinds["created"] == 1, answers
        assert kinds["created"] + kinds["replayed"] + kinds[409] == 2, answers
        for code, answer, _replayed in answers:
            if code == 409:
                assert answer["code"] == "idempotency_key_in_progress"
        assert needs_of(cast.member) == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_copy_sent_while_the_first_still_runs_is_a_409_then_gets_the_answer(cast, monkeypatch):
    """The first request is held inside its view until the copy has been answered."""
    token = api_token(cast.enterprise_user)
    started, copy_answered = threading.Event(), threading.Event()
    real_need_file = supply_services.need_file

    def slow_need_file(**kwargs):
        need = real_need_file(**kwargs)
        started.set()
        assert copy_answered.wait(timeout=30)
        return need

    monkeypatch.setattr(supply_services, "need_file", slow_need_file)
    key = new_key()
    first = _poster(token, key, supply_body())

    def copy():
        assert started.wait(timeout=30)
        try:
            return _poster(token, key, supply_body())()
        finally:
            copy_answered.set()

    (first_status, first_answer), (copy_status, copy_answer) = run_together([first, copy])

    assert (first_status, copy_status) == ("ok", "ok"), (first_answer, copy_answer)
    assert first_answer[0] == 201
    code, body, replayed = copy_answer
    assert code == 409
    assert body["code"] == "idempotency_key_in_progress"
    assert "in a moment" in body["detail"]
    assert replayed is None
    # Once the first is done, the copy gets its answer.
    later = _poster(token, key, supply_body())()
    assert later == (201, first_answer[1], "true")
    assert needs_of(cast.member) == 1
