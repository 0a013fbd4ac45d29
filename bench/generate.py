"""Realistic member data: real county and industry codes from the database, valid credit codes,
valid mobile numbers, Chinese company and person names.

Two products:
- `write_member_csv`: a member spreadsheet in the import format (the file staff upload);
- `populate_members`: a hundred thousand enterprises, active members of one association with a
  staff user, written with COPY in seconds; running it again finds them and does nothing.

Every row is a pure function of its dataset's seed and its index, so the data are the same on
every run and a population can be extended to a larger size without touching what is there.
"""

import csv
import io
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from associations.models import Association, AssociationUser, Membership
from batches.models import Application, Batch
from core.models import Event, Industry, Region, Role, User, set_links
from enterprises.models import Enterprise
from members.imports import OPTIONAL, REQUIRED

# The import's own columns, in its order.
CSV_HEADER = [*REQUIRED, *OPTIONAL]


@dataclass(frozen=True)
class Dataset:
    """One family of enterprises. `org_digit` starts the nine-character organisation part of
    every credit code of the family, so two families never share a credit code."""

    seed: int
    org_digit: str
    home_province: str  # most members are based in the association's own province
    home_share: float
    member_prefix: str


# The 100,000 members already in the database (API and page benchmarks): a Guangdong association.
POPULATION = Dataset(
    seed=2020, org_digit="1", home_province="440000", home_share=0.8, member_prefix="GD"
)
# The 100,000-row spreadsheet (import benchmark): a Zhejiang chamber of commerce.
IMPORTED = Dataset(
    seed=4754, org_digit="2", home_province="330000", home_share=0.7, member_prefix="ZJ"
)
# The 1,000,000-row spreadsheet of the national import benchmark (bench.importing --national):
# a family of its own, so that it creates its enterprises instead of meeting the one above.
IMPORTED_NATIONAL = Dataset(
    seed=1949, org_digit="4", home_province="110000", home_share=0.1, member_prefix="QG"
)

POPULATION_ASSOCIATION = {
    "name": "广东省中小企业协会（基准）",
    "kind": Association.Kind.INDUSTRY_ASSOCIATION,
    "uscc_body": "51440100BENCH0001",
    "region_id": "440100",
}
POPULATION_STAFF = "bench-staff"

