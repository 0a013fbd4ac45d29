"""Support services of the first association, by itself and its partners, and requests in every
state, so that the catalogue, the providers' cards, the staff's queue and the demo enterprise's
requests are not empty.

Each step goes through the services' writes at the moment it happened (`demo.timeline`). Made
once: an association with providers keeps them as they stand.
"""

from associations.models import Association
from core.models import User
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise
from services import services
from services.models import ServiceProvider

PROVIDERS = [
    ("association", "协会服务部", "服务热线 020-8333 0000", 20),
    ("partner", "广州汇信律师事务所", "李律师 020-8888 0001", 6),
    ("partner", "广发银行广州分行普惠金融部", "张经理 020-8777 0002", 8),
    ("partner", "广州正信税务师事务所", "陈税务师 020-8666 0003", 5),
    ("partner", "南方人力资源服务有限公司", "刘主管 020-8555 0004", 8),
    ("partner", "广东省中小企业培训中心", "培训部 020-8444 0005", 30),
]

# (provider index, category, title, fee, fee amount, status, description)
SERVICES = [
    (
        1,
        "legal",
        "复工复产劳动用工法律咨询",
        "free",
        None,
        "active",
        "疫情期间劳动合同、工资支付、停工停产、员工返岗等问题的免费法律咨询。",
    ),
    (
        2,
        "finance",
        "纾困专项贷款对接",
        "free",
        None,
        "active",
        "对接银行纾困专项贷款，协助准备材料，优先审批。",
    ),
    (
        3,
        "tax",
        "减税降费政策申报辅导",
        "reduced",
        "200.00",
        "active",
        "阶段性减免增值税、社保费的申报辅导。",
    ),
    (
        4,
        "hr",
        "共享用工对接",
        "free",
        None,
        "active",
        "为暂时停工企业与用工紧缺企业对接共享员工，签订三方协议。",
    ),
    (
        5,
        "training",
        "线上复工防疫培训",
        "free",
        None,
        "active",
        "企业防疫管理员在线培训，结业发证。",
    ),
    (
        0,
        "policy",
        "惠企政策咨询",
        "free",
        None,
        "active",
        "解读各级政府出台的复工复产扶持政策，协助申报。",
    ),
    (1, "legal", "合同纠纷调解", "paid", "800.00", "paused", "因疫情导致的合同违约纠纷调解。"),
    (0, "other", "出口订单延期证明协助", "free", None, "retired", "协助申请不可抗力事实性证明。"),
]


def load(association: Association, staff: User, members: list[Enterprise]) -> None:
    if ServiceProvider.objects.filter(association=association).exists():
        return
    with happened_at(days_ago(40)):
        providers = [
            services.provider_create(
                actor=staff,
                association_id=association.pk,
                kind=kind,
                name=name,
                contact=contact,
                capacity=capacity,
            )
            for kind, name, contact, capacity in PROVIDERS
        ]
        catalogue = [
            services.service_create(
                actor=staff,
                association_id=association.pk,
                provider=providers[index],
                category=category,
                title=title,
                fee=fee,
                fee_amount=amount,
                status=status,
                description=description,
                how_to_apply="在本平台提交申请，附上相关材料。",
                last_checked_on=days_ago(40).date(),
            )
            for index, category, title, fee, amount, status, description in SERVICES
        ]
    legal, loans, tax, sharing, training, policy = catalogue[:6]

    def ask(member, service, text, days):
        with happened_at(days_ago(days)):
            return services.request_submit(
                actor=account_of(member), service=service, description=text
            )

    def step(request, days, do, **values):
        with happened_at(days_ago(days)):
            do(actor=staff, request_id=request.pk, **values)

    # The demo enterprise: one in hand, one resolved waiting for its rating, one submitted.
    own = members[0]
    in_hand = ask(own, loans, "需要流动资金贷款200万元，用于采购原材料。", 6)
    step(in_hand, 5, services.request_accept, to_provider=True)
    step(in_hand, 4, services.request_start)
    waiting_rating = ask(own, legal, "3名外地员工无法按时返岗，能否解除劳动合同？", 12)
    step(waiting_rating, 11, services.request_accept)
    step(waiting_rating, 10, services.request_start)
    step(waiting_rating, 3, services.request_resolve, reason="已电话解答并发送书面意见。")
    ask(own, training, "10名管理人员报名防疫培训。", 1)
    # Others: submitted and overdue, closed and rated, declined, withdrawn, reopened by a low
    # rating.
    ask(members[1], tax, "不清楚社保费减免如何申报。", 5)
    accepted = ask(members[6], training, "新入职员工需要防疫上岗培训。", 3)
    step(accepted, 2, services.request_accept)
    rated = ask(members[2], sharing, "餐饮门店停业，20名员工可共享到超市。", 20)
    step(rated, 19, services.request_accept)
    step(rated, 18, services.request_start)
    step(rated, 12, services.request_resolve, reason="已与两家超市签订共享用工协议。")
    with happened_at(days_ago(11)):
        services.request_rate(
            actor=account_of(members[2]), request_id=rated.pk, rating=5, comment="对接很快。"
        )
    step(rated, 10, services.request_close)
    declined = ask(members[3], policy, "想申请外省的补贴。", 9)
    step(declined, 8, services.request_decline, reason="外省政策请咨询当地商务部门。")
    withdrawn = ask(members[4], legal, "租金减免纠纷。", 7)
    with happened_at(days_ago(6)):
        services.request_withdraw(actor=account_of(members[4]), request_id=withdrawn.pk)
    reopened = ask(members[5], tax, "增值税减免申报被退回。", 15)
    step(reopened, 14, services.request_accept)
    step(reopened, 13, services.request_start)
    step(reopened, 8, services.request_resolve, reason="已重新提交。")
    with happened_at(days_ago(7)):
        services.request_rate(
            actor=account_of(members[5]),
            request_id=reopened.pk,
            rating=2,
            comment="再次被退回，问题没有解决。",
        )
