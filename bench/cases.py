"""The practice-case library at scale: 100,000 cases of one association, searched in Chinese as a
member searches them (cases.selectors.library: full text over the segmented words, ranked, with
trigram matching of titles and enterprise names), first page and count, with the plan.

The cases are made of a few hundred Chinese phrases combined by a hash of the row's number: each
distinct title, summary and body is segmented once (cases.segment, the same as a saved case), the
rows are copied into a temporary table, and one INSERT … SELECT builds the weighted `simple`
tsvector as cases.search.fill does. Skipped when they are there.
"""

import csv
import io
import time
from hashlib import blake2b

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.generate import Population
from bench.needs import RUNS, _get, _queries, _server_time
from bench.report import figure, heading, note
from cases.models import Case, CaseTag, Tag
from cases.search import ranked
from cases.segment import words
from cases.selectors import found_page, library
from core.models import Industry, Region

CASES = 100_000
PAGE_SIZE = 20
TARGET_MS = 50
PAGE_TARGET_MS = 300

PLACES = [
    "广州", "深圳", "佛山", "东莞", "杭州", "宁波", "温州", "苏州", "无锡", "南京",
    "成都", "重庆", "武汉", "长沙", "郑州", "合肥", "厦门", "泉州", "青岛", "济南",
]  # fmt: skip
TRADES = [
    "服装", "家具", "餐饮", "五金", "电子", "食品", "印刷", "物流", "零售", "陶瓷",
    "塑料", "纺织", "玩具", "汽配", "建材", "酒店", "培训", "诊所", "美容", "茶叶",
]  # fmt: skip
# (tag, what the enterprise did as a title, a summary, what it did in full)
APPROACHES = [
    (
        Tag.SHARED_STAFFING,
        "共享用工解决复工用工缺口",
        "与停工的餐饮企业签订共享员工协议，借调员工上岗。",
        "通过协会对接三家暂未复工的酒店，借调员工六十名，统一购买工伤保险并按日结算工资。",
    ),
    (
        Tag.SHARED_STAFFING,
        "跨行业共享员工稳岗复产",
        "以共享员工方式稳岗，员工收入不降。",
        "与人力资源服务机构合作，建立共享员工池，按订单波峰调配人员。",
    ),
    (
        Tag.ONLINE_SALES,
        "直播带货打开线上销售渠道",
        "门店客流骤降后转向直播和社群团购。",
        "店长转型主播，每天两场直播，社群接龙下单，门店改为前置仓。",
    ),
    (
        Tag.ONLINE_SALES,
        "小程序商城接住老客户订单",
        "上线小程序商城，老客户线上复购。",
        "用一周时间上线小程序商城，导购一对一服务老客户，线上订单次日送达。",
    ),
    (
        Tag.CONTACTLESS_DELIVERY,
        "无接触配送保障社区供应",
        "设置无接触取货点，骑手不进小区。",
        "在小区门口设置智能取货柜和无接触取货点，订单分时段配送。",
    ),
    (
        Tag.REMOTE_WORK,
        "远程办公保持研发进度",
        "研发团队居家远程办公，项目按期交付。",
        "统一部署视频会议和在线文档，代码评审改为线上，每日站会不变。",
    ),
    (
        Tag.DIGITAL_TRANSFORMATION,
        "数字化车间实现错峰生产",
        "上线生产管理系统，错峰排班复工复产。",
        "引入设备联网和生产排程系统，按员工返岗情况动态排产，减少聚集。",
    ),
    (
        Tag.DIGITAL_TRANSFORMATION,
        "供应链协同平台缓解缺料",
        "通过供应链协同平台找到替代供应商。",
        "把物料需求发布到协会供需平台，两天内对接到三家本地替代供应商。",
    ),
    (
        Tag.ONLINE_EDUCATION,
        "线下课程整体转为在线教育",
        "线下培训停课期间转为直播课。",
        "课程录制成短视频，配合直播答疑，学员按班级在线打卡。",
    ),
    (
        Tag.INTERNET_HEALTHCARE,
        "互联网医疗延续慢病复诊",
        "开通线上复诊和药品配送。",
        "医生线上问诊，处方审核后由药房配送到家，慢病患者按月随访。",
    ),
    (
        Tag.UNMANNED_SERVICES,
        "无人值守门店降低人员聚集",
        "门店改为扫码自助结算的无人值守模式。",
        "加装自助收银和视频监控，夜间无人值守营业，白天一人巡店补货。",
    ),
    (
        Tag.OTHER,
        "申请稳岗返还和社保减免渡过难关",
        "用足稳岗返还、社保减免和贴息贷款政策。",
        "在协会指导下申请稳岗返还和社保阶段性减免，获得银行贴息贷款。",
    ),
]
PROBLEMS = [
    "春节后员工返岗不足一半，订单交付面临违约。",
    "门店客流下降八成，现金流只够维持两个月。",
    "上游原料断供，生产线停工待料。",
    "物流受阻，成品积压在仓库无法发出。",
    "租金和人工成本压力大，经营难以为继。",
]
RESULTS = [
    "一个月内产能恢复到{p}%，按期交付订单{n}万元。",
    "线上销售额占比提高到{p}%，新增客户{n}千人。",
    "员工{n}十人全部保留，人均收入基本持平，复工率{p}%。",
    "成本下降{p}%，三个月实现扭亏，新增订单{n}百万元。",
]
SIZES = ["micro", "small", "medium", "large"]
QUERIES = {
    "用工 (finds the 共享用工 cases)": "用工",
    "共享员工 稳岗": "共享员工 稳岗",
    "直播带货": "直播带货",
    "无接触配送 社区": "无接触配送 社区",
    "a name: 佛山陶瓷": "佛山陶瓷",
}


