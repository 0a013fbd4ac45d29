"""The map of a region one level down (the country → its provinces, a province → its cities, a
city → its counties), each area coloured by a rate and linked to its own page: what the template
core/_region_map.html needs to draw it as an inline SVG, with no script and nothing fetched.

    region_map(parent_code, {code: MapArea(value=0.25, href="…", title="…")}) -> RegionMap | None

The geometry comes from the map files of settings.REGION_MAP (core/maps/assets.py; the builtin
ones are written by `manage.py build_region_maps`). See docs/decisions/0013-region-maps.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.maps import assets
from core.maps.assets import BUILTIN_DIR

# Five classes of equal width, light = low, dark = high: the one blue of the portal's charts
# (the heat map's shades, static/core/charts.css), stepping evenly in lightness so that it stays
# in order in greyscale and for every kind of colour blindness.
CLASS_FILLS = ("#c6dbef", "#93bde0", "#5d9acb", "#2f6aa8", "#163d6b")
NO_DATA_FILL = "#f5f7fa"  # under a hatch
NOT_OURS_FILL = "#d9dee4"  # under dots: an area of the map that is none of our regions
PATTERN_INK = "#7b8794"


@dataclass(frozen=True)
class MapArea:
    """What the caller knows of one child region: its rate (0..1, None: no data), the page it
    leads to, and the tooltip."""

    value: float | Decimal | None = None
    href: str = ""
    title: str = ""


@dataclass(frozen=True)
class DrawnArea:
    code: str
    d: str
    fill: str  # a colour, or the map's hatch (no data) or dots (not ours)
    css_class: str  # class-0 … class-4, no-data, not-ours
    href: str
    title: str


@dataclass(frozen=True)
class LegendEntry:
    label: str
    fill: str
    css_class: str
    pattern: str = ""  # "hatch" or "dots", drawn over the fill


@dataclass(frozen=True)
class Patterns:
    """The hatch of no data and the dots of areas that are none of ours, in grid units."""

    size: int
    mark: int
    no_data: str = NO_DATA_FILL
    not_ours: str = NOT_OURS_FILL
    ink: str = PATTERN_INK


@dataclass(frozen=True)
class Inset:
    x: int
    y: int
    width: int
    height: int
    label_x: int
    label_y: int


@dataclass(frozen=True)
class RegionMap:
    id: str  # prefix of the element ids of this map
    key: str
    title: str
    legend_title: str
    width: int
    height: int
    areas: tuple[DrawnArea, ...]
    legend: tuple[LegendEntry, ...]
    inset: Inset | None
    lines: str  # path data of the South China Sea's dashed line, where the map shows it
    review_number: str
    schematic: bool  # no review number: the map says it is a sketch
    patterns: Patterns
    font_size: int

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def map_directory() -> str | None:
    """Where the map files are read from, or None when maps are turned off."""
    setting = settings.REGION_MAP
    if setting == "off":
        return None
    return str(BUILTIN_DIR if setting == "builtin" else setting)


def rate_class(value: float | Decimal | None) -> int | None:
    """0..4 for a rate (0–20 %, 20–40 %, …, 80–100 %; a class holds its lower bound), None for
    no data."""
    if value is None:
        return None
    # In decimal, so that 0.6 is in 60–80 % (0.6 * 5 in binary floating point is not exactly 3).
    return min(max(int(Decimal(str(value)) * 5), 0), 4)


def _percent(value: float | Decimal) -> str:
    return f"{Decimal(str(value)) * 100:.2f}%"


def _name(zh: str, en: str) -> str:
    return en if en and (get_language() or "").startswith("en") else zh


def _drawn(area: assets.AssetArea, given: MapArea | None, map_id: str) -> DrawnArea:
    name = _name(area.name_zh, area.name_en)
    if not area.region:
        title = _("%(name)s: not one of the portal's regions") % {"name": name}
        return DrawnArea(area.code, area.d, f"url(#{map_id}-dots)", "not-ours", "", title)
    given = given or MapArea()
    klass = rate_class(given.value)
    if klass is None:
        title = given.title or _("%(name)s: no data") % {"name": name}
        fill = f"url(#{map_id}-hatch)"
        return DrawnArea(area.code, area.d, fill, "no-data", given.href, title)
    title = given.title or _("%(name)s: %(rate)s") % {"name": name, "rate": _percent(given.value)}
    return DrawnArea(area.code, area.d, CLASS_FILLS[klass], f"class-{klass}", given.href, title)


def _legend(drawn: tuple[DrawnArea, ...]) -> tuple[LegendEntry, ...]:
    labels = [_("under %(percent)s") % {"percent": "20%"}]
    labels += [f"{low}–{low + 20}%" for low in (20, 40, 60)]
    labels.append(_("%(percent)s or more") % {"percent": "80%"})
    entries = [
        LegendEntry(label, fill, f"class-{i}")
        for i, (label, fill) in enumerate(zip(labels, CLASS_FILLS, strict=True))
    ]
    entries.append(LegendEntry(_("no data"), NO_DATA_FILL, "no-data", "hatch"))
    if any(area.css_class == "not-ours" for area in drawn):
        label = _("not one of the portal's regions")
        entries.append(LegendEntry(label, NOT_OURS_FILL, "not-ours", "dots"))
    return tuple(entries)


def _inset(asset: assets.Asset, font_size: int) -> Inset | None:
    """The inset's frame, and where its name goes (under it, right-aligned)."""
    if not asset.inset:
        return None
    x, y, width, height = asset.inset
    return Inset(x, y, width, height, x + width, y + height + font_size)


def region_map(
    parent_code: str | None,
    areas: Mapping[str, MapArea],
    *,
    title: str = "",
    legend_title: str = "",
) -> RegionMap | None:
    """The map of the children of `parent_code` (None: the country's provinces), or None when
    maps are turned off (settings.REGION_MAP) or there is no map of that region. Areas missing
    from `areas` are drawn as no data; areas of the map that are none of our regions are grey,
    without a link."""
    directory, key = map_directory(), assets.key_of(parent_code)
    asset = assets.load(directory, key) if directory and key else None
    if asset is None:
        return None
    map_id = f"region-map-{key}"
    drawn = tuple(_drawn(area, areas.get(area.code), map_id) for area in asset.areas)
    longer = max(asset.width, asset.height)
    pattern = max(longer // 125, 4)
    font_size = longer // 70  # fits the room left under the inset (core/maps/geometry.LABEL_ROOM)
    name = _name(asset.name_zh, asset.name_en)
    review_number = settings.REGION_MAP_REVIEW_NUMBER.strip()
    return RegionMap(
        id=map_id,
        key=key,
        title=title or _("Resumption rate in %(name)s, by region") % {"name": name},
        legend_title=legend_title or _("Resumption rate"),
        width=asset.width,
        height=asset.height,
        areas=drawn,
        legend=_legend(drawn),
        inset=_inset(asset, font_size),
        lines=asset.lines,
        review_number=review_number,
        schematic=not review_number,
        patterns=Patterns(size=pattern, mark=max(pattern // 4, 1)),
        font_size=font_size,
    )