# Company names: {city}{brand}{trade}{legal form}, the trade following the industry section.
BRAND_CHARS = (
    "华兴盛达永利鸿运金源德信恒通新锐宏图瑞丰安泰佳美嘉禾昌隆"
    "远航明达信诚顺发富康天成广源聚和同创荣辉鼎立博雅志远锦程"
)
TRADES = {
    "A": ["农业科技", "生态农业", "水产养殖"],
    "B": ["矿业", "石材"],
    "C": [
        "电子科技",
        "五金制品",
        "塑料制品",
        "服装",
        "食品",
        "机械设备",
        "新材料",
        "精密模具",
        "家具",
        "纺织",
        "医疗器械",
        "包装印刷",
        "照明电器",
        "汽车配件",
    ],
    "D": ["能源", "燃气"],
    "E": ["建筑工程", "装饰工程", "市政工程"],
    "F": ["商贸", "贸易", "百货", "电子商务"],
    "G": ["物流", "运输", "供应链管理"],
    "H": ["餐饮管理", "酒店管理"],
    "I": ["信息技术", "网络科技", "软件"],
    "L": ["商务服务", "企业管理咨询", "人力资源"],
    "M": ["检测技术", "工程设计", "生物科技"],
    "O": ["家政服务", "汽车维修"],
}
OTHER_TRADES = ["实业", "发展", "科技", "服务"]
LEGAL_FORMS = ["有限公司"] * 17 + ["有限责任公司"] * 2 + ["股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静强磊洋勇艳杰军涛明超秀英华慧建国志红丽平刚桂兰玉霞海燕亮婷欣怡浩宇"
ROADS = ["人民路", "解放路", "中山路", "建设路", "工业大道", "科技园路", "环城路", "新华街"]
# Chinese mobile ranges: 13x, 15x without 154, 18x.
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + [f"15{d}" for d in "01235789"]
MOBILE_PREFIXES += [f"18{d}" for d in range(10)]
# Small enterprises dominate; employees follow the size (GB/T 4754 industrial thresholds).
SIZES = [("micro", 60, (1, 19)), ("small", 30, (20, 299)), ("medium", 10, (300, 999))]
SIZE_IN_CHINESE = {"micro": "微型", "small": "小型", "medium": "中型"}
REVENUE_BY_SIZE = {
    "micro": ["lt1m", "1m-10m"],
    "small": ["1m-10m", "10m-50m"],
    "medium": ["10m-50m", "50m-200m", "gt200m"],
}
OWNERSHIPS = ["private"] * 17 + ["collective", "foreign", "other"]
# An odd multiplier not divisible by 5 is a bijection on 0..10^8-1: unique, scattered serials.
SERIAL_MULTIPLIER = 48_271


@dataclass(frozen=True)
class County:
    code: str
    name: str  # 天河区
    city: str  # 广州
    address_prefix: str  # 广州市天河区


@dataclass
class MemberRow:
    uscc: str
    name: str
    region_code: str
    industry_code: str
    industry_section: str
    size: str
    employees: int
    contact_name: str
    mobile: str  # 11 digits, as people type it
    member_number: str
    address: str
    legal_representative: str
    ownership: str
    revenue_band: str
    joined_on: date


class ReferenceCodes:
    """County-level regions and industry divisions, as loaded in the database."""

    def __init__(self) -> None:
        names = dict(Region.objects.values_list("code", "name_zh"))
        # Current codes only: an import refuses a withdrawn one for a new record.
        counties = Region.objects.filter(
            level=Region.Level.COUNTY, successor__isnull=True
        ).order_by("code")
        self.counties_by_province: dict[str, list[County]] = {}
        for code, name, path in counties.values_list("code", "name_zh", "path"):
            ancestors = path.strip("/").split("/")[:-1]  # province[, prefecture]
            city = names[ancestors[-1]]
            suffix = "" if city.endswith(("自治州", "盟", "地区")) else "市"
            county = County(code=code, name=name, city=city, address_prefix=city + suffix + name)
            self.counties_by_province.setdefault(ancestors[0], []).append(county)
        self.all_counties = [c for group in self.counties_by_province.values() for c in group]
        self.divisions = list(
            Industry.objects.filter(level=Industry.Level.DIVISION)
            .order_by("code")
            .values_list("code", "parent_id")
        )
        if not self.all_counties or not self.divisions:
            raise RuntimeError("No reference data: run manage.py load_reference_data first.")
        # Manufacturing and trade are most of an SME association's members.
        weight = {"C": 6, "F": 5, "G": 2, "I": 2, "L": 2}
        self.division_weights = [weight.get(section, 1) for _code, section in self.divisions]


def _uscc(dataset: Dataset, index: int, county_code: str) -> str:
    serial = (index * SERIAL_MULTIPLIER + dataset.seed) % 100_000_000
    body = f"91{county_code}{dataset.org_digit}{serial:08d}"
    return body + stdnum_uscc.calc_check_digit(body)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))


