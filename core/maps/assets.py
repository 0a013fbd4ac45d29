"""Reading a map file with the standard library: its areas as SVG path data.

A map file (written by `manage.py build_region_maps`, core/maps/build.py) is JSON:
  format   1
  code     the parent region's code (null: the country); name  [Chinese, English]
  width, height   the map's size in grid units (the longer side is 5000: 0.2 px at 1000 px),
           x to the right, y down, as in SVG
  inset    [x, y, width, height] of the South China Sea inset, or null
  lines    lines drawn in the inset (the dashed line), each [x0, y0, dx1, dy1, …]
  areas    [{code, name: [zh, en], region: true if one of our regions, rings: [[arc, …], …]}]
           a ring lists arc indices, ~i for arc i backwards (as in TopoJSON); parts and holes
           are all rings, filled even-odd
  arcs     each [x0, y0, dx1, dy1, …]: whole grid units, each step from the point before;
           neighbours share the arc of their common border
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent / "data"
FORMAT = 1
COUNTRY = "country"
_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class AssetArea:
    code: str
    name_zh: str
    name_en: str
    region: bool
    d: str  # SVG path data, in grid units


@dataclass(frozen=True)
class Asset:
    code: str | None
    name_zh: str
    name_en: str
    width: int
    height: int
    inset: tuple[int, int, int, int] | None
    lines: str  # SVG path data of the inset's lines
    areas: tuple[AssetArea, ...]


class _Arc:
    """One arc as relative path steps, both ways round."""

    __slots__ = ("backward", "end", "forward", "start")

    def __init__(self, flat: list[int]):
        xs, ys = flat[0::2], flat[1::2]
        steps = list(zip(xs[1:], ys[1:], strict=True))
        self.start = (xs[0], ys[0])
        self.end = (sum(xs), sum(ys))
        self.forward = " ".join(f"{dx} {dy}" for dx, dy in steps)
        self.backward = " ".join(f"{-dx} {-dy}" for dx, dy in reversed(steps))


def _ring(arcs: list[_Arc], ring: list[int]) -> str:
    first = ring[0]
    x, y = arcs[first].start if first >= 0 else arcs[~first].end
    steps = [arcs[i].forward if i >= 0 else arcs[~i].backward for i in ring]
    steps = [s for s in steps if s]
    return f"M{x} {y}l{' '.join(steps)}z" if steps else ""


def _line(flat: list[int]) -> str:
    arc = _Arc(flat)
    return f"M{arc.start[0]} {arc.start[1]}l{arc.forward}" if arc.forward else ""


def key_of(parent_code: str | None) -> str | None:
    """The file name of a map (without .json), or None for what is no region's code."""
    if parent_code is None:
        return COUNTRY
    return str(parent_code) if _CODE.match(str(parent_code)) else None


@lru_cache(maxsize=128)
def load(directory: str, key: str) -> Asset | None:
    """The map `key` from `directory`, or None when there is no such file. Kept in memory: the
    path data is built once per process and map."""
    path = Path(directory) / f"{key}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: map format {data.get('format')!r}, expected {FORMAT}")
    arcs = [_Arc(flat) for flat in data["arcs"]]
    areas = tuple(
        AssetArea(
            code=area["code"],
            name_zh=area["name"][0],
            name_en=area["name"][1],
            region=bool(area["region"]),
            d="".join(_ring(arcs, ring) for ring in area["rings"]),
        )
        for area in data["areas"]
    )
    return Asset(
        code=data["code"],
        name_zh=data["name"][0],
        name_en=data["name"][1],
        width=int(data["width"]),
        height=int(data["height"]),
        inset=tuple(data["inset"]) if data.get("inset") else None,
        lines="".join(_line(flat) for flat in data.get("lines", [])),
        areas=areas,
    )
