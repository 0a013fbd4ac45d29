"""Loading the GB/T 2260 regions and GB/T 4754-2017 industries shipped in data/reference/."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction

from core.models import Industry, Region

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"
REGIONS_FILE = REFERENCE_DIR / "regions_gbt2260.csv"
INDUSTRIES_FILE = REFERENCE_DIR / "industries_gbt4754_2017.csv"


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
        regions=_upsert(Region, _read(REGIONS_FILE)),
        industries=_upsert(Industry, _read(INDUSTRIES_FILE)),
    )