def member_rows(dataset: Dataset, count: int, codes: ReferenceCodes) -> Iterator[MemberRow]:
    """Rows 0..count-1 of the dataset; row i is the same whatever `count` is."""
    rng = random.Random(dataset.seed)  # noqa: S311 - made-up data, not secrets
    home = codes.counties_by_province[dataset.home_province]
    size_names = [name for name, _weight, _range in SIZES]
    size_weights = [weight for _name, weight, _range in SIZES]
    employees_range = {name: bounds for name, _weight, bounds in SIZES}
    first_day = date(2008, 1, 1)
    for index in range(count):
        if rng.random() < dataset.home_share:
            county = rng.choice(home)
        else:
            county = rng.choice(codes.all_counties)
        division, section = rng.choices(codes.divisions, weights=codes.division_weights)[0]
        size = rng.choices(size_names, weights=size_weights)[0]
        trade = rng.choice(TRADES.get(section, OTHER_TRADES))
        brand = "".join(rng.choices(BRAND_CHARS, k=2))
        yield MemberRow(
            uscc=_uscc(dataset, index, county.code),
            name=f"{county.city}{brand}{trade}{rng.choice(LEGAL_FORMS)}",
            region_code=county.code,
            industry_code=division,
            industry_section=section,
            size=size,
            employees=rng.randint(*employees_range[size]),
            contact_name=_person(rng),
            mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}",
            member_number=f"{dataset.member_prefix}-{index + 1:06d}",
            address=f"{county.address_prefix}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            legal_representative=_person(rng),
            ownership=rng.choice(OWNERSHIPS),
            revenue_band=rng.choice(REVENUE_BY_SIZE[size]),
            joined_on=first_day + timedelta(days=rng.randrange(12 * 365)),
        )


# --- the spreadsheet ----------------------------------------------------------------------


def _typed_phone(mobile: str, variant: int) -> str:
    """A mobile number the way people type it into a spreadsheet."""
    if variant == 0:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if variant == 1:
        return f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    return mobile


def write_member_csv(
    path: Path, count: int, codes: ReferenceCodes | None = None, dataset: Dataset = IMPORTED
) -> Path:
    """The import file (UTF-8 with a BOM, as Excel saves “CSV UTF-8”); kept if already there."""
    if path.exists():
        return path
    codes = codes or ReferenceCodes()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for index, row in enumerate(member_rows(dataset, count, codes)):
            writer.writerow(
                [
                    row.uscc,
                    row.name,
                    row.region_code,
                    row.industry_code,
                    # Both spellings the template accepts: half in English, half in Chinese.
                    row.size if index % 2 else SIZE_IN_CHINESE[row.size],
                    row.employees,
                    row.contact_name,
                    _typed_phone(row.mobile, index % 10),
                    row.member_number,
                    row.address,
                    row.legal_representative,
                ]
            )
    partial.rename(path)
    return path


# --- the database -------------------------------------------------------------------------


@dataclass
class Population:
    association: Association
    staff: User
    members: int
    added: int
    seconds: float


def _bench_association(spec: dict) -> Association:
    uscc = spec["uscc_body"] + stdnum_uscc.calc_check_digit(spec["uscc_body"])
    association, _created = Association.objects.update_or_create(
        uscc=uscc,
        defaults={"name": spec["name"], "kind": spec["kind"], "region_id": spec["region_id"]},
    )
    return association


def bench_staff(username: str, association: Association) -> User:
    """A staff user of the association (the bench logs in with force_login; no password)."""
    user, _created = User.objects.get_or_create(username=username, defaults={"role": Role.STAFF})
    AssociationUser.objects.get_or_create(user=user, association=association)
    return user


def _copy_buffer(rows: Iterator[MemberRow]) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [
                row.uscc,
                row.name,
                row.region_code,
                row.industry_code,
                row.size,
                row.ownership,
                row.employees,
                row.revenue_band,
                row.legal_representative,
                row.contact_name,
                "+86" + row.mobile,  # stored in E.164, as the services store it
                row.address,
                row.member_number,
                row.joined_on.isoformat(),
            ]
        )
    buffer.seek(0)
    return buffer


def _skip(rows: Iterator[MemberRow], count: int) -> Iterator[MemberRow]:
    for index, row in enumerate(rows):
        if index >= count:
            yield row