def _h(n: int, salt: str) -> int:
    return int.from_bytes(blake2b(f"{salt}{n}".encode(), digest_size=8).digest(), "big")


class _Segmented(dict):
    def __missing__(self, text: str) -> str:
        value = self[text] = " ".join(words(text))
        return value


def _rows(count: int, regions: list[str], industries: list[str]):
    """(title, enterprise, summary, problem, actions, results, segmented title, summary and
    rest, industry, region, size, tag, the day it was published) per case, as saved by
    cases.services would."""
    seg = _Segmented()
    for n in range(count):
        place = PLACES[_h(n, "p") % len(PLACES)]
        trade = TRADES[_h(n, "t") % len(TRADES)]
        tag, what, summary, actions = APPROACHES[_h(n, "a") % len(APPROACHES)]
        problem = PROBLEMS[_h(n, "q") % len(PROBLEMS)]
        result = RESULTS[_h(n, "r") % len(RESULTS)].format(
            p=60 + _h(n, "x") % 40, n=2 + _h(n, "y") % 8
        )
        title = f"{place}{trade}企业{what}"
        enterprise = f"{place}市{trade}有限公司"
        rest = seg[" ".join((enterprise, problem, actions, result))]
        yield (
            title,
            enterprise,
            summary,
            problem,
            actions,
            result,
            seg[title],
            seg[summary],
            rest,
            industries[_h(n, "i") % len(industries)],
            regions[_h(n, "g") % len(regions)],
            SIZES[_h(n, "s") % len(SIZES)],
            tag.value,
            _h(n, "d") % 700,
        )


COLUMNS = (
    "title, enterprise, summary, problem, actions, results, seg_title, seg_summary, seg_rest,"
    " industry_id, region_id, size, tag, days"
)
POPULATE_SQL = """
INSERT INTO {case} (association_id, title, enterprise_name, summary, problem, actions, results,
    industry_id, region_id, size, status, created_by_id, created_at, updated_at, published_at,
    helped_count, search_text, search_vector)
SELECT %(association)s, title, enterprise, summary, problem, actions, results, industry_id,
    region_id, size, 'published', %(staff)s, at, at, at, mod(n, 37),
    '',
    setweight(to_tsvector('simple', seg_title), 'A')
        || setweight(to_tsvector('simple', seg_summary), 'B')
        || setweight(to_tsvector('simple', seg_rest), 'C')
FROM (
    SELECT *, %(now)s::timestamptz - (days || ' days')::interval AS at
    FROM bench_cases
) rows
ORDER BY n
"""


