"""People give a region by its name, its name with its parents, its pinyin or its code, or pick
it province → city → county; every form and filter that asks for a region takes the same.

The pages are read in Chinese (the default language): the messages asserted are the ones a
person using the portal reads.
"""

from datetime import timedelta
from html import unescape

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from associations.models import Membership
from batches.models import Batch
from core.region_fields import RegionField, RegionFilterField, RegionListField
from enterprises.models import Enterprise
from reports.models import Report
from supplies import services as supply_services
from supplies.models import Need, SupplyItem, SupplyOffer
from tests.batches.pages.test_batch_pages import batch_form
from tests.factories import EnterpriseFactory, MembershipFactory, valid_uscc

pytestmark = pytest.mark.django_db

LECHANG = "440281"  # 广东省韶关市乐昌市


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    from core.tasks import send_notification_email

    monkeypatch.setattr(send_notification_email, "delay", lambda *args, **kwargs: None)


def html_of(response) -> str:
    return unescape(response.content.decode())


def errors_of(field, value) -> str:
    with pytest.raises(forms.ValidationError) as raised:
        field.clean(value)
    return " ".join(raised.value.messages)


def in_future(days: int = 7) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# --- the field --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "乐昌市",
        "广东省韶关市乐昌市",
        "广东韶关乐昌市",
        "韶关市乐昌市",
        "乐昌",
        "lechang",
        " Le Chang ",
        "LECHANG",
        "Lechang, Shaoguan, Guangdong",
        "440281",
        "４４０２８１",
    ],
)
def test_the_field_finds_lechang_however_it_is_typed(typed):
    assert RegionField().clean(typed).code == LECHANG


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("广东省", "440000"),
        ("广东", "440000"),
        ("guangdong", "440000"),
        ("韶关市", "440200"),
        ("北京市朝阳区", "110105"),
        ("吉林省长春市朝阳区", "220104"),
        ("吉林省吉林市", "220200"),
        ("广西壮族自治区", "450000"),
        ("天河区", "440106"),
    ],
)
def test_the_field_finds_provinces_cities_and_counties_by_name(typed, code):
    assert RegionField().clean(typed).code == code


def test_a_name_of_two_regions_lists_both_with_their_parents():
    message = errors_of(RegionField(), "朝阳区")
    assert "北京市朝阳区" in message
    assert "吉林省长春市朝阳区" in message
    assert "对应多个地区" in message


def test_an_unknown_name_says_what_to_type_instead():
    message = errors_of(RegionField(), "乐昌县城")
    assert "没有名为“乐昌县城”的地区" in message
    assert "广东省韶关市乐昌市" in message  # an example of a name with its parents
    assert "拼音" in message and "代码" in message


def test_an_unknown_code_is_named():
    assert "未知的行政区划代码 999999" in errors_of(RegionField(), "999999")


def test_a_withdrawn_code_names_the_region_that_replaced_it():
    message = errors_of(RegionField(), "330283")  # 奉化市, now 宁波市奉化区 330213
    assert "330283" in message and "已从 GB/T 2260 中撤销" in message
    assert "330213（浙江省宁波市奉化区）" in message


def test_a_name_only_a_withdrawn_region_has_is_refused_the_same_way():
    assert "330213（浙江省宁波市奉化区）" in errors_of(RegionField(), "奉化市")


def test_a_name_a_current_and_a_withdrawn_region_share_means_the_current_one():
    assert RegionField().clean("扶余市").code == "220781"  # 220724 was withdrawn


def test_filters_take_withdrawn_codes_which_old_records_keep():
    assert RegionFilterField().clean("330283").code == "330283"


def test_an_empty_optional_field_is_none_and_a_required_one_says_so():
    assert RegionField(required=False).clean("  ") is None
    assert errors_of(RegionField(), "")


def test_the_list_field_reads_names_and_codes_and_names_each_problem():
    field = RegionListField()
    assert [r.code for r in field.clean("广州市、440300，乐昌市\n天河区")] == [
        "440100",
        "440300",
        LECHANG,
        "440106",
    ]
    message = errors_of(field, "广州市、朝阳区、999999、不存在的地方")
    assert "未知的行政区划代码（GB/T 2260）：999999" in message
    assert "北京市朝阳区" in message
    assert "不存在的地方" in message


