"""Practice cases for the library: how members of the two demo associations got through the
epidemic (shared staffing, contactless delivery, selling online, resuming work…), mostly
published, a few still in review, two suggested by members and one archived; some marked "this
helped me" by members, so that the library, its search and its review queue are not empty.

Each step goes through cases.services at the moment it happened (`demo.timeline`), so the search
columns are filled and the history tells the story. Made once: an association's cases that exist
(perhaps changed while trying the demo) are kept.
"""

from dataclasses import dataclass

from associations.models import Association
from cases import services
from cases.models import Case
from core.models import User
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise


@dataclass(frozen=True)
class Story:
    title: str
    enterprise: str
    summary: str
    problem: str
    actions: str
    results: str
    industry: str
    region: str
    size: str
    tags: tuple[str, ...]
    days: int  # written this many days ago
    status: str = "published"
    helped_by: int = 0  # how many members say it helped
    association: int = 0  # index in the demo associations


GUANGDONG = [
    Story(
        "餐饮门店员工到超市“共享用工”",
        "广州粤味轩餐饮管理有限公司",
        "堂食暂停后，120名服务员借调到附近两家超市理货、分拣和配送，企业稳岗、超市保供。",
        "春节后堂食全部暂停，门店营业额下降九成，120名员工无事可做，工资和社保仍要照付。",
        "协会牵线两家连锁超市，三方签订共享员工协议：超市按工时支付劳务费，"
        "员工社保仍由原单位缴纳；上岗前统一健康检查和岗前培训。",
        "六周内共享员工累计工作1.8万小时，企业减少人工支出约86万元，"
        "员工收入保持在原来的九成；堂食恢复后全部回岗。",
        "62",
        "440106",
        "medium",
        ("shared_staffing",),
        58,
        helped_by=6,
    ),
    Story(
        "生鲜超市社区团购与无接触配送",
        "广州鲜丰生活超市有限公司",
        "小区封闭管理期间，超市开通微信群接龙和小程序下单，配送员把货放到小区门口取货架。",
        "到店客流下降八成，小区不许外来人员进入，老人不会用外卖平台。",
        "按小区建微信群，每日18点前接龙下单、次日上午配送；门口设无接触取货架，"
        "按楼栋分箱贴单；为老人开通电话下单。",
        "一个月覆盖62个小区，日均订单从不到100单增长到2300单，营业额恢复到节前的115%。",
        "52",
        "440104",
        "small",
        ("contactless_delivery", "online_sales"),
        55,
        helped_by=5,
    ),
    Story(
        "服装厂转产医用防护服",
        "东莞华裳服饰有限公司",
        "外贸订单取消后，工厂改造两条生产线，取得医疗器械备案，转产一次性防护服。",
        "3月欧洲订单取消四成，工人复工后无活可干，库存面料积压。",
        "申请一类医疗器械生产备案，新增热封压条机8台，请质检机构驻厂指导；"
        "与区卫健部门签订保供协议。",
        "18天完成转产，日产防护服6000件，保住员工420人，转产期间营业收入2100万元。",
        "18",
        "441900",
        "medium",
        ("digital_transformation", "other"),
        52,
        helped_by=4,
    ),
    Story(
        "电子厂分批复工与“点对点”接返员工",
        "深圳新锐电子科技有限公司",
        "包车从湖南、广西接回员工，厂区实行分区分时上班，确保一个月内满产。",
        "七成员工在外省老家，公共交通未恢复，客户催交付。",
        "与人社部门对接“点对点”包车，安排26辆大巴接回员工；入厂前核酸检测，"
        "车间按工序分区、错峰就餐，每日两次测温登记。",
        "复工第10天产能恢复到80%，第25天满产，未出现一例感染，按期交付订单1.2亿元。",
        "39",
        "440306",
        "medium",
        ("other",),
        50,
        helped_by=7,
    ),
    Story(
        "五金厂开通线上商城和直播带货",
        "佛山金源五金制品有限公司",
        "展会全部取消，企业在电商平台开店，销售经理每天直播讲解产品和安装方法。",
        "广交会推迟，八成新客户来自展会，春季订单几乎为零。",
        "开通B2B平台旗舰店，拍摄安装视频40条；每周五场直播，"
        "报价和样品寄送在线完成；老客户用视频验厂。",
        "三个月线上询盘3100条，成交新客户86家，线上销售额占全部销售的32%。",
        "33",
        "440604",
        "small",
        ("online_sales", "digital_transformation"),
        48,
        helped_by=3,
    ),
    Story(
        "物流公司“无接触”仓配一体",
        "广州恒通物流有限公司",
        "为医药和生鲜客户提供仓储、分拣、末端配送一体服务，交接全程无接触。",
        "客户仓库人手不足，收货人不愿当面签收，纸质单据传递有风险。",
        "启用电子回单和人脸签收，配送车辆每日消杀；在社区设智能快递柜，司机在柜前放件后短信通知。",
        "日均配送量增长2.4倍，签收时长从平均6分钟降到1分钟，新签约医药客户9家。",
        "54",
        "440111",
        "medium",
        ("contactless_delivery", "unmanned_services"),
        46,
        helped_by=2,
    ),
    Story(
        "家具厂全员远程办公接单设计",
        "佛山宏图家具有限公司",
        "设计、销售和客服居家办公，用云端设计软件给客户出方案，车间按单生产。",
        "门店关闭，设计师无法到客户家量尺，订单停滞。",
        "客户自己量尺后视频连线确认，设计师用云端软件三天内出效果图；"
        "每日线上晨会，审批全部在线流转。",
        "居家办公五周，签单金额达到去年同期的76%，办公场地和通勤支出减少约18万元。",
        "21",
        "440605",
        "small",
        ("remote_work", "digital_transformation"),
        44,
    ),
    Story(
        "食品厂与农户“订单+共享员工”保供",
        "惠州嘉禾食品有限公司",
        "与周边农户签订蔬菜订单，吸纳返乡人员为季节性共享员工，保障本地超市供应。",
        "原料供应中断，农户蔬菜卖不出去，工厂缺工三成。",
        "与12个合作社签订保底收购协议；通过镇政府招募返乡人员68人，"
        "按日结算工资；开设线上团购渠道。",
        "收购蔬菜1400吨，农户增收约520万元，工厂缺工问题两周内解决，日产量恢复九成。",
        "14",
        "441302",
        "medium",
        ("shared_staffing", "online_sales"),
        42,
        helped_by=3,
    ),
    Story(
        "培训学校三天转为线上直播课",
        "广州明达职业培训学校",
        "线下课堂暂停，学校三天内把全部课程搬到直播平台，并给学员补发电子教材。",
        "1800名学员无法到校，退费压力大。",
        "教师集中培训直播工具，录制课程回放；按班建学习群，助教每日答疑；"
        "实操课改为寄送材料包在家练习。",
        "退费率控制在3%以内，线上课出勤率91%，新开线上班招生420人。",
        "83",
        "440113",
        "micro",
        ("online_education", "remote_work"),
        40,
        helped_by=2,
    ),
    Story(
        "社区诊所互联网问诊与送药上门",
        "广州安泰门诊部有限公司",
        "开通线上问诊，慢病患者复诊开药后由药师配送上门，减少老人出门。",
        "慢病老人不敢来诊所，药品续方中断。",
        "医生在互联网医院平台多点执业，慢病患者视频复诊、电子处方流转；"
        "药师每日两次集中配送，并电话随访用药。",
        "两个月线上问诊5600人次，送药上门3900单，慢病患者续方率从45%恢复到92%。",
        "84",
        "440106",
        "micro",
        ("internet_healthcare", "contactless_delivery"),
        38,
        helped_by=4,
    ),
    Story(
        "酒店改为隔离观察点并开放“共享员工”",
        "深圳远航酒店管理有限公司",
        "入住率跌到5%，酒店承接政府隔离观察点，富余员工到外卖平台做骑手。",
        "客房大量空置，200名员工待岗，现金流只够两个月。",
        "按防疫标准改造楼层通风和动线，承接隔离观察任务；与外卖平台合作，"
        "62名员工做兼职骑手，企业保留劳动关系。",
        "三个月隔离服务收入680万元，员工人均月收入保持在5200元以上，无一人被裁。",
        "61",
        "440305",
        "medium",
        ("shared_staffing",),
        36,
    ),
    Story(
        "塑料厂上线MES系统，数字化排产",
        "东莞永利塑料制品有限公司",
        "复工初期人手不足，企业上线生产执行系统，订单、排产、质检全部在线。",
        "熟练工只回来一半，纸质排产单靠人工传递，交期一再延误。",
        "引入云端MES，设备加装数据采集模块；班组长用手机领取工单，"
        "质检数据实时上传；申请中小企业数字化补贴。",
        "同样人数下产出提升22%，交期准时率从71%提高到96%，获得数字化补贴30万元。",
        "29",
        "441900",
        "small",
        ("digital_transformation",),
        34,
        helped_by=3,
    ),
    Story(
        "印刷厂无人值守自助打印网点",
        "广州信诚包装印刷有限公司",
        "在写字楼和高校布设自助打印终端，手机下单、扫码取件，无人值守。",
        "门市部客流减少九成，但复工企业和学生仍有打印需求。",
        "投放自助打印机35台，接入小程序支付；每日远程监控耗材，工作人员按路线巡检补纸。",
        "三个月自助打印订单4.6万单，门市部营业额恢复到节前的88%，人工成本下降40%。",
        "23",
        "440104",
        "micro",
        ("unmanned_services",),
        32,
    ),
    Story(
        "建材商贸公司用“云仓”复工复产",
        "广州瑞丰商贸有限公司",
        "把库存放到共享云仓，客户线上下单，由云仓就近发货，门店暂不开门也能接单。",
        "自有仓库在城中村，封闭管理期间无法进出。",
        "与第三方云仓签约，库存分拆到三个城市仓；订单系统对接云仓，客户在小程序查看库存和物流。",
        "复工复产第一个月出货量恢复到去年同期的93%，仓储成本下降15%。",
        "51",
        "440111",
        "small",
        ("online_sales", "contactless_delivery"),
        30,
    ),
    Story(
        "电子元器件企业稳岗不裁员",
        "深圳德信电子有限公司",
        "订单下降时实行弹性工时和内部转岗，申请稳岗返还和社保减免，保住全部员工。",
        "二季度订单下降35%，管理层讨论裁员两成。",
        "与工会协商弹性工时，闲置工人转岗到质检和设备保养；申请失业保险稳岗返还和社保阶段性减免。",
        "获稳岗返还42万元、社保减免180万元，未裁一人；三季度订单回升后无需重新招工。",
        "39",
        "440307",
        "medium",
        ("other",),
        28,
        helped_by=5,
    ),
    Story(
        "餐饮企业推出半成品菜“云厨房”",
        "广州佳美餐饮管理有限公司",
        "中央厨房把招牌菜做成半成品，线上销售、无接触配送，顾客在家加热即食。",
        "门店客流不足三成，中央厨房产能闲置。",
        "开发18款半成品菜，取得食品生产许可；在外卖平台和小程序上架，配送员把餐品放在取餐柜。",
        "半成品菜月销售额达到160万元，占营业额的38%，中央厨房利用率恢复到85%。",
        "62",
        "440113",
        "small",
        ("online_sales", "contactless_delivery"),
        26,
        helped_by=6,
    ),
    Story(
        "医疗器械企业远程调试设备",
        "广州鸿运医疗器械有限公司",
        "工程师无法出差，改用视频指导和远程登录为医院调试设备。",
        "全国80家医院的设备等着安装调试，工程师被隔离在家。",
        "设备预装远程运维模块，医院设备科按视频指引接线；工程师远程登录完成参数设置和验收测试。",
        "六周完成63家医院的安装调试，平均周期从9天缩短到3天，差旅费用减少70万元。",
        "35",
        "440106",
        "medium",
        ("remote_work", "internet_healthcare"),
        24,
    ),
    Story(
        "纺织企业抱团采购防疫物资",
        "佛山昌隆纺织有限公司",
        "协会组织12家会员企业抱团采购口罩、测温枪和消毒液，保障复工。",
        "复工需要防疫物资，小企业单独采购买不到、价格高。",
        "协会汇总需求，统一向定点企业采购，按需分装配送到各企业门口。",
        "12家企业在一周内拿齐物资，采购价比市场价低三成，全部如期复工。",
        "17",
        "440605",
        "small",
        ("other",),
        22,
        helped_by=2,
    ),
    Story(
        "家政公司“线上培训+上门服务”恢复订单",
        "广州顺发家政服务有限公司",
        "家政员在线完成防疫培训和考核，持健康证明上门，客户在线查看服务人员信息。",
        "客户担心上门人员健康，订单下降八成。",
        "开发线上培训课程和考试，每位家政员每天上报体温；"
        "客户下单时可查看服务人员健康记录和培训证书。",
        "两个月订单恢复到节前的70%，客户好评率98%，新招家政员150人。",
        "80",
        "440104",
        "micro",
        ("online_education", "digital_transformation"),
        20,
    ),
    Story(
        "无人零售柜进驻复工园区",
        "东莞安泰商贸有限公司",
        "在复工园区投放智能零售柜，员工扫码取货，减少食堂和小卖部聚集。",
        "园区小卖部关闭，员工买日用品要排长队。",
        "在8个园区投放无人零售柜46台，后台按销量每日补货；支持企业统一采购防疫包。",
        "日均销售1.1万元，园区排队时间大幅减少，服务员工约1.5万人。",
        "52",
        "441900",
        "micro",
        ("unmanned_services", "contactless_delivery"),
        18,
    ),
    Story(
        "装修公司VR看样板间线上签约",
        "广州宏图装饰工程有限公司",
        "客户无法到店，公司把样板间做成VR全景，设计师线上讲解，合同电子签。",
        "春季装修旺季客户不能到店，签单量几乎为零。",
        "拍摄VR样板间26套，设计师直播讲解；合同和报价全部电子签章。",
        "线上签单217单，金额2600万元，获客成本比线下降低约40%。",
        "50",
        "440106",
        "small",
        ("online_sales", "digital_transformation"),
        15,
        status="reviewed",
    ),
    Story(
        "快递网点与餐饮企业共享骑手",
        "广州恒通快递服务有限公司",
        "快递网点业务量猛增，借用餐饮企业员工做短期分拣和配送。",
        "网点订单量增长三倍，快递员不足。",
        "与三家餐饮企业签订共享用工协议，统一培训后上岗，按件计酬。",
        "两周内补足人手75人，积压包裹三天清零。",
        "60",
        "440111",
        "small",
        ("shared_staffing", "contactless_delivery"),
        6,
        status="draft",
    ),
]

