"""The two demo associations, in two provinces: made by the administrator through
`association_create`, and put back through `association_update` when a field was changed while
trying the demo (their credit code, once given, is kept)."""

import random

from stdnum.cn import uscc as stdnum_uscc

from associations.models import Association
from associations.services import association_create, association_update
from core.models import Industry, Region, User
from core.workflow import snapshot

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

ASSOCIATIONS = [
    {
        "name": "广东省中小企业协会",
        "kind": Association.Kind.INDUSTRY_ASSOCIATION,
        "region": "440100",
        "province": "440000",
        "industries": ["C", "F", "G", "I"],
        "contact_name": "陈敏",
    },
    {
        "name": "浙江省温州商会",
        "kind": Association.Kind.CHAMBER_OF_COMMERCE,
        "region": "330100",
        "province": "330000",
        "industries": ["C", "G", "H"],
        "contact_name": "林海",
    },
]


def make_uscc(rng: random.Random, region_code: str, prefix: str = "91") -> str:
    """A valid unified social credit code registered in `region_code` (91: a company; 51: a
    social organisation such as an association)."""
    body = prefix + region_code + "".join(rng.choice(USCC_CHARS[:10]) for _ in range(8))
    body += rng.choice(USCC_CHARS)
    return body + stdnum_uscc.calc_check_digit(body)


def load(rng: random.Random, admin: User) -> list[Association]:
    associations = []
    for spec in ASSOCIATIONS:
        uscc = make_uscc(rng, spec["region"], prefix="51")
        industries = list(Industry.objects.filter(code__in=spec["industries"]))
        fields = {
            "kind": spec["kind"],
            "region": Region.objects.get(code=spec["region"]),
            "contact_name": spec["contact_name"],
        }
        association = _found(spec["name"], uscc)
        if association is None:
            association = association_create(
                actor=admin, name=spec["name"], uscc=uscc, industries=industries, **fields
            )
        elif _differs(association, name=spec["name"], industries=industries, **fields):
            association = association_update(
                actor=admin,
                association_id=association.pk,
                name=spec["name"],
                industries=industries,
                **fields,
            )
        associations.append(association)
    return associations


def _found(name: str, uscc: str) -> Association | None:
    """The demo association, by its name or, if it was renamed, by its credit code."""
    return (
        Association.objects.filter(name=name).order_by("pk").first()
        or Association.objects.filter(uscc=uscc).first()
    )


def _differs(association: Association, *, industries: list[Industry], **fields) -> bool:
    chosen = {industry.pk for industry in association.industries.all()}
    return snapshot(association, fields) != snapshot(Association(**fields), fields) or (
        chosen != {industry.pk for industry in industries}
    )
