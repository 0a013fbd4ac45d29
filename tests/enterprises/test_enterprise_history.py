"""An enterprise's history: who registered it, and each change with the old and new value of
every field it changed, through the service, on the enterprise's page and from the API."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Region
from core.workflow import history_for
from enterprises.services import enterprise_create_member, enterprise_update
from tests.conftest import api_as
from tests.factories import valid_uscc

pytestmark = pytest.mark.django_db


def edit_identity(cast) -> str:
    """The cast member's own user corrects its credit code, name, region and contact (it has a
    user, so its association's staff may not); answers the old credit code."""
    old_code = cast.member.uscc
    enterprise_update(
        actor=cast.enterprise_user,
        enterprise_id=cast.member.pk,
        uscc=NEW_CODE,
        name="广州华兴电子科技股份有限公司",
        region=Region.objects.get(code="440104"),
        contact_name="王芳",
        contact_phone="13900139000",
    )
    return old_code


NEW_CODE = valid_uscc(region="440104")
EXPECTED_CHANGES = {
    "name": ["广州华兴电子有限公司", "广州华兴电子科技股份有限公司"],
    "region": ["440106", "440104"],
    "contact_name": ["张三", "王芳"],
    "contact_phone": ["13800138000", "+8613900139000"],
}


def test_an_edit_records_the_old_and_new_value_of_each_changed_field(cast):
    old_code = edit_identity(cast)

    [event] = history_for(cast.member)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "enterprise.updated",
        cast.enterprise_user,
        "",
        "",
    )
    assert event.changes == EXPECTED_CHANGES | {"uscc": [old_code, NEW_CODE]}


def test_an_edit_that_changes_nothing_adds_nothing_to_the_history(cast):
    enterprise_update(
        actor=cast.enterprise_user,
        enterprise_id=cast.member.pk,
        name=cast.member.name,
        employees=cast.member.employees,
    )
    assert not history_for(cast.member).exists()


def test_registering_an_enterprise_is_its_first_event(cast):
    enterprise = enterprise_create_member(
        actor=cast.staff,
        association_id=cast.association.pk,
        name="广州新民五金制品有限公司",
        uscc=valid_uscc(),
        region=Region.objects.get(code="440106"),
        industry=cast.member.industry,
        size="small",
        employees=28,
    )
    [event] = history_for(enterprise)
    assert (event.action, event.actor, event.changes) == ("enterprise.created", cast.staff, {})


def changed_fields_on_page(user, enterprise) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("enterprise-detail", args=[enterprise.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    return [
        re.sub(r"<[^>]+>", "", item)
        for item in re.findall(r'<li data-testid="changed-field">(.*?)</li>', html)
    ]


def test_the_enterprise_page_shows_each_change_with_its_old_and_new_value(cast):
    old_code = edit_identity(cast)

    shown = changed_fields_on_page(cast.staff, cast.member)

    # Each field by its name in the page's language (Chinese).
    assert sorted(shown) == sorted(
        [
            "名称：广州华兴电子有限公司 → 广州华兴电子科技股份有限公司",
            f"统一社会信用代码：{old_code} → {NEW_CODE}",
            "行政区划：440106 → 440104",
            "联系人：张三 → 王芳",
            "联系电话：13800138000 → +8613900139000",
        ]
    )


def test_the_history_endpoint_gives_each_change_with_its_old_and_new_value(cast):
    old_code = edit_identity(cast)

    response = api_as(cast.enterprise_user).get(f"/api/v1/enterprises/{cast.member.pk}/history/")

    assert response.status_code == 200
    [event] = response.json()
    assert (event["action"], event["actor"]) == ("enterprise.updated", "enterprise")
    assert event["changes"] == EXPECTED_CHANGES | {"uscc": [old_code, NEW_CODE]}


def test_officials_see_that_a_phone_number_changed_but_not_the_numbers(cast):
    old_code = edit_identity(cast)

    [event] = api_as(cast.official).get(f"/api/v1/enterprises/{cast.member.pk}/history/").json()
    shown = changed_fields_on_page(cast.official, cast.member)

    assert event["changes"]["contact_phone"] == [None, None]
    assert event["changes"]["contact_name"] == ["张三", "王芳"]
    # The credit codes are random digits and may hold "138" themselves: look past them.
    without_codes = [line.replace(old_code, "").replace(NEW_CODE, "") for line in shown]
    assert not any("138" in line or "139" in line for line in without_codes)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 403),
        ("enterprise_user", 200),
        ("outsider", 404),
        ("staff", 200),
        ("other_staff", 404),
        ("partner", 200),
        ("official", 200),
        ("other_official", 404),
        ("admin", 200),
    ],
)
def test_the_history_is_scoped_like_the_enterprise(cast, role, expected):
    response = api_as(cast.by_role(role)).get(f"/api/v1/enterprises/{cast.member.pk}/history/")
    assert response.status_code == expected
