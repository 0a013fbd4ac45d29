"""Projecting, laying out, simplifying and encoding one map (the `maps` extra: shapely, topojson).

Only `manage.py build_region_maps` imports this module; the portal reads what it writes with the
standard library (core/maps/assets.py). See docs/decisions/0013-region-maps.md.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np
import shapely
import topojson
from shapely.geometry import box, mapping

# The longer side of every map, in grid units: at 1000 px one unit is 0.2 px.
GRID = 5000
# Douglas–Peucker tolerance in grid units (0.4 px at 1000 px), applied to the shared arcs.
TOLERANCE = 2.0
# The smallest island drawn, in grid units: smaller ones become a diamond this wide, so that a
# reef of the South China Sea shows as a dot instead of vanishing in the rounding to the grid.
MIN_ISLAND = {"main": 4.0, "inset": 10.0}
# The South China Sea: parts of an area lying wholly in it (south of 18°N, or of 20°N east of
# Hainan island) go to an inset when most of the map's land lies outside it (the country's map,
# Hainan's); the inset shows the box INSET_BOX (longitude, latitude) at INSET_HEIGHT times the
# height of the main frame, in its lower right corner or beside it.
SOUTH_SEA = shapely.union_all([box(100.0, -5.0, 130.0, 18.0), box(112.0, -5.0, 130.0, 20.0)])
INSET_BOX = (106.5, 3.0, 123.0, 24.8)
INSET_HEIGHT = {"country": 0.3, "region": 0.9}
MARGIN = 0.015  # of the longer side, around everything, so that no stroke touches the edge
LABEL_ROOM = GRID // 36  # under the inset, for its name

# Albers equal-area conic for the whole country: standard parallels 25°N and 47°N, 105°E.
_P1, _P2, _LAMBDA0 = math.radians(25), math.radians(47), math.radians(105)
_N = (math.sin(_P1) + math.sin(_P2)) / 2
_C = math.cos(_P1) ** 2 + 2 * _N * math.sin(_P1)


def albers(lonlat: np.ndarray) -> np.ndarray:
    """Lon/lat in degrees → the plane, y pointing down (south) as in SVG."""
    lam, phi = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    theta = _N * (lam - _LAMBDA0)
    rho = np.sqrt(_C - 2 * _N * np.sin(phi)) / _N
    return np.column_stack([rho * np.sin(theta), rho * np.cos(theta)])


def local(center_lat: float):
    """Equirectangular, x shrunk by cos(latitude) at the map's middle: undistorted there, and a
    province or a city is small enough for the rest."""
    k = math.cos(math.radians(center_lat))

    def project(lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack([lonlat[:, 0] * k, -lonlat[:, 1]])

    return project


@dataclass
class Area:
    code: str
    name_zh: str
    name_en: str
    region: bool  # one of our regions (a link); otherwise drawn grey
    geometry: object  # shapely (Multi)Polygon in lon/lat


def _parts(geometry) -> list:
    return [g for g in getattr(geometry, "geoms", [geometry]) if not g.is_empty]


def _multi(parts: list):
    return shapely.MultiPolygon(parts) if parts else None


def in_south_sea(part) -> bool:
    return SOUTH_SEA.contains(part)


def split_for_inset(areas: list[Area]) -> tuple[dict, dict] | None:
    """Main-frame and inset geometries by code, or None when the map needs no inset: nothing
    lies in the South China Sea, or it is most of the map's land (Sansha's map)."""
    parts = [(a.code, p) for a in areas for p in _parts(a.geometry)]
    south = sum(p.area for _, p in parts if in_south_sea(p))
    if not south or south >= sum(p.area for _, p in parts) / 2:
        return None
    frame = box(*INSET_BOX)
    main, inset = {}, {}
    for area in areas:
        kept = [p for p in _parts(area.geometry) if not in_south_sea(p)]
        if kept:
            main[area.code] = _multi(kept)
        clipped = shapely.intersection(area.geometry, frame)
        polygons = [p for p in _parts(clipped) if p.geom_type == "Polygon" and p.area > 0]
        if polygons:
            inset[area.code] = _multi(polygons)
    return main, inset


def _transform(geometry, project, scale: float, offset: tuple[float, float]):
    def apply(xy: np.ndarray) -> np.ndarray:
        return project(xy) * scale + np.asarray(offset)

    return shapely.transform(geometry, apply)


def _bounds(geometries) -> tuple[float, float, float, float]:
    return shapely.total_bounds(np.asarray(list(geometries), dtype=object))


@dataclass
class Layout:
    """Where each piece goes on the grid: the main frame, and the inset's frame if any."""

    width: int
    height: int
    main: dict  # code → geometry on the grid (floats)
    inset: dict  # code → geometry on the grid
    inset_frame: tuple[float, float, float, float] | None  # x, y, width, height
    lines: list  # the dashed line, on the grid


