"""The member list and its files in the reader's language: names in pinyin order in Chinese, and
sizes and statuses by their names, never the codes stored."""

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import EnterpriseFactory, MembershipFactory
from tests.plans import plan_of

pytestmark = pytest.mark.django_db


def exported_rows(client, **params) -> list[list[str]]:
    response = client.get(reverse("member-export-csv"), params)
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def medium(cast):
    enterprise = EnterpriseFactory(name="越秀中型服装", region_id="440104", size="medium")
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise


def test_the_chinese_export_names_sizes_and_statuses_in_chinese(cast, client, medium):
    client.force_login(cast.staff)
    header, *rows = exported_rows(client, size="medium")
    row = dict(zip(header, rows[0], strict=True))
    assert row["企业名称"] == "越秀中型服装"
    assert (row["企业规模"], row["会籍状态"]) == ("中型", "正常")


def test_the_english_export_names_them_in_english(cast, client, medium):
    client.force_login(cast.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    header, *rows = exported_rows(client, size="medium")
    row = dict(zip(header, rows[0], strict=True))
    assert (row["size"], row["status"]) == ("Medium", "Active")


def test_the_excel_export_names_them_too(cast, client, medium):
    client.force_login(cast.staff)
    response = client.get(reverse("member-export-xlsx"), {"size": "medium"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    assert row[header.index("企业规模")] == "中型"
    assert row[header.index("会籍状态")] == "正常"


def test_the_chinese_import_template_writes_the_size_in_chinese(cast, client):
    client.force_login(cast.staff)
    text = client.get(reverse("member-import-template", args=["csv"])).content.decode()
    header, example = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert example[header.index("企业规模")] == "小型"


def test_members_are_listed_in_pinyin_order_in_chinese(cast, client):
    mine = ["重庆顺达", "张家港机械", "安阳纺织", "北京五金"]  # by code point: 北 安 张 重
    for name in mine:
        MembershipFactory(enterprise=EnterpriseFactory(name=name), association=cast.association)
    client.force_login(cast.staff)
    page = client.get(reverse("member-list")).context["page"]
    names = [m.enterprise.name for m in page if m.enterprise.name in mine]
    assert names == ["安阳纺织", "北京五金", "重庆顺达", "张家港机械"]  # an, bei, chong, zhang


def test_the_pinyin_order_is_read_from_an_index_not_sorted(cast):
    """An association's 100,000 members were sorted in pinyin on every page (0.4 s); the index
    of migration enterprises 0006 gives them in order (the plan with sorting priced out)."""
    from django.utils import translation

    from associations.models import Membership
    from core.collation import by_name

    for _ in range(5):
        MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
    with translation.override("zh-hans"):
        page = (
            Membership.objects.filter(association=cast.association)
            .select_related("enterprise")
            .order_by(by_name("enterprise__name"), "id")[:50]
        )
        sql, params = page.query.sql_with_params()
    plan = plan_of(sql, params)
    assert 'COLLATE "zh-x-icu"' in sql
    assert "enterprise_name_pinyin" in plan, plan


def test_a_regions_members_are_listed_in_pinyin_order_too(cast, client):
    mine = ["广州重庆顺达", "广州张家港机械", "广州安阳纺织"]
    for name in mine:
        enterprise = EnterpriseFactory(name=name, region_id="440104")
        MembershipFactory(enterprise=enterprise, association=cast.association)
    elsewhere = EnterpriseFactory(name="杭州北京五金", region_id="330106")
    MembershipFactory(enterprise=elsewhere, association=cast.association)
    client.force_login(cast.staff)
    page = client.get(reverse("member-list"), {"region": "440100"}).context["page"]
    names = [m.enterprise.name for m in page]
    assert "杭州北京五金" not in names
    assert [n for n in names if n in mine] == ["广州安阳纺织", "广州重庆顺达", "广州张家港机械"]


def test_a_regions_members_are_found_by_region_then_sorted(cast, client):
    """Names begin with their city, so a city's members are bunched in the name index and
    walking it in order read 280,000 other names at national scale (0.7 s): narrowed to a
    region, the page is found by the region and sorted (the name index is not walked even
    when sorting is priced out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        enterprise = EnterpriseFactory(region_id="440104")
        MembershipFactory(enterprise=enterprise, association=cast.association)
    client.force_login(cast.staff)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("member-list"), {"region": "440100"}).context["page"]
    assert len(page) >= 5  # and the cast's own member in Guangzhou
    [listed] = [q["sql"] for q in queries if 'COLLATE "zh-x-icu"' in q["sql"]]
    assert "LIMIT" in listed
    plan = plan_of(listed, priced_out=("sort",))
    assert "enterprise_name_pinyin" not in plan, plan
    assert "Sort" in plan, plan