# The rows of `_copy_buffer`, copied into a temporary table, then written from there.
MEMBERS_TABLE = """CREATE TEMPORARY TABLE bench_members (
    uscc varchar(18), name varchar(200), region_id varchar(6), industry_id varchar(4),
    size varchar(8), ownership varchar(12), employees integer, revenue_band varchar(10),
    legal_representative varchar(64), contact_name varchar(64), contact_phone varchar(32),
    address varchar(255), member_number varchar(32), joined_on date
) ON COMMIT DROP"""
ENTERPRISES_SQL = """
INSERT INTO {enterprise} (uscc, name, region_id, industry_id, size, ownership, employees,
    revenue_band, legal_representative, contact_name, contact_phone, address, created_at,
    updated_at)
SELECT uscc, name, region_id, industry_id, size, ownership, employees, revenue_band,
    legal_representative, contact_name, contact_phone, address, now(), now()
FROM bench_members
ON CONFLICT (uscc) DO NOTHING;
"""
POPULATE_SQL = (
    ENTERPRISES_SQL  # noqa: S608 - table names of our own models
    + """
WITH added AS (
    INSERT INTO {membership} (enterprise_id, association_id, status, member_number, joined_on,
        created_at, updated_at)
    SELECT e.id, %(association)s, 'active', b.member_number, b.joined_on, now(), now()
    FROM bench_members b JOIN {enterprise} e ON e.uscc = b.uscc
    ON CONFLICT (enterprise_id, association_id) DO NOTHING
    RETURNING id, enterprise_id, created_at
)
INSERT INTO {status_change} (content_type_id, object_id, action, from_status, to_status, reason,
    at, region)
SELECT %(content_type)s, added.id, 'membership.created', '', 'active', 'bench data',
    added.created_at, e.region_id
FROM added JOIN {enterprise} e ON e.id = added.enterprise_id;
"""
)


def populate_members(count: int, codes: ReferenceCodes | None = None) -> Population:
    """`count` active members of the bench association (each with its history row), written
    with COPY into a temporary table and two INSERT … SELECT; does nothing if they are there."""
    started = time.perf_counter()
    with transaction.atomic():
        association = _bench_association(POPULATION_ASSOCIATION)
        staff = bench_staff(POPULATION_STAFF, association)
        members = Membership.objects.filter(
            association=association, status=Membership.Status.ACTIVE
        )
        present = members.count()
        if present >= count:
            return Population(association, staff, present, 0, time.perf_counter() - started)
        codes = codes or ReferenceCodes()
        buffer = _copy_buffer(_skip(member_rows(POPULATION, count, codes), present))
        with connection.cursor() as cursor:
            cursor.execute(MEMBERS_TABLE)
            cursor.copy_expert("COPY bench_members FROM STDIN WITH (FORMAT csv)", buffer)
            cursor.execute(
                POPULATE_SQL.format(
                    enterprise=Enterprise._meta.db_table,
                    membership=Membership._meta.db_table,
                    status_change=Event._meta.db_table,
                ),
                {
                    "association": association.pk,
                    "content_type": ContentType.objects.get_for_model(Membership).pk,
                },
            )
        added = members.count() - present
    with connection.cursor() as cursor:
        for model in (Enterprise, Membership, Event):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return Population(association, staff, present + added, added, time.perf_counter() - started)


# --- a resumption batch and its applications ----------------------------------------------

BENCH_BATCH = {
    "name": "广东省制造业、商贸物流和信息服务复工复产（基准批次）",
    "regions": ["440000"],
    # Manufacturing, wholesale and retail, transport and logistics, information services: most
    # of the bench members, as in a real first batch.
    "sections": ["C", "F", "G", "I"],
    "mandatory_items": ["disinfection_plan", "emergency_plan"],
    "review_days": 3,
    "prevention_requirements": "口罩、消毒液储备不少于7天；设置临时隔离区；每日体温检测。",
}
# Out of every 20 applications: 8 submitted (40 %), 5 approved (25 %), 3 resumed (15 %),
# 2 returned (10 %), 1 rejected (5 %), 1 draft (5 %).
STATUS_SHARES = [
    ("submitted", 8),
    ("approved", 5),
    ("resumed", 3),
    ("returned", 2),
    ("rejected", 1),
    ("draft", 1),
]
SUBMISSION_SPREAD_SECONDS = 10 * 86_400  # submitted over the last ten days