ZHEJIANG = [
    Story(
        "温州鞋企直播带货清库存",
        "温州盛达鞋业有限公司",
        "外贸订单推迟，企业开设直播间，老板和设计师轮流直播，三个月清理积压库存。",
        "仓库积压鞋子18万双，外贸订单推迟到下半年。",
        "搭建直播间，主播每天直播6小时；与平台合作参与助农和复工专场；按直播数据调整款式和价格。",
        "三个月直播销售11.2万双，回笼资金2300万元，新增粉丝35万。",
        "19",
        "330302",
        "medium",
        ("online_sales",),
        57,
        association=1,
        helped_by=5,
    ),
    Story(
        "义乌小商品企业“云上广交会”",
        "义乌鸿运商贸有限公司",
        "国际客商无法来义乌，企业用视频看货、线上签约，样品快递寄送。",
        "外国采购商无法入境，商铺客流为零。",
        "为每件样品拍摄多角度视频，建多语种产品目录；"
        "每日与客户视频看货，合同电子签，支付走跨境平台。",
        "线上成交外贸订单4200万元，新开发南美客户27家。",
        "51",
        "330782",
        "small",
        ("online_sales", "remote_work"),
        53,
        association=1,
        helped_by=4,
    ),
    Story(
        "服装企业与电商平台“共享员工”",
        "杭州佳美服饰有限公司",
        "工厂订单不足时，员工到电商平台仓库做打包分拣，旺季再回厂。",
        "订单下降四成，300名员工待岗。",
        "商会协调与电商仓库签约，员工分三批共享，企业统一安排通勤和餐饮。",
        "两个月共享员工累计收入310万元，企业节省人工成本约150万元，员工全部留住。",
        "18",
        "330110",
        "medium",
        ("shared_staffing",),
        49,
        association=1,
        helped_by=6,
    ),
    Story(
        "眼镜企业设计部远程协同",
        "温州明达眼镜有限公司",
        "设计和销售团队居家办公，用协同平台管理打样，工厂按线上确认的样板生产。",
        "设计师分散在各地，新品开发停滞。",
        "搭建线上协同平台，3D打印样板寄给客户确认；每日线上评审会。",
        "新品开发周期从45天缩短到28天，春季上新款式86款，按期交付率95%。",
        "35",
        "330304",
        "small",
        ("remote_work", "digital_transformation"),
        45,
        association=1,
    ),
    Story(
        "电器企业“点对点”包车返岗并当月复工复产",
        "乐清德信电器有限公司",
        "从贵州、四川包车接回员工，全面复工复产，当月产值恢复九成。",
        "1200名员工中六成在外省，交通未恢复。",
        "与劳务输出地人社部门对接，包车38辆点对点接返；入厂隔离观察、分区作业，食堂分餐。",
        "两周内到岗员工1100人，当月产值恢复到去年同期的91%。",
        "38",
        "330382",
        "medium",
        ("other",),
        43,
        association=1,
        helped_by=3,
    ),
    Story(
        "早餐店无接触自提柜",
        "杭州金源餐饮有限公司",
        "社区早餐店在门口设自提柜，顾客手机预订，到店扫码取餐。",
        "排队取餐易聚集，社区限制人员进出。",
        "上线小程序预订，门口安装保温自提柜24格，按取餐时段备餐。",
        "日均订单从300单增长到850单，取餐等待时间不超过1分钟。",
        "62",
        "330106",
        "micro",
        ("unmanned_services", "contactless_delivery"),
        41,
        association=1,
        helped_by=2,
    ),
    Story(
        "阀门企业用工业互联网平台远程运维",
        "瑞安永利阀门有限公司",
        "为客户设备加装传感器，远程监测运行状态，故障提前预警，工程师少出差。",
        "工程师无法到现场，客户设备故障得不到及时处理。",
        "接入工业互联网平台，为存量客户免费加装监测模块1200套；建立7×24小时远程值班。",
        "远程解决故障占比达到78%，客户停机时间减少一半，带动新订单1800万元。",
        "34",
        "330381",
        "small",
        ("digital_transformation", "remote_work"),
        39,
        association=1,
    ),
    Story(
        "宁波外贸企业转内销",
        "宁波瑞丰家居用品有限公司",
        "出口受阻后调整产品规格，进入国内电商和商超渠道。",
        "出口订单取消六成，库存和产能大量闲置。",
        "按国内标准改包装和规格，入驻两家电商平台和本地商超；参加出口转内销专场对接会。",
        "半年内销售额从占比5%提升到41%，全年营收下降控制在8%以内。",
        "21",
        "330203",
        "medium",
        ("online_sales",),
        37,
        association=1,
        helped_by=4,
    ),
    Story(
        "商会组织会员企业“共享员工”对接会",
        "浙江省温州商会",
        "商会每周发布缺工和富余员工信息，线上撮合会员企业之间共享员工。",
        "有的企业缺工，有的企业员工待岗，信息不通。",
        "建立共享员工信息群，每周线上对接会；商会提供协议模板，明确工伤责任和报酬。",
        "两个月促成共享用工1300人次，涉及会员企业46家。",
        "72",
        "330302",
        "micro",
        ("shared_staffing",),
        35,
        association=1,
        helped_by=7,
    ),
    Story(
        "民宿推出“云旅游”和预售券",
        "杭州安泰民宿有限公司",
        "停业期间直播山村风光，预售住宿券，疫情后客人凭券入住。",
        "春节订单全部取消，现金流紧张。",
        "每周两场云旅游直播，推出半价预售券，有效期一年，可转赠。",
        "预售住宿券1900张，回笼资金76万元，恢复营业后首月入住率82%。",
        "61",
        "330106",
        "micro",
        ("online_sales",),
        33,
        association=1,
    ),
    Story(
        "包装企业复工初期的“共享叉车工”",
        "温州嘉禾包装有限公司",
        "复工后叉车工不足，与物流园区企业共享持证叉车工。",
        "持证叉车工只回来三人，原料堆在仓库无法上线。",
        "与园区两家物流企业签共享协议，按班次调配叉车工。",
        "一周内装卸效率恢复到节前的95%，节省临时招工费用约8万元。",
        "22",
        "330304",
        "small",
        ("shared_staffing",),
        31,
        association=1,
        status="archived",
    ),
    Story(
        "茶叶企业线上订单与无接触采摘管理",
        "杭州西湖明前茶业有限公司",
        "春茶采摘期错峰上山、分组作业，线上预售明前茶，顺丰冷链无接触配送。",
        "采茶工聚集有风险，茶叶店没有客流。",
        "采茶工分组、错峰、定点，线上预售按订单采制；快递员在门口无接触取件。",
        "线上销售春茶3.6吨，销售额比去年增长18%，采摘期零感染。",
        "15",
        "330106",
        "small",
        ("online_sales", "contactless_delivery"),
        12,
        association=1,
        status="reviewed",
    ),
    Story(
        "汽配企业远程验厂拿下新订单",
        "瑞安新锐汽配有限公司",
        "海外客户无法来验厂，企业用直播和第三方视频审核完成验厂。",
        "新客户要求验厂后才下单，客户无法入境。",
        "邀请第三方机构视频审核，直播生产线和检测过程，资料线上提交。",
        "两周完成验厂，获得年订单900万元。",
        "36",
        "330381",
        "small",
        ("remote_work",),
        4,
        association=1,
        status="draft",
    ),
]

