import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Industry, Region
from core.reference_data import load_reference_data

pytestmark = pytest.mark.django_db


def test_loads_every_region_and_industry_of_the_standards():
    assert Region.objects.filter(level="province").count() == 34
    assert Region.objects.filter(level="prefecture").count() == 332
    assert Region.objects.filter(level="county").count() == 2814
    assert Industry.objects.filter(level="section").count() == 20
    assert Industry.objects.filter(level="division").count() == 97


def test_loading_again_changes_nothing():
    before = list(Region.objects.values_list("code", "parent_id", "path", "name_zh"))
    result = load_reference_data()
    assert (result.regions, result.industries) == (3180, 117)
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