APPLICATIONS_SQL = """
WITH chosen AS (
    SELECT e.id AS enterprise_id, e.employees,
        row_number() OVER (ORDER BY md5(e.uscc)) - 1 AS n,
        hashtext(e.uscc)::bigint & 2147483647 AS h
    FROM {enterprise} e
    JOIN {membership} m ON m.enterprise_id = e.id
        AND m.association_id = %(association)s AND m.status = 'active'
    JOIN {region} r ON r.code = e.region_id
    JOIN {industry} i ON i.code = e.industry_id
    WHERE r.path LIKE %(region_prefix)s AND i.parent_id = ANY(%(sections)s)
    ORDER BY md5(e.uscc)
    LIMIT %(count)s
), shaped AS (
    SELECT c.*,
        (%(statuses)s::text[])[mod(c.n, 20) + 1] AS status,
        greatest(1, c.employees * (50 + mod(c.h, 50)) / 100) AS returning
    FROM chosen c
), timed AS (
    SELECT s.*,
        CASE WHEN s.status = 'draft' THEN NULL
            ELSE %(now)s - make_interval(secs => mod(s.h, %(spread)s)) END AS submitted
    FROM shaped s
), decided AS (
    SELECT t.*,
        CASE WHEN t.status IN ('approved', 'resumed', 'rejected', 'returned')
            THEN least(%(now)s, t.submitted + make_interval(secs => mod(t.h / 7, 2 * 86400)))
        END AS decided
    FROM timed t
)
INSERT INTO {application} (batch_id, association_id, enterprise_id, status, planned_date,
    returning_workers, workers_from_other_provinces, masks_days, disinfectant_days, thermometers,
    disinfection_plan, isolation_area, emergency_plan, staff_health_checks, checklist_notes,
    submitted_at, review_due_at, decided_at, resumed_on, workers_on_site, created_by_id,
    created_at, updated_at)
SELECT %(batch)s, %(association)s, d.enterprise_id, d.status,
    %(planned_start)s::date + mod(d.h, 14)::int,
    d.returning, d.returning * mod(d.h / 11, 60) / 100,
    7 + mod(d.h / 13, 24), 7 + mod(d.h / 17, 24), 1 + mod(d.h / 19, 20),
    d.status <> 'draft' OR mod(d.h, 2) = 0, mod(d.h / 23, 10) <> 0,
    d.status <> 'draft' OR mod(d.h, 3) = 0, mod(d.h / 29, 8) <> 0, '{{}}'::jsonb,
    d.submitted, d.submitted + make_interval(days => %(review_days)s), d.decided,
    CASE WHEN d.status = 'resumed'
        THEN least((now() AT TIME ZONE 'Asia/Shanghai')::date,
            (d.decided AT TIME ZONE 'Asia/Shanghai')::date + 1) END,
    CASE WHEN d.status = 'resumed' THEN greatest(0, d.returning - mod(d.h, 3)) END,
    %(applicant)s,
    coalesce(d.submitted, %(now)s) - make_interval(hours => 1 + mod(d.h / 31, 48)::int),
    coalesce(d.decided, d.submitted, %(now)s)
FROM decided d;

INSERT INTO {status_change} (content_type_id, object_id, action, from_status, to_status, reason,
    at, actor_id, region)
SELECT %(content_type)s, a.id,
    CASE WHEN step.from_status = '' THEN 'application.created'
        ELSE 'application.' || step.to_status END,
    step.from_status, step.to_status, step.reason, step.at, step.actor_id, e.region_id
FROM {application} a
JOIN {enterprise} e ON e.id = a.enterprise_id
CROSS JOIN LATERAL (VALUES
    ('', 'draft', a.created_at, a.created_by_id, ''),
    ('draft', 'submitted', a.submitted_at, a.created_by_id, ''),
    ('submitted', CASE a.status WHEN 'resumed' THEN 'approved' ELSE a.status END,
        a.decided_at, %(staff)s,
        CASE a.status WHEN 'rejected' THEN '防疫物资储备不足七天，暂不具备复工条件'
            WHEN 'returned' THEN '请补充隔离区设置和应急预案说明' ELSE '' END),
    ('approved', 'resumed',
        CASE WHEN a.status = 'resumed' THEN least(now(), a.decided_at + interval '1 day') END,
        a.created_by_id, '')
) AS step (from_status, to_status, at, actor_id, reason)
WHERE a.batch_id = %(batch)s AND step.at IS NOT NULL;

UPDATE {batch} SET approved_count = (
    SELECT count(*) FROM {application}
    WHERE batch_id = %(batch)s AND status IN ('approved', 'resumed')
) WHERE id = %(batch)s;
"""

