"""Loading the GB/T 2260 regions and GB/T 4754-2017 industries shipped in data/reference/."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.models import Industry, Region

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"
REGIONS_FILE = REFERENCE_DIR / "regions_gbt2260.csv"
INDUSTRIES_FILE = REFERENCE_DIR / "industries_gbt4754_2017.csv"


def withdrawn_region(code: str, successor: str, successor_level: str = "county") -> str:
    """What to tell someone who gives a withdrawn region code for something new."""
    if successor_level != Region.Level.COUNTY:  # replaced by the area around it
        return _(
            "Region code %(code)s was withdrawn from GB/T 2260; choose the county-level region "
            "of %(successor)s it is now part of."
        ) % {"code": code, "successor": successor}
    return _(
        "Region code %(code)s was withdrawn from GB/T 2260; use %(successor)s, the region that "
        "replaced it."
    ) % {"code": code, "successor": successor}


@dataclass
class LoadResult:
    regions: int
    industries: int


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _with_paths(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Give each row its materialised path; parents may appear after children in the file."""
    by_code = {row["code"]: row for row in rows}
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        if code not in paths:
            parent = by_code[code]["parent_code"]
            if parent and parent not in by_code:
                raise ValueError(f"{code}: parent {parent} is not in the file")
            paths[code] = (path_of(parent) if parent else "") + code + "/"
        return paths[code]

    for row in rows:
        row["path"] = path_of(row["code"])
    # Parents first, so that every foreign key points at a row already written.
    return sorted(rows, key=lambda row: (row["path"].count("/"), row["code"]))


def load_regions(model: type[models.Model] = Region, path: Path = REGIONS_FILE) -> int:
    """Insert or update every region of the file (`model`: a migration's historical model), then
    point each withdrawn code at its successor (which the first pass wrote)."""
    rows = _read(path)
    count = _upsert(model, rows)
    successors: dict[str, list[str]] = {}
    for row in rows:
        successors.setdefault(row.get("successor_code") or "", []).append(row["code"])
    for successor, codes in successors.items():
        model.objects.filter(code__in=codes).exclude(successor_id=successor or None).update(
            successor_id=successor or None
        )
    return count


def _upsert(model: type[models.Model], rows: list[dict[str, str]]) -> int:
    objects = [
        model(
            code=row["code"],
            parent_id=row["parent_code"] or None,
            level=row["level"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            path=row["path"],
        )
        for row in _with_paths(rows)
    ]
    model.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["parent", "level", "name_zh", "name_en", "path"],
    )
    return len(objects)


@transaction.atomic
def load_reference_data() -> LoadResult:
    """Insert or update every region and industry; running it again changes nothing."""
    return LoadResult(
        regions=load_regions(),
        industries=_upsert(Industry, _read(INDUSTRIES_FILE)),
    )
