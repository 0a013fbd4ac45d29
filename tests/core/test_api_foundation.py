import pytest
from django.conf import settings
from django.urls import reverse

from core.tokens import ApiToken, hash_key
from tests.conftest import PASSWORD, api_as

pytestmark = pytest.mark.django_db


def test_token_from_username_and_password_authenticates_later_requests(cast, api_client):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "staff", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(user=cast.staff)
    assert token.key_hash == hash_key(key) and response.json()["id"] == token.pk

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "staff"
    assert me.json()["associations"] == [cast.association.pk]


def test_wrong_password_gets_a_clear_400_and_no_token(cast, api_client):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "staff", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["non_field_errors"] == ["用户名或密码不正确。"]
    assert not ApiToken.objects.filter(user=cast.staff).exists()


def test_api_messages_follow_accept_language(cast, api_client):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "staff", "password": "nope"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["fields"]["non_field_errors"] == [
        "The username or password is not correct."
    ]


def test_missing_fields_are_named_in_the_error(api_client):
    response = api_client.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


def test_token_endpoint_is_throttled(cast, api_client):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    statuses = [
        api_client.post(
            "/api/v1/auth/token/", {"username": "staff", "password": "guess"}, format="json"
        ).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [400] * limit
    assert statuses[limit] == 429
    assert "retry_after" in api_client.post("/api/v1/auth/token/", {}, format="json").json()


def test_login_page_is_throttled_too(cast, client):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for _ in range(limit):
        client.post(reverse("login"), {"username": "staff", "password": "guess"})
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_unauthenticated_api_request_is_refused(cast, api_client):
    response = api_client.get("/api/v1/regions/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "authentication_failed")


def test_regions_list_paginates_and_filters_by_parent(cast):
    response = api_as(cast.staff).get("/api/v1/regions/", {"parent": "440100", "page_size": 5})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == region_count_under("440100")
    assert len(body["results"]) == 5
    assert all(row["parent"] == "440100" for row in body["results"])
    assert "page=2" in body["next"]


def region_count_under(code: str) -> int:
    from core.models import Region

    return Region.objects.filter(parent_id=code).count()


def test_page_size_is_capped_at_1000(cast):
    body = api_as(cast.staff).get("/api/v1/regions/", {"page_size": 5000}).json()
    assert len(body["results"]) == 1000
    assert body["count"] == 3219


def test_regions_filter_by_level_search_and_subtree(cast):
    client = api_as(cast.enterprise_user)
    provinces = client.get("/api/v1/regions/", {"level": "province"}).json()
    assert provinces["count"] == 34
    found = client.get("/api/v1/regions/", {"search": "天河"}).json()["results"]
    assert [row["code"] for row in found] == ["440106"]
    within = client.get("/api/v1/regions/", {"within": "440100", "level": "county"}).json()
    assert within["count"] == 11


def test_region_and_industry_are_looked_up_by_code(cast):
    client = api_as(cast.official)
    region = client.get("/api/v1/regions/440106/").json()
    assert region == {
        "code": "440106",
        "name_zh": "天河区",
        "name_en": "Tianhe District",
        "level": "county",
        "parent": "440100",
        "successor": None,
    }
    industry = client.get("/api/v1/industries/39/").json()
    assert industry["parent"] == "C"
    assert client.get("/api/v1/industries/ZZ/").status_code == 404


def test_bad_filter_value_is_a_400_naming_the_field(cast):
    response = api_as(cast.staff).get("/api/v1/regions/", {"level": "planet"})
    assert response.status_code == 400
    assert "level" in response.json()["fields"]


def test_schema_is_valid_openapi_and_lists_the_endpoints(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/regions/", "/api/v1/industries/", "/api/v1/auth/token/"} <= set(
        schema["paths"]
    )
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_swagger_ui_loads_only_local_assets(client):
    response = client.get("/api/v1/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html


def test_updated_since_filters_enterprises_for_incremental_sync(cast):
    from django.utils import timezone

    from enterprises.models import Enterprise

    Enterprise.objects.filter(pk=cast.member.pk).update(updated_at=timezone.now())
    client = api_as(cast.admin)
    future = client.get("/api/v1/enterprises/", {"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert future["count"] == 0
    past = client.get("/api/v1/enterprises/", {"updated_since": "2000-01-01T00:00:00+08:00"})
    assert past.json()["count"] == 2
    bad = client.get("/api/v1/enterprises/", {"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["fields"]
