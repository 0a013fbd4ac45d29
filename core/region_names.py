"""Finding regions by what people type: a name (乐昌市, 广州市, 广州), the name with its parents
(广东省韶关市乐昌市, 广东乐昌), its pinyin (lechang, Chaoyang District, chaoyangqu) or its
GB/T 2260 code (440281).

Names are not unique across China (朝阳区 is in Beijing and in Changchun): `find` answers every
region a text may mean, and the caller says which to pick when there are several. A withdrawn
code's name is only found when no current region has it.

The names are read from an index of the regions built once per process from the table: the
regions change only by a migration (docs/decisions/0006), after which the processes restart;
saving or deleting a region through the ORM (tests, the admin) forgets the index.
"""

import bisect
import re
import threading
import unicodedata
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from core.models import Region
from core.regions import split_generic

CODE = re.compile(r"[0-9]{1,12}")
MAX_TEXT = 64  # longer than any name with its parents: the rest is not a region's name
_IGNORED = re.compile(r"[\s'’`\-·・.,，、/()（）]+")
LEVEL_RANK = {Region.Level.PROVINCE: 0, Region.Level.PREFECTURE: 1, Region.Level.COUNTY: 2}

# Long names of the provinces that are not "<name>省".
PROVINCE_LONG = {
    "北京": "北京市",
    "天津": "天津市",
    "上海": "上海市",
    "重庆": "重庆市",
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
# A generic term in pinyin, for names typed like "chaoyangqu" or "guangdongsheng".
GENERIC_PINYIN = {
    "省": "sheng",
    "市": "shi",
    "区": "qu",
    "县": "xian",
    "旗": "qi",
    "盟": "meng",
    "地区": "diqu",
    "林区": "linqu",
    "新区": "xinqu",
    "自治县": "zizhixian",
    "自治旗": "zizhiqi",
    "自治州": "zizhizhou",
    "自治区": "zizhiqu",
}


def normalise(text: str) -> str:
    """What a name is compared as: full-width characters as half-width, lower case, without
    spaces, apostrophes, hyphens and separators (Chaoyang District = chaoyangdistrict), ü as u."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    return _IGNORED.sub("", text).replace("ü", "u").replace("v", "u")


@dataclass(frozen=True)
class Place:
    """A region as the index knows it."""

    code: str
    parent: str | None
    level: str
    name_zh: str
    name_en: str
    path: str
    withdrawn: bool

    @property
    def long_zh(self) -> str:
        """The name as written in full: 广东省, 北京市, 韶关市, 延边朝鲜族自治州, 乐昌市."""
        if self.level == Region.Level.PROVINCE:
            return PROVINCE_LONG.get(self.name_zh, self.name_zh + "省")
        if self.level == Region.Level.PREFECTURE and not self.name_zh.endswith(
            ("自治州", "地区", "盟")
        ):
            return self.name_zh + "市"
        return self.name_zh

    @property
    def name(self) -> str:
        """Its own name in the active language, written in full in Chinese."""
        return self.name_en if _english() and self.name_en else self.long_zh

    def within(self, other: "Place | None") -> bool:
        return other is None or (self.path.startswith(other.path) and self.code != other.code)

    def names(self) -> tuple[set[str], set[str]]:
        """The keys it is found by: its names (exact), and its place name without the generic
        term (loose: 乐昌 for 乐昌市, chaoyang for Chaoyang District), used when nothing is
        called exactly what was typed."""
        exact = {normalise(self.name_zh), normalise(self.long_zh), normalise(self.name_en)}
        loose: set[str] = set()
        stem, _term = split_generic(self.name_zh)
        generic = self.long_zh[len(stem) :] if self.long_zh.startswith(stem) else ""
        if self.level == Region.Level.PROVINCE and self.name_zh in PROVINCE_LONG:
            exact.add(normalise(self.name_zh + "自治区"))  # 广西自治区
        words = self.name_en.split()
        if words:
            first = normalise(words[0])
            if generic in GENERIC_PINYIN and len(words) <= 2:
                exact.add(first + GENERIC_PINYIN[generic])  # chaoyangqu, lechangshi
            if len(words) > 1:
                loose.add(first)
        if len(stem) >= 2 and stem != self.name_zh:
            loose.add(normalise(stem))
        exact.discard("")
        return exact, loose - exact


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Index:
    def __init__(self, rows):
        self.places: dict[str, Place] = {}
        parents = {code: parent for code, parent, *_rest in rows}
        for code, parent, level, name_zh, name_en, successor in rows:
            self.places[code] = Place(
                code, parent, level, name_zh, name_en, _path(code, parents), successor is not None
            )
        self.exact: dict[str, list[Place]] = {}
        self.loose: dict[str, list[Place]] = {}
        self.children: dict[str | None, list[Place]] = {}
        keys: set[tuple[str, str]] = set()
        for place in self.places.values():
            exact, loose = place.names()
            for key in exact:
                self.exact.setdefault(key, []).append(place)
            for key in loose:
                self.loose.setdefault(key, []).append(place)
            keys |= {(key, place.code) for key in exact | loose}
            if not place.withdrawn:
                self.children.setdefault(place.parent, []).append(place)
        self.sorted_keys = sorted(keys)
        for children in self.children.values():
            children.sort(key=lambda place: place.code)

    def chain(self, place: Place) -> list[Place]:
        """The place and its parents, the province first."""
        return [self.places[code] for code in place.path.strip("/").split("/")]

    def full_name(self, place: Place) -> str:
        """广东省韶关市乐昌市; in English Lechang, Shaoguan, Guangdong."""
        chain = self.chain(place)
        if _english():
            return ", ".join(p.name_en or p.name_zh for p in reversed(chain))
        return "".join(p.long_zh for p in chain)

    def descendants(self, place: Place, levels: tuple[str, ...]) -> list[Place]:
        """The current regions under a place at these levels, in code order."""
        found = []
        for child in self.children.get(place.code, ()):
            if child.level in levels:
                found.append(child)
            found += self.descendants(child, levels)
        return found

    def _named(self, key: str, within: Place | None, *, loose: bool) -> list[Place]:
        table = self.loose if loose else self.exact
        return [place for place in table.get(key, ()) if place.within(within)]

    def _starting(self, key: str, within: Place | None) -> list[Place]:
        found = []
        start = bisect.bisect_left(self.sorted_keys, (key, ""))
        for name, code in self.sorted_keys[start:]:
            if not name.startswith(key):
                break
            if self.places[code].within(within):
                found.append(self.places[code])
        return found

    def walk(self, key: str, within: Place | None = None, *, prefix: bool = False) -> set[Place]:
        """The places `key` names inside `within`: by a name of theirs, or else as a province's or
        a prefecture's name followed by the rest (广东省 + 韶关市 + 乐昌市). With `prefix`, the last
        part may be the start of a name (as someone types)."""
        direct = self._named(key, within, loose=False) or self._named(key, within, loose=True)
        if prefix:
            direct = [*direct, *self._starting(key, within)]
        elif direct:
            return set(direct)
        found = set(direct)
        for cut in range(1, len(key)):
            for head in self._named(key[:cut], within, loose=False):
                if head.level != Region.Level.COUNTY:
                    found |= self.walk(key[cut:], head, prefix=prefix)
        return found


def _path(code: str, parents: dict[str, str | None]) -> str:
    path = []
    while code:
        path.insert(0, code)
        code = parents.get(code)
    return "/".join(path) + "/"


_index: Index | None = None
_lock = threading.Lock()


def index() -> Index:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                rows = Region.objects.order_by("code").values_list(
                    "code", "parent_id", "level", "name_zh", "name_en", "successor_id"
                )
                _index = Index(list(rows))
    return _index


def forget(**kwargs) -> None:
    global _index
    _index = None


post_save.connect(forget, sender=Region, dispatch_uid="region_names.forget.save")
post_delete.connect(forget, sender=Region, dispatch_uid="region_names.forget.delete")


def _by_code(places) -> list[Place]:
    return sorted(places, key=lambda place: place.code)


def find(text: str) -> list[Place]:
    """Every region `text` may mean: a code is that region; a name the current regions called
    so (or, when none is, the withdrawn ones)."""
    key = normalise(str(text or "")[: MAX_TEXT * 4])
    if not key or len(key) > MAX_TEXT:
        return []
    places = index()
    if CODE.fullmatch(key):
        return [places.places[key]] if key in places.places else []
    found = places.walk(key)
    if not found and "," in text:  # as written in English: Lechang, Shaoguan, Guangdong
        found = places.walk(normalise("".join(reversed(text.split(",")))))
    current = [place for place in found if not place.withdrawn]
    return _by_code(current or found)


def suggest(text: str, *, levels: tuple[str, ...] = (), limit: int = 20) -> list[Place]:
    """Current regions for a text being typed: those it names first, then those whose name
    starts with it, the larger regions first. With `levels`, a larger region that matches
    stands for its regions at those levels (韶关 → its counties)."""
    key = normalise(str(text or "")[: MAX_TEXT * 4])
    if not key or len(key) > MAX_TEXT:
        return []
    places = index()
    if CODE.fullmatch(key):
        matches = [place for code, place in places.places.items() if code.startswith(key)]
    else:
        named = set(find(text))
        matches = sorted(
            places.walk(key, prefix=True),
            key=lambda p: (p not in named, LEVEL_RANK[p.level], p.code),
        )
    result: list[Place] = []
    for place in matches:
        if place.withdrawn or place in result:
            continue
        if levels and place.level not in levels:
            result += [child for child in places.descendants(place, levels) if child not in result][
                : limit - len(result)
            ]
        else:
            result.append(place)
        if len(result) >= limit:
            break
    return result[:limit]


def place_of(region: "Region | Place | str | None") -> Place | None:
    code = getattr(region, "code", region)
    return index().places.get(code) if code else None


def full_name(region: "Region | Place") -> str:
    """A region's name with its parents' (广东省韶关市乐昌市), in the active language."""
    place = place_of(region)
    return index().full_name(place) if place else str(region)


def list_name(region: "Region | Place") -> str:
    """The full name as an item of a list (separated by 、 or commas): 广东省韶关市乐昌市; in
    English Guangdong / Shaoguan / Lechang."""
    place = place_of(region)
    if place is None:
        return str(region)
    if _english():
        return " / ".join(p.name_en or p.name_zh for p in index().chain(place))
    return index().full_name(place)


def children(parent: "Region | Place | str | None") -> list[Place]:
    """The current regions directly under a region (the provinces under None)."""
    code = getattr(parent, "code", parent) or None
    return list(index().children.get(code, ()))


def chain(region: "Region | Place | str") -> list[Place]:
    place = place_of(region)
    return index().chain(place) if place else []
