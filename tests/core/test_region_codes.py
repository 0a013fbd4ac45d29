"""A region's subtree asked by code (`Region.codes_inside`, what the officials' lists filter by)
holds the same regions as asked by path, at every level of the reference data."""

import pytest

from core.models import Region

pytestmark = pytest.mark.django_db


def _inside_by_path(region: Region) -> set[str]:
    return set(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))


def _inside_by_code(region: Region) -> set[str]:
    return set(Region.objects.filter(region.codes_inside("code")).values_list("code", flat=True))


@pytest.mark.parametrize("level", [level for level, _label in Region.Level.choices])
def test_every_current_regions_subtree_by_code_is_its_subtree_by_path(level):
    regions = Region.objects.filter(level=level, successor__isnull=True)
    assert regions.exists()
    differ = [r.code for r in regions if _inside_by_code(r) != _inside_by_path(r)]
    assert differ == []