def populate_cases(population: Population, count: int = CASES, *, vacuum: bool = True) -> int:
    association = population.association
    if Case.objects.filter(association=association).count() >= count:
        return 0
    regions = list(
        Region.objects.filter(level=Region.Level.COUNTY, path__startswith="440000/")
        .order_by("code")
        .values_list("code", flat=True)
    )
    industries = list(
        Industry.objects.filter(code__regex=r"^\d{2}$")
        .order_by("code")
        .values_list("code", flat=True)
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(_rows(count, regions, industries))
    buffer.seek(0)
    with transaction.atomic():
        Case.objects.filter(association=association).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                """CREATE TEMPORARY TABLE bench_cases (
                    n bigserial, title text, enterprise text, summary text, problem text,
                    actions text, results text, seg_title text, seg_summary text, seg_rest text,
                    industry_id varchar(4), region_id varchar(6), size varchar(8), tag text,
                    days integer
                ) ON COMMIT DROP"""
            )
            cursor.copy_expert(f"COPY bench_cases ({COLUMNS}) FROM STDIN WITH (FORMAT csv)", buffer)
            cursor.execute(
                POPULATE_SQL.format(case=Case._meta.db_table),
                {
                    "association": association.pk,
                    "staff": population.staff.pk,
                    "now": timezone.now(),
                },
            )
            # Each case's tag: the rows were inserted in the temporary table's order.
            cursor.execute(
                f"""INSERT INTO {CaseTag._meta.db_table} (case_id, tag)
                SELECT c.id, b.tag
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {Case._meta.db_table}
                      WHERE association_id = %s) c
                JOIN bench_cases b ON b.n = c.n""",  # noqa: S608 - our own table names
                [association.pk],
            )
    if not vacuum:  # the caller vacuums once after many associations
        return count
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Case._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {CaseTag._meta.db_table}")
    return count


def _first_page(user, text: str, **filters):
    """The first page of a search and how many it found, as the library page reads them (the
    ranking query counts the matches too: cases.selectors.found_page)."""
    return found_page(library(user, text=text, **filters), offset=0, limit=PAGE_SIZE)


def _explain(user, text: str) -> None:
    """The plan of the query that ranks and counts a search's matches (cases.search.ranked)."""
    with CaptureQueriesContext(connection) as captured:
        ranked(library(user, text=text), offset=0, limit=PAGE_SIZE)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {captured[0]['sql']}")
        plan = [row[0] for row in cursor.fetchall()]
    note(f'EXPLAIN ANALYZE, the library searched for "{text}", first page:')
    for line in plan:
        note(f"    {line}")
    text_plan = "\n".join(plan)
    used = "cases_case_search_gin" in text_plan
    figure("  read through the full-text GIN index", "yes" if used else "no", "yes", used)


def run(population: Population) -> None:
    heading("Practice cases")
    started = time.perf_counter()
    added = populate_cases(population)
    if added:
        note(f"wrote {added:,} cases in {time.perf_counter() - started:.1f} s")
    else:
        note(f"{CASES:,} cases already in the database")
    staff = population.staff
    for label, text in QUERIES.items():
        rows, _counted = _first_page(staff, text)
        total = library(staff, text=text).count()
        note(f'"{text}": {total:,} cases; first: {rows[0].title if rows else "-"}')
        _server_time(
            f"  median time, search {label}, first {PAGE_SIZE} + count ({RUNS} runs)",
            lambda text=text: _first_page(staff, text),
            TARGET_MS,
        )
    _server_time(
        f"  median time, search 用工 within a tag and a size ({RUNS} runs)",
        lambda: _first_page(staff, "用工", tag=Tag.SHARED_STAFFING, size="small"),
        TARGET_MS,
    )
    queries = _queries(lambda: _first_page(staff, "用工"))
    figure(
        "  SQL queries, search ranked and counted, its page's cases (joined to industry, region, "
        "association) + their tags",
        str(queries),
        "3",
        queries == 3,
    )
    _explain(staff, "用工")
    client = Client()
    client.force_login(staff)
    try:
        _get(client, "/cases/", {"q": "用工"})
    except Exception as error:  # the page may not be there in an older checkout
        note(f"/cases/ not timed: {error}")
        return
    _server_time(
        f"median server time, /cases/?q=用工 ({RUNS} runs)",
        lambda: _get(client, "/cases/", {"q": "用工"}),
        PAGE_TARGET_MS,
    )