def _inset_offset(main_bounds, inset_size, main_geometries) -> tuple[float, float]:
    """The inset's top-left corner: in the main frame's lower right corner when it covers no
    land there, else beside the main frame, bottom-aligned."""
    x0, _, x1, y1 = main_bounds
    w, h = inset_size
    corner = box(x1 - w, y1 - h, x1, y1)
    if not any(g.intersects(corner) for g in main_geometries):
        return x1 - w, y1 - h
    return x1 + 0.03 * (x1 - x0), y1 - h


def lay_out(areas: list[Area], project, lines: list, inset_height: float) -> Layout:
    """Project the map, place the inset, and scale everything so that the longer side is GRID
    units (plus the margin). `lines` (the dashed line) are drawn where the South China Sea is:
    in the inset, or on a map of its islands alone."""
    split = split_for_inset(areas)
    main_ll = split[0] if split else {a.code: a.geometry for a in areas}
    main = {c: _transform(g, project, 1.0, (0, 0)) for c, g in main_ll.items()}
    if not split:
        south = any(in_south_sea(p) for a in areas for p in _parts(a.geometry))
        drawn = [_transform(line, project, 1.0, (0, 0)) for line in lines] if south else []
        return _fit(main, {}, None, drawn)
    frame_ll = shapely.segmentize(box(*INSET_BOX), 0.25)
    bx0, by0, bx1, by1 = _transform(frame_ll, project, 1.0, (0, 0)).bounds
    main_bounds = _bounds(main.values())
    scale = inset_height * (main_bounds[3] - main_bounds[1]) / (by1 - by0)
    size = ((bx1 - bx0) * scale, (by1 - by0) * scale)
    x, y = _inset_offset(main_bounds, size, main.values())
    offset = (x - bx0 * scale, y - by0 * scale)
    inset = {c: _transform(g, project, scale, offset) for c, g in split[1].items()}
    clip = box(*INSET_BOX)
    drawn = [_transform(shapely.intersection(ln, clip), project, scale, offset) for ln in lines]
    return _fit(main, inset, (x, y, *size), drawn)


def _fit(main: dict, inset: dict, frame, lines: list) -> Layout:
    pieces = list(main.values()) + list(inset.values()) + [ln for ln in lines if not ln.is_empty]
    if frame:
        pieces.append(box(frame[0], frame[1], frame[0] + frame[2], frame[1] + frame[3]))
    x0, y0, x1, y1 = _bounds(pieces)
    longer = max(x1 - x0, y1 - y0)
    pad = MARGIN * longer
    scale = GRID / (longer + 2 * pad)
    shift = np.asarray([pad - x0, pad - y0])

    def to_grid(geometry):
        return shapely.transform(geometry, lambda xy: (xy + shift) * scale)

    grid_frame = None
    height = math.ceil((y1 - y0 + 2 * pad) * scale)
    if frame:
        grid_frame = ((frame[0] + shift[0]) * scale, (frame[1] + shift[1]) * scale)
        grid_frame += (frame[2] * scale, frame[3] * scale)
        height = max(height, math.ceil(grid_frame[1] + grid_frame[3] + LABEL_ROOM))
    return Layout(
        width=math.ceil((x1 - x0 + 2 * pad) * scale),
        height=height,
        main={c: to_grid(g) for c, g in main.items()},
        inset={c: to_grid(g) for c, g in inset.items()},
        inset_frame=grid_frame,
        lines=[to_grid(line) for line in lines if not line.is_empty],
    )