# --- the forms: each takes 乐昌市 ----------------------------------------------------------------


def test_a_labour_request_takes_the_work_region_by_name(cast, client):
    client.force_login(cast.enterprise_user)
    response = client.post(
        reverse("need-file", args=["labour"]),
        {
            "trade": "电工",
            "headcount": "3",
            "needed_by": in_future(),
            "work_region": "乐昌市",
            "urgency": "normal",
        },
    )
    assert response.status_code == 302
    assert Need.objects.get().work_region_id == LECHANG


def test_a_labour_request_with_an_ambiguous_region_keeps_what_was_typed(cast, client):
    client.force_login(cast.enterprise_user)
    response = client.post(
        reverse("need-file", args=["labour"]),
        {
            "trade": "电工",
            "headcount": "3",
            "needed_by": in_future(),
            "work_region": "朝阳区",
            "urgency": "normal",
        },
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "吉林省长春市朝阳区" in html
    assert 'name="work_region" value="朝阳区"' in html
    assert 'value="电工"' in html
    assert not Need.objects.exists()


def test_an_offer_takes_the_delivery_region_by_name(cast, client):
    client.force_login(cast.enterprise_user)
    mask = SupplyItem.objects.get(code="mask-medical")
    response = client.post(
        reverse("offer-new"),
        {
            "item": mask.pk,
            "quantity": "500",
            "delivery_region": "乐昌市",
            "available_until": in_future(20),
        },
    )
    assert response.status_code == 302
    assert SupplyOffer.objects.get().delivery_region_id == LECHANG


def _registration(cast, region: str) -> dict:
    return {
        "name": "乐昌五金有限公司",
        "uscc": valid_uscc(region=LECHANG),
        "region": region,
        "industry": "33",
        "size": "micro",
        "ownership": "private",
        "employees": "9",
        "contact_name": "黄芳",
        "contact_phone": "0751-5551234",
        "association": cast.association.pk,
    }


def test_an_enterprise_registers_with_its_region_by_name(cast, client):
    client.force_login(cast.outsider)
    client.post(reverse("enterprise-register"), _registration(cast, "乐昌市"))
    assert Enterprise.objects.get(name="乐昌五金有限公司").region_id == LECHANG


def test_an_enterprise_region_must_still_be_a_county(cast, client):
    client.force_login(cast.outsider)
    response = client.post(reverse("enterprise-register"), _registration(cast, "韶关市"))
    assert "请选择县级行政区划" in html_of(response)
    assert not Enterprise.objects.filter(name="乐昌五金有限公司").exists()


def test_an_association_s_home_region_is_given_by_name(cast, client):
    client.force_login(cast.manager)
    association = cast.association
    response = client.post(
        reverse("association-edit", args=[association.pk]),
        {
            "name": association.name,
            "kind": association.kind,
            "uscc": association.uscc,
            "region": "乐昌市",
            "industries": ["C"],
            "contact_name": "陈敏",
            "contact_phone": "020-87654321",
            "email": "office@example.org",
        },
    )
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.region_id == LECHANG


def test_an_official_asks_for_a_report_on_a_region_by_name(cast, client):
    client.force_login(cast.official)
    day = (timezone.localdate() - timedelta(days=7)).isoformat()
    response = client.post(
        reverse("report-request"), {"period_type": "week", "day": day, "region": "乐昌市"}
    )
    assert response.status_code == 302
    assert Report.objects.get().region_id == LECHANG


def test_a_batch_takes_its_regions_by_name(cast, client):
    client.force_login(cast.staff)
    client.post(reverse("batch-new"), batch_form(regions="广州市、乐昌市"))
    batch = Batch.objects.get()
    assert set(batch.regions.values_list("code", flat=True)) == {"440100", LECHANG}


def _lechang_member(cast) -> Enterprise:
    enterprise = EnterpriseFactory(name="乐昌五金", region_id=LECHANG)
    MembershipFactory(
        association=cast.association, enterprise=enterprise, status=Membership.Status.ACTIVE
    )
    return enterprise


def test_the_member_list_filters_by_a_region_s_name(cast, client):
    _lechang_member(cast)
    client.force_login(cast.staff)
    page = client.get(reverse("member-list"), {"region": "乐昌市"})
    assert [m.enterprise.name for m in page.context["page"]] == ["乐昌五金"]
    by_city = client.get(reverse("member-list"), {"region": "韶关"})
    assert [m.enterprise.name for m in by_city.context["page"]] == ["乐昌五金"]


def test_the_needs_queue_filters_by_a_region_s_name(cast, client):
    Enterprise.objects.filter(pk=cast.member.pk).update(region_id=LECHANG)
    need = supply_services.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.LABOUR,
        trade="电工",
        headcount=2,
        needed_by=timezone.localdate() + timedelta(days=5),
        urgency="normal",
    )
    client.force_login(cast.staff)
    found = client.get(reverse("need-queue"), {"region": "乐昌市"})
    assert [n.pk for n in found.context["page"]] == [need.pk]
    elsewhere = client.get(reverse("need-queue"), {"region": "天河区"})
    assert list(elsewhere.context["page"]) == []
    ambiguous = client.get(reverse("need-queue"), {"region": "朝阳区"})
    assert "吉林省长春市朝阳区" in html_of(ambiguous)