# Suggested by members: (association index, member index, story)
SUGGESTIONS = [
    (
        0,
        0,
        Story(
            "小服装厂用共享工厂接急单",
            "",
            "自有车间人手不足时，把急单分给园区的共享工厂，按件结算，按期交货。",
            "复工初期只回来一半工人，客户急单无法按期交付。",
            "在园区共享工厂平台发布订单，共享工厂按我方工艺单生产，我方派质检驻场。",
            "两周交付急单1.2万件，按期率100%，保住了年度大客户。",
            "18",
            "440106",
            "micro",
            ("shared_staffing",),
            8,
        ),
    ),
    (
        1,
        2,
        Story(
            "皮具企业线上定制小批量订单",
            "",
            "开发线上定制工具，客户自选颜色和刻字，小批量快反生产。",
            "大客户订单减少，产能空闲。",
            "上线定制小程序，接入柔性生产线，下单后48小时发货。",
            "定制订单月均3000单，毛利率比批量订单高12个百分点。",
            "19",
            "330302",
            "small",
            ("online_sales", "digital_transformation"),
            5,
        ),
    ),
]

REVIEW_REASON = "已与企业核实数据，可以发布"
ARCHIVE_REASON = "企业已恢复正常经营，做法不再适用"


def _write(story: Story, association: Association, staff: User) -> Case:
    data = {
        "title": story.title,
        "enterprise_name": story.enterprise,
        "summary": story.summary,
        "problem": story.problem,
        "actions": story.actions,
        "results": story.results,
        "industry": story.industry,
        "region": story.region,
        "size": story.size,
    }
    with happened_at(days_ago(story.days)):
        case = services.case_create(
            actor=staff, association_id=association.pk, data=data, tags=story.tags
        )
    return _advance(case, story, staff)


