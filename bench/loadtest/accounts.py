"""The load test's accounts in the bench database, made once and kept (all named `loadtest-…`).

- enterprise users, each of a bench member whose application in the bench batch is a draft or
  returned (so that it can be edited), and which is also a member of a load-test association:
  the needs they file go to that association, never to the bench association, whose exact
  count of 1,000,000 needs and 20,000 applications the bench checks before measuring;
- staff of the bench association (its queues are the ones worth measuring);
- officials of Guangdong and of one of its counties, as the bench's own officials;
- partner accounts bound to the bench association, each with a read-only API token whose key
  is kept in bench-data/loadtest/ (only its hash is in the database).

Every account has the same known password (PASSWORD): these accounts exist only in the bench
database, which holds generated data.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from associations.models import Association, AssociationUser, Membership
from batches.models import Application, Batch
from bench.generate import BENCH_BATCH, _bench_association, populate_members
from bench.loadtest.endpoints import WEIGHTS
from core.models import Role, User
from core.tokens import ApiToken, hash_key, token_create, working_now

PASSWORD = "loadtest-password-bench-only"  # noqa: S105 - generated accounts of the bench database
PREFIX = "loadtest-"
LOADTEST_ASSOCIATION = {
    "name": "广东省复工复产压力测试协会（基准）",
    "kind": Association.Kind.INDUSTRY_ASSOCIATION,
    "uscc_body": "51440100LAGRT0001",
    "region_id": "440100",
}
# Each official's jurisdiction and the regions whose dashboards they open (theirs and below).
OFFICIAL_REGIONS = {
    "440000": ["440000", "440100", "440300", "440106"],  # 广东省; 广州市, 深圳市, 天河区
    "440106": ["440106"],  # 广州市天河区
}


@dataclass
class Accounts:
    password: str
    enterprise: list[str]
    staff: list[str]
    official: list[str]
    official_regions: dict[str, list[str]]  # the regions whose dashboards each one opens
    partner: list[dict]  # username, token key
    batch_id: int
    association_id: int  # where the enterprise users file their needs

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False))


def _user(username: str, password: str, **fields) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={**fields, "password": password}
    )
    return user


def _enterprise_users(
    count: int, batch: Batch, association: Association, password: str
) -> list[str]:
    editable = (
        Application.objects.filter(
            batch=batch, status__in=(Application.Status.DRAFT, Application.Status.RETURNED)
        )
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
    )
    enterprise_ids = list(editable[:count])
    if len(enterprise_ids) < count:
        raise RuntimeError(f"only {len(enterprise_ids)} editable applications for {count} users")
    names = []
    for index, enterprise_id in enumerate(enterprise_ids):
        name = f"{PREFIX}enterprise-{index:03d}"
        user = _user(name, password, role=Role.ENTERPRISE, enterprise_id=enterprise_id)
        if user.enterprise_id != enterprise_id:
            User.objects.filter(pk=user.pk).update(enterprise_id=enterprise_id)
        Membership.objects.get_or_create(
            enterprise_id=enterprise_id,
            association=association,
            defaults={"status": Membership.Status.ACTIVE, "joined_on": timezone.localdate()},
        )
        names.append(name)
    return names


def _linked(role: str, count: int, association: Association, password: str) -> list[User]:
    users = []
    for index in range(count):
        user = _user(f"{PREFIX}{role}-{index:03d}", password, role=role)
        AssociationUser.objects.get_or_create(user=user, association=association)
        users.append(user)
    return users


def _partner_key(user: User, keys: dict[str, str]) -> str:
    """The partner's token key kept from an earlier run if it still works, else a new one."""
    key = keys.get(user.username, "")
    if key and ApiToken.objects.filter(working_now(), key_hash=hash_key(key), user=user).exists():
        return key
    _token, key = token_create(
        actor=user, name="load test", access=ApiToken.Access.READ, number_if_taken=True
    )
    return key


def pool_sizes(people: int) -> dict[str, int]:
    """Accounts of each role for `people` simulated people in the locustfile's proportions
    (one more than its share: locust rounds), each account used by one person at most."""
    return {
        role: -(-people * weight // sum(WEIGHTS.values())) + 1 for role, weight in WEIGHTS.items()
    }


def prepare(people: int, path: Path) -> Accounts:
    """Accounts for `people` simulated people, written to `path` with the partners' keys."""
    sizes = pool_sizes(people)
    population = populate_members(0)  # the bench association and its staff, already there
    batch = Batch.objects.filter(
        association=population.association, name=BENCH_BATCH["name"]
    ).first()
    if batch is None or not population.members:
        raise SystemExit(
            "No bench data in this database: run `make bench` (or `make bench "
            "SCALE=national ONLY=data`) once first."
        )
    kept = json.loads(path.read_text()) if path.exists() else {}
    keys = {partner["username"]: partner["key"] for partner in kept.get("partner", [])}
    password = make_password(PASSWORD)  # hashed once: the same password for every account
    with transaction.atomic():
        association = _bench_association(LOADTEST_ASSOCIATION)
        enterprise = _enterprise_users(sizes["enterprise"], batch, association, password)
        staff = _linked(Role.STAFF, sizes["staff"], population.association, password)
        jurisdictions = list(OFFICIAL_REGIONS)
        officials = [
            _user(
                f"{PREFIX}official-{index:03d}",
                password,
                role=Role.OFFICIAL,
                jurisdiction_id=jurisdictions[index % len(jurisdictions)],
            )
            for index in range(sizes["official"])
        ]
        partners = _linked(Role.PARTNER, sizes["partner"], population.association, password)
    partner = [{"username": user.username, "key": _partner_key(user, keys)} for user in partners]
    accounts = Accounts(
        password=PASSWORD,
        enterprise=enterprise,
        staff=[user.username for user in staff],
        official=[user.username for user in officials],
        official_regions={
            user.username: OFFICIAL_REGIONS[user.jurisdiction_id] for user in officials
        },
        partner=partner,
        batch_id=batch.pk,
        association_id=association.pk,
    )
    accounts.write(path)
    return accounts