# --- without JavaScript: the lists, one level at a time -----------------------------------------


def test_the_lists_show_the_chosen_region_s_parents(cast, client):
    client.force_login(cast.enterprise_user)
    Enterprise.objects.filter(pk=cast.member.pk).update(region_id=LECHANG)
    html = html_of(client.get(reverse("need-file", args=["labour"])))
    assert '<option value="440000" selected>广东省</option>' in html
    assert '<option value="440200" selected>韶关市</option>' in html
    assert f'<option value="{LECHANG}" selected>乐昌市</option>' in html
    assert "已选： <strong>广东省韶关市乐昌市</strong>" in html


def test_picking_province_city_and_county_without_javascript(cast, client):
    client.force_login(cast.enterprise_user)
    url = reverse("need-file", args=["labour"])
    typed = {"trade": "电工", "headcount": "3", "needed_by": in_future(), "urgency": "normal"}

    # The trade is not typed yet: only the list is sent back, and no field is called wrong.
    province = client.post(
        url, {**typed, "trade": "", "work_region__1": "440000", "work_region__next": "1"}
    )
    html = html_of(province)
    assert province.status_code == 200 and not Need.objects.exists()
    assert list(province.context["form"].errors) == ["work_region"]
    assert "已选择广东省：请在下一个列表中选择，或直接保存" in html
    assert '<option value="440200">韶关市</option>' in html  # the province's cities
    assert 'value="3"' in html  # nothing typed is lost

    city = client.post(
        url,
        {**typed, "work_region__1": "440000", "work_region__2": "440200", "work_region__next": "1"},
    )
    assert f'<option value="{LECHANG}">乐昌市</option>' in html_of(city)
    assert not Need.objects.exists()

    client.post(
        url,
        {
            **typed,
            "work_region": "",
            "work_region__1": "440000",
            "work_region__2": "440200",
            "work_region__3": LECHANG,
        },
    )
    assert Need.objects.get().work_region_id == LECHANG


def test_a_city_left_from_another_province_is_not_taken(cast, client):
    client.force_login(cast.staff)
    _lechang_member(cast)
    # The province was changed to Beijing; the city list still sent Shaoguan.
    page = client.get(reverse("member-list"), {"region__1": "110000", "region__2": "440200"})
    assert list(page.context["page"]) == []
    html = html_of(page)
    assert '<option value="110000" selected>北京市</option>' in html
    assert '<option value="110105">朝阳区</option>' in html  # Beijing's districts, to pick next