def _advance(case: Case, story: Story, staff: User) -> Case:
    """Review a day after writing, publish the day after, archive a week later."""
    steps = {
        "draft": [],
        "reviewed": ["review"],
        "published": ["review", "publish"],
        "archived": ["review", "publish", "archive"],
    }[story.status]
    reasons = {"review": REVIEW_REASON, "archive": ARCHIVE_REASON}
    for offset, step in zip((1, 2, 9), steps, strict=False):
        with happened_at(days_ago(story.days - offset)):
            case = services.case_transition(case, step, actor=staff, reason=reasons.get(step, ""))
    return case


def _helped(case: Case, story: Story, members: list[Enterprise]) -> None:
    """Members say it helped, a few days after it was published."""
    for index, member in enumerate(members[: story.helped_by]):
        with happened_at(days_ago(max(story.days - 3 - index, 1))):
            services.mark_helped(case, actor=account_of(member))


def load(
    associations: list[Association], staff: list[User], members: list[list[Enterprise]]
) -> None:
    """`staff[i]` writes the cases of `associations[i]`, whose members are `members[i]`."""
    stories = GUANGDONG + ZHEJIANG
    for index, association in enumerate(associations):
        if Case.objects.filter(association=association).exists():
            continue
        for story in stories:
            if story.association != index:
                continue
            case = _write(story, association, staff[index])
            if story.status == "published" and story.helped_by:
                _helped(case, story, members[index])
        for at, member_index, story in SUGGESTIONS:
            if at != index:
                continue
            member = members[index][member_index]
            with happened_at(days_ago(story.days)):
                services.case_suggest(
                    actor=account_of(member),
                    association_id=association.pk,
                    data={
                        "title": story.title,
                        "summary": story.summary,
                        "problem": story.problem,
                        "actions": story.actions,
                        "results": story.results,
                        "industry": story.industry,
                        "region": story.region,
                        "size": story.size,
                    },
                    tags=story.tags,
                )
