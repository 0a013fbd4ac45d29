import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Industry, Region
from core.reference_data import load_reference_data

pytestmark = pytest.mark.django_db


def test_loads_every_region_and_industry_of_the_standards():
    assert Region.objects.filter(level="province").count() == 34
    assert Region.objects.filter(level="prefecture").count() == 333
    assert Region.objects.filter(level="county").count() == 2852
    assert Industry.objects.filter(level="section").count() == 20
    assert Industry.objects.filter(level="division").count() == 97


def test_loading_again_changes_nothing():
    before = list(Region.objects.values_list("code", "parent_id", "path", "name_zh"))
    result = load_reference_data()
    assert (result.regions, result.industries) == (3219, 117)
    assert list(Region.objects.values_list("code", "parent_id", "path", "name_zh")) == before


def test_loading_repairs_a_changed_name():
    Region.objects.filter(code="440106").update(name_zh="错误的名字")
    load_reference_data()
    assert Region.objects.get(code="440106").name_zh == "天河区"


def test_province_subtree_is_one_query_and_holds_its_cities_and_counties():
    guangdong = Region.objects.get(code="440000")
    with CaptureQueriesContext(connection) as queries:
        codes = set(Region.objects.subtree(guangdong).values_list("code", flat=True))
    assert len(queries) == 1
    assert {"440000", "440100", "440106", "441900"} <= codes
    assert "330106" not in codes
    assert all(code.startswith("44") for code in codes)


def test_municipality_districts_hang_directly_under_the_province():
    beijing = Region.objects.get(code="110000")
    chaoyang = Region.objects.get(code="110105")
    assert chaoyang.parent_id == "110000"
    assert Region.objects.subtree(beijing).filter(code="110105").exists()


def test_subtree_query_uses_the_path_index():
    Region.objects.get(code="440000")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT code FROM core_region WHERE path LIKE %s", ["440000/%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "region_path_prefix" in plan


def test_industry_division_lies_inside_its_section():
    manufacturing = Industry.objects.get(code="C")
    divisions = Industry.objects.subtree(manufacturing).filter(level="division")
    assert divisions.filter(code="39").exists()
    assert not divisions.filter(code="01").exists()
    assert divisions.count() == 31


# --- the release the table is made from ---------------------------------------------------


def test_the_regions_are_those_of_the_current_release_with_their_corrected_names():
    names = dict(Region.objects.values_list("code", "name_zh"))
    assert names["440305"] == "南山区"
    assert (names["450502"], names["450503"]) == ("海城区", "银海区")
    assert names["522302"] == "兴仁市"
    # county-level units governed by their province, and the ones that were missing
    for code in ("469001", "469005", "469030", "429004", "429021", "419001", "659001", "659012"):
        region = Region.objects.get(code=code)
        assert (region.level, region.successor_id) == ("county", None)
        assert region.parent_id == code[:2] + "0000"
    for code in ("210111", "410203", "460302", "460303"):
        assert code in names
    assert Region.objects.get(code="460300").parent_id == "460000"


def test_withdrawn_codes_stay_with_the_region_that_replaced_them():
    successors = dict(
        Region.objects.filter(successor__isnull=False).values_list("code", "successor_id")
    )
    assert successors == {
        "220724": "220781",  # 扶余市, renumbered
        "330283": "330213",  # 奉化市 → 奉化区
        "350681": "350604",  # 龙海市 → 龙海区
        "370684": "370614",  # 蓬莱市 → 蓬莱区
        "441723": "441704",  # 阳东县 → 阳东区
        "511422": "511403",  # 彭山县 → 彭山区
        "520114": "520115",  # 观山湖区, renumbered
        "632899": "632800",
    }
    assert not Region.objects.filter(successor__successor__isnull=False).exists()


def test_every_region_has_an_english_name_in_pinyin_with_its_generic_term():
    english = dict(Region.objects.values_list("code", "name_en"))
    assert english["440114"] == "Huadu District"
    assert english["440281"] == "Lechang"
    assert english["440106"] == "Tianhe District"
    assert english["371722"] == "Shan County"
    assert english["469030"] == "Qiongzhong Li and Miao Autonomous County"
    assert english["152921"] == "Alashan Left Banner"
    assert english["429021"] == "Shennongjia Forestry District"
    assert english["440100"] == "Guangzhou"
    assert english["150000"] == "Inner Mongolia"
    # readings a word dictionary gets wrong in place names, and peoples named in full
    assert (english["110105"], english["310112"]) == ("Chaoyang District", "Minhang District")
    assert english["220623"] == "Changbai Korean Autonomous County"  # 长白 is a place, not 白族
    assert english["520526"] == "Weining Yi, Hui and Miao Autonomous County"
    assert english["450328"] == "Longsheng Various Nationalities Autonomous County"
    assert english["622926"] == "Dongxiang Autonomous County"
    assert all(english.values())
    current = Region.objects.filter(level="county", successor__isnull=True)
    for name_zh, name_en in current.values_list("name_zh", "name_en"):
        if name_zh.endswith("区"):
            assert name_en.endswith(("District", "New Area")), name_en
        if name_zh.endswith("县"):
            assert name_en.endswith("County"), name_en


def test_the_table_is_what_the_installed_release_gives():
    """`manage.py update_regions` finds nothing to change: the committed table is the release
    (with its amendments); a newer release would list what it adds, withdraws and renames."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("update_regions", stdout=out)
    report = out.getvalue()
    assert "added (0)" in report
    assert "withdrawn:" not in report and "renamed:" not in report


def test_a_new_record_cannot_use_a_withdrawn_code_and_is_told_its_successor(cast):
    from core.errors import DomainError
    from enterprises.services import clean_enterprise_fields

    with pytest.raises(DomainError) as refused:
        clean_enterprise_fields({"region": Region.objects.get(code="330283")})
    assert "330213" in refused.value.fields["region"][0]
    # 文昌市 and 石河子市 can be chosen
    for code in ("469005", "659001"):
        assert clean_enterprise_fields({"region": Region.objects.get(code=code)})


def test_a_record_on_a_withdrawn_code_still_reads_with_its_name(cast):
    from tests.factories import EnterpriseFactory

    enterprise = EnterpriseFactory(region_id="330283")
    enterprise.refresh_from_db()
    assert enterprise.region.name_zh == "奉化市"
    assert enterprise.region.successor.name_zh == "奉化区"


def test_the_regions_api_says_which_codes_were_withdrawn_and_what_replaced_them(cast):
    from tests.conftest import api_as

    client = api_as(cast.staff)
    withdrawn = client.get("/api/v1/regions/330283/").json()
    assert (withdrawn["name_zh"], withdrawn["successor"]) == ("奉化市", "330213")
    assert client.get("/api/v1/regions/330213/").json()["successor"] is None
    current = client.get("/api/v1/regions/?within=330200&current=true&page_size=100").json()
    codes = {row["code"] for row in current["results"]}
    assert "330213" in codes and "330283" not in codes


def test_an_import_row_on_a_withdrawn_code_is_refused_with_where_to_go(cast):
    from members.imports.checking import RowChecker

    columns = {"region_code": 0}
    checker = RowChecker(columns, ["所属地区代码"])
    assert "330213" in checker.region_error("330283")
    assert "632800" in checker.region_error("632899")  # replaced by the prefecture around it
    assert checker.region_error("330213") is None
