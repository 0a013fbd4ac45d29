"""Notices of the first association with receipts in every state: a policy notice read and
signed by some members, replied to by one, overdue for others; a prevention notice to the
members in Guangzhou, read by some; a notice withdrawn, one corrected by a second version, and
a draft — so that the notices pages, the receipts and the demo enterprise's inbox and "policies
for you" are not empty.

Each step goes through the notices services at the moment it happened (`demo.timeline`); the
recipients are written as the publishing task writes them. Made once.
"""

from datetime import timedelta

from associations.models import Association
from core.models import User
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise
from notices import services
from notices.models import Notice

POLICY = """各会员单位：

为贯彻落实《关于应对新冠肺炎疫情支持中小企业共渡难关的若干措施》，现将有关政策摘要如下：

1. **减免租金**：承租国有资产类经营用房的中小企业，免收2月、3月两个月租金；
2. **稳岗返还**：不裁员或少裁员的中小企业，返还上年度缴纳失业保险费的50%；
3. **延期缴纳税款**：受疫情影响生产经营困难的，可申请延期缴纳税款，最长不超过3个月。

请各会员单位对照条件申报，并于规定日期前签收本通知。如有疑问，请联系协会秘书处。"""

PREVENTION = """各会员单位：

复工复产期间请严格落实以下防控措施：

- 员工返岗前健康登记，每日两次测温；
- 食堂分餐、错峰就餐，会议改为线上；
- 发现发热、咳嗽等症状的员工，立即隔离并报告属地社区。"""

SUPPLY = "协会已对接口罩生产企业，会员单位可按每名在岗员工每日两只的标准登记需求。"


def _publish(notice: Notice, staff: User, days: int) -> Notice:
    with happened_at(days_ago(days)):
        services.notice_publish(actor=staff, notice_id=notice.pk)
        services.write_recipients(notice.pk)
    notice.refresh_from_db()
    return notice


def _create(association: Association, staff: User, days: int, **data) -> Notice:
    with happened_at(days_ago(days)):
        return services.notice_create(actor=staff, association_id=association.pk, data=data)


def load(association: Association, staff: User, members: list[Enterprise]) -> None:
    if Notice.objects.filter(association=association).exists():
        return
    today = days_ago(0).date()
    policy = _create(
        association,
        staff,
        12,
        title="关于落实支持中小企业共渡难关政策措施的通知",
        document_number="粤电协〔2020〕8号",
        category=Notice.Category.POLICY,
        body=POLICY,
        needs_sign_off=True,
        sign_by=today - timedelta(days=2),
        is_policy=True,
        policy_regions=["440000"],
        policy_sizes=["micro", "small", "medium"],
    )
    policy = _publish(policy, staff, 11)
    for index, (days, reply) in enumerate(
        [(10, "已收到，正在准备稳岗返还申报材料。"), (9, ""), (6, "已收到"), (3, "")]
    ):
        user = account_of(members[index])
        with happened_at(days_ago(days)):
            services.mark_read(actor=user, notice=policy)
            if index < 3:
                services.notice_sign(actor=user, notice_id=policy.pk, reply=reply)
    with happened_at(days_ago(4)):
        services.notice_remind(actor=staff, notice_id=policy.pk)

    prevention = _create(
        association,
        staff,
        8,
        title="复工复产疫情防控工作指引",
        category=Notice.Category.PREVENTION,
        body=PREVENTION,
        regions=["440100"],
        valid_until=today + timedelta(days=60),
    )
    prevention = _publish(prevention, staff, 8)
    for index, days in ((1, 7), (2, 5)):
        with happened_at(days_ago(days)):
            services.mark_read(actor=account_of(members[index]), notice=prevention)

    supply = _create(
        association,
        staff,
        6,
        title="防疫物资需求登记",
        category=Notice.Category.SUPPLY,
        body=SUPPLY,
        needs_sign_off=True,
        sign_by=today + timedelta(days=5),
    )
    supply = _publish(supply, staff, 6)
    with happened_at(days_ago(5)):
        corrected = services.notice_correct(actor=staff, notice_id=supply.pk)
        services.notice_update(
            actor=staff,
            notice_id=corrected.pk,
            data={"body": SUPPLY + "\n\n（更正：登记截止日期延长至下周五。）"},
        )
    _publish(corrected, staff, 5)

    withdrawn = _create(
        association,
        staff,
        4,
        title="关于组织线上招聘会的通知",
        category=Notice.Category.RESUMPTION,
        body="协会拟于下周组织线上招聘会，请有用工需求的会员单位报名。",
    )
    withdrawn = _publish(withdrawn, staff, 4)
    with happened_at(days_ago(3)):
        services.notice_withdraw(
            actor=staff, notice_id=withdrawn.pk, reason="与人社部门招聘会时间冲突，另行通知。"
        )
    _create(
        association,
        staff,
        1,
        title="关于开展会员企业复工情况调查的通知（草稿）",
        category=Notice.Category.OTHER,
        body="请各会员单位填写附件调查表。",
    )