def _diamond(point, size: float):
    x, y, r = point.x, point.y, size / 2
    return shapely.Polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)])


def keep_islands(geometries: dict, size: float) -> dict:
    """Each area on the grid, its vertices rounded to whole units — the same vertex of two
    neighbours to the same point, so that their border stays shared. Islands smaller than `size`
    become a diamond of that size (when it touches no other area), so that rounding keeps them."""
    codes = sorted(geometries)
    tree = shapely.STRtree([geometries[c] for c in codes])
    result = {}
    for code in codes:
        parts, dots = [], []
        for part in _parts(geometries[code]):
            x0, y0, x1, y1 = part.bounds
            dot = _diamond(part.centroid, size) if max(x1 - x0, y1 - y0) < size else None
            if dot is not None and _alone(dot, code, tree, codes, geometries):
                dots.append(dot)
            else:
                parts.append(part)
        parts += _dots(dots, parts)
        if parts:
            result[code] = shapely.transform(shapely.MultiPolygon(parts), np.round)
    return result


def _dots(dots: list, parts: list) -> list:
    """The diamonds as one shape (neighbouring reefs' overlap), outside the area's other parts,
    which an even-odd fill would otherwise leave empty where they overlap."""
    if not dots:
        return []
    shape = shapely.union_all(dots)
    near = [part for part in parts if part.intersects(shape)]
    if near:
        shape = shapely.difference(shape, shapely.union_all(near))
    return [g for g in _parts(shape) if g.geom_type == "Polygon"]


def _alone(shape, code: str, tree, codes: list[str], geometries: dict) -> bool:
    near = tree.query(shape)
    return all(codes[i] == code or not geometries[codes[i]].intersects(shape) for i in near)


def topology(pieces: dict[str, object]) -> tuple[list[list[int]], dict[str, list[list[int]]]]:
    """Shared arcs simplified once (so neighbours keep one border), and each piece's rings as
    lists of arc indices (~i: arc i backwards). Pieces are keyed "code" or "code/inset"."""
    keys = sorted(pieces)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"key": k}, "geometry": mapping(pieces[k])}
            for k in keys
        ],
    }
    topo = topojson.Topology(
        collection, prequantize=False, toposimplify=TOLERANCE, prevent_oversimplify=True
    ).to_dict()
    rings: dict[str, list[list[int]]] = {}
    for geometry in topo["objects"]["data"]["geometries"]:
        key = geometry["properties"]["key"]
        if geometry["type"] == "Polygon":
            rings[key] = list(geometry["arcs"])
        elif geometry["type"] == "MultiPolygon":
            rings[key] = [ring for polygon in geometry["arcs"] for ring in polygon]
    arcs = [[[round(x), round(y)] for x, y in arc] for arc in topo["arcs"]]
    return arcs, rings


def delta_encode(points: list[list[int]]) -> list[int]:
    """[x0, y0, dx1, dy1, …]: the first point, then each step from the one before."""
    flat = [points[0][0], points[0][1]]
    for (px, py), (x, y) in itertools.pairwise(points):
        flat += [x - px, y - py]
    return flat


def encode_lines(lines: list) -> list[list[int]]:
    encoded = []
    for line in lines:
        simple = shapely.set_precision(shapely.simplify(line, TOLERANCE), 1.0)
        for part in getattr(simple, "geoms", [simple]):
            points = [[round(x), round(y)] for x, y in part.coords]
            if len(points) >= 2:
                encoded.append(delta_encode(points))
    return encoded