def test_a_filter_s_lists_filter_the_list(cast, client):
    _lechang_member(cast)
    client.force_login(cast.staff)
    page = client.get(reverse("member-list"), {"region__1": "440000", "region__2": "440200"})
    assert [m.enterprise.name for m in page.context["page"]] == ["乐昌五金"]
    assert f'<option value="{LECHANG}">乐昌市</option>' in html_of(page)


def test_a_batch_adds_a_picked_region_to_its_list_without_javascript(cast, client):
    client.force_login(cast.staff)
    data = batch_form(regions="广州市")
    response = client.post(
        reverse("batch-new"),
        {**data, "regions__1": "440000", "regions__2": "440200", "regions__3": LECHANG,
         "regions__add": "1"},
    )  # fmt: skip
    html = html_of(response)
    assert "已加入广东省韶关市乐昌市" in html
    assert 'value="广东省广州市、广东省韶关市乐昌市"' in html
    assert not Batch.objects.exists()


# --- the lookups behind the picker ---------------------------------------------------------------


def test_the_lookups_need_a_login(client):
    response = client.get(reverse("region-lookup"), {"q": "乐昌"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_lookups_answer_a_region_s_children_and_nothing_else(cast, client):
    client.force_login(cast.enterprise_user)
    results = client.get(reverse("region-lookup"), {"parent": "440200"}).json()["results"]
    assert {row["code"] for row in results} >= {LECHANG, "440203"}
    assert set(results[0]) == {
        "code",
        "name",
        "full_name",
        "list_name",
        "level",
        "has_children",
        "path",
    }
    provinces = client.get(reverse("region-lookup")).json()["results"]
    assert len(provinces) == 34 and provinces[0]["name"] == "北京市"


def test_the_lookups_leave_withdrawn_codes_out_of_the_lists(cast, client):
    client.force_login(cast.staff)
    results = client.get(reverse("region-lookup"), {"parent": "330200"}).json()["results"]
    codes = {row["code"] for row in results}
    assert "330213" in codes and "330283" not in codes


def test_the_lookups_suggest_regions_as_a_name_is_typed(cast, client):
    client.force_login(cast.enterprise_user)
    first = client.get(reverse("region-lookup"), {"q": "乐昌"}).json()["results"][0]
    assert first == {
        "code": LECHANG,
        "name": "乐昌市",
        "full_name": "广东省韶关市乐昌市",
        "list_name": "广东省韶关市乐昌市",
        "level": "county",
        "has_children": False,
        "path": ["440000", "440200", LECHANG],
    }
    names = [
        row["full_name"]
        for row in client.get(reverse("region-lookup"), {"q": "朝阳区"}).json()["results"]
    ]
    assert names[:2] == ["北京市朝阳区", "吉林省长春市朝阳区"]


def test_the_lookups_for_a_county_field_answer_a_city_s_counties(cast, client):
    client.force_login(cast.enterprise_user)
    results = client.get(reverse("region-lookup"), {"q": "韶关", "levels": "county"}).json()
    assert LECHANG in {row["code"] for row in results["results"]}
    assert {row["level"] for row in results["results"]} == {"county"}


def test_the_lookups_answer_404_for_an_unknown_parent(cast, client):
    client.force_login(cast.staff)
    assert client.get(reverse("region-lookup"), {"parent": "999999"}).status_code == 404
    assert client.get(reverse("region-lookup"), {"q": "x" * 500}).json() == {"results": []}


def test_a_list_of_too_many_regions_is_refused_before_it_is_read():
    pasted = "、".join(str(440000 + number) for number in range(201))
    assert "最多填写 200 个地区" in errors_of(RegionListField(), pasted)


def test_names_and_messages_in_english():
    with translation.override("en"):
        assert RegionField().clean("Chaoyang District, Changchun, Jilin").code == "220104"
        message = errors_of(RegionField(), "朝阳区")
        assert "Chaoyang District, Beijing; Chaoyang District, Changchun, Jilin" in message
        assert [r.code for r in RegionListField().clean("Guangdong / Shaoguan / Lechang")] == [
            LECHANG
        ]