FORGET_APPLICATIONS_SQL = """
SET LOCAL portal.event_purge = 'on';
DELETE FROM {status_change} WHERE content_type_id = %(content_type)s
    AND object_id IN (SELECT id FROM {application} WHERE batch_id = %(batch)s);
DELETE FROM {application} WHERE batch_id = %(batch)s;
"""


@dataclass
class Applications:
    batch: Batch
    count: int
    added: int
    seconds: float


def _tables() -> dict[str, str]:
    return {
        "enterprise": Enterprise._meta.db_table,
        "membership": Membership._meta.db_table,
        "region": Region._meta.db_table,
        "industry": Industry._meta.db_table,
        "application": Application._meta.db_table,
        "batch": Batch._meta.db_table,
        "status_change": Event._meta.db_table,
    }


def populate_applications(count: int, population: Population) -> Applications:
    """One open batch of the bench association for Guangdong and a few industry sections, and
    `count` applications of its eligible members in realistic states, each with the history of
    its steps; written with INSERT … SELECT. Does nothing when the batch has them already."""
    started = time.perf_counter()
    association, staff = population.association, population.staff
    with transaction.atomic():
        now = timezone.now()
        batch, created = Batch.objects.get_or_create(
            association=association,
            name=BENCH_BATCH["name"],
            defaults={
                "opens_at": now - timedelta(days=12),
                "closes_at": now + timedelta(days=30),
                "planned_start": timezone.localdate() - timedelta(days=10),
                "capacity": count,
                "status": Batch.Status.OPEN,
                "mandatory_items": BENCH_BATCH["mandatory_items"],
                "review_days": BENCH_BATCH["review_days"],
                "prevention_requirements": BENCH_BATCH["prevention_requirements"],
                "created_by": staff,
            },
        )
        if created:
            set_links(batch, "regions", BENCH_BATCH["regions"])
            set_links(batch, "industries", BENCH_BATCH["sections"])
        present = Application.objects.filter(batch=batch).count()
        if present == count:
            _analyze()
            return Applications(batch, present, 0, time.perf_counter() - started)
        statuses = [status for status, share in STATUS_SHARES for _ in range(share)]
        params = {
            "association": association.pk,
            "batch": batch.pk,
            "region_prefix": BENCH_BATCH["regions"][0] + "/%",
            "sections": BENCH_BATCH["sections"],
            "count": count,
            "statuses": statuses,
            "now": now,
            "spread": SUBMISSION_SPREAD_SECONDS,
            "planned_start": batch.planned_start,
            "review_days": batch.review_days,
            "applicant": staff.pk,
            "staff": staff.pk,
            "content_type": ContentType.objects.get_for_model(Application).pk,
        }
        with connection.cursor() as cursor:
            cursor.execute(FORGET_APPLICATIONS_SQL.format(**_tables()), params)
            cursor.execute(APPLICATIONS_SQL.format(**_tables()), params)
        batch.refresh_from_db()
        if batch.capacity < batch.approved_count:
            raise RuntimeError("bench batch: more approvals than places")
        added = Application.objects.filter(batch=batch).count()
        if added < count:
            raise RuntimeError(f"only {added:,} eligible members for {count:,} applications")
    _analyze(Application, Event)
    return Applications(batch, added, added, time.perf_counter() - started)


def _analyze(*models) -> None:
    """Planner statistics for what the bench wrote, and for the reference data and the batch's
    small tables, which nothing else analyzes where autovacuum is off: without them PostgreSQL
    guesses a region subtree holds 0.5 % of the regions and plans the progress as nested loops
    over the members."""
    tables = [Region, Industry, Batch, Batch.regions.through, Batch.industries.through, *models]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
