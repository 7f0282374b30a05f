"""The demo rectification's literal data (rectification.seeding tells the story with it): the
problems and how each one's story goes (Spec), the institutions (建章立制), what progress reports
say, and the texts of the problems made from clue findings and from a self-report item.

Days are relative to the day of seeding, as in rectification.seeding."""

from __future__ import annotations

from dataclasses import dataclass

from zhengdun.rectification.models import ProblemSource

# the local item (本地整治项目) the city added for its police, beside GJ1–GJ6
LOCAL_CODE = "LJ-GA01"
LOCAL_NAME = "公安机关受案立案不及时、不规范"

S = ProblemSource

# (title, weight, percent reached in that round)
TaskPlan = tuple[str, int, int]


@dataclass(frozen=True)
class Spec:
    """One demo problem and its story, in days relative to the day of seeding."""

    key: str
    code: str  # category code
    place: tuple[str, str]  # ("city" or "c01".."c10", unit type)
    source: str
    title: str
    description: str
    measures: str
    standard: str
    registered: int  # days before today (moved earlier if the template needs it)
    deadline: int  # days from today (negative: in the past)
    tasks: tuple[TaskPlan, ...]
    closed: int | None = None  # days before today the first round was closed off
    # (kind, days before today, new deadline from today, reason, first task of the new round)
    reopen: tuple[str, int, int, str, str] | None = None
    second: tuple[TaskPlan, ...] = ()  # the new round's tasks (the first is the reopening's own)
    closed_again: int | None = None
    moved: tuple[int, int, str] | None = None  # (days before today, new deadline from today, reason)
    fits: bool = True  # False: registered too late for the template (工期不足), on purpose


SPECS: tuple[Spec, ...] = (
    Spec(
        "gj1_court",
        "GJ1",
        ("c01", "court"),
        S.SELF_CHECK,
        "部分干警违规过问案件未按规定记录报告问题",
        "自查自纠中发现，部分干警在案件办理过程中接受他人打听案情、说情打招呼后，未按“三个规定”"
        "要求如实记录报告，记录报告平台填报率偏低。",
        "开展“三个规定”专项排查，逐案倒查2018年以来过问案件情况；完善记录报告平台，实行“逢问必录”；"
        "对未按规定记录报告的干警进行谈话提醒。",
        "干警“三个规定”知晓率100%，过问案件记录报告率100%，排查发现问题整改到位率100%。",
        75,
        35,
        (
            ("开展“三个规定”专项排查", 3, 100),
            ("完善过问案件记录报告平台", 2, 50),
            ("组织全员签订“逢问必录”承诺书", 1, 40),
        ),
    ),
    Spec(
        "gj1_procuratorate",
        "GJ1",
        ("c03", "procuratorate"),
        S.PUBLIC,
        "检察官与律师、当事人不正当接触交往问题",
        "群众反映部分检察官与案件代理律师、当事人存在不正当接触交往，有的接受宴请、参加娱乐活动。",
        "建立检察官与律师接触交往报备制度；开展接受宴请问题专项清查；设立律师接待专用场所，实行全程录音录像。",
        "接触交往报备制度建立并落实，专项清查全覆盖，发现问题全部依规处理。",
        105,
        5,  # 临期
        (
            ("制定接触交往报备制度", 2, 80),
            ("开展接受宴请问题专项清查", 3, 40),
            ("改造律师接待专用场所", 1, 10),
        ),
    ),
    Spec(
        "gj2_police",
        "GJ2",
        ("c02", "public_security"),
        S.INSPECTION,
        "部分民警违规经商办企业问题",
        "明察暗访发现，部分民警本人或以亲属名义在辖区开办经营实体、入股企业，利用职务便利为经营活动提供帮助。",
        "对全局民警经商办企业情况逐人排查、比对市场监管登记信息；限期清理退出；对拒不退出的依纪依规处理。",
        "排查全覆盖，与市场监管登记信息比对率100%，违规经营实体全部清理退出。",
        115,
        -8,  # 逾期
        (
            ("逐人排查并比对市场监管登记信息", 3, 100),
            ("限期清理退出违规经营实体", 3, 60),
            ("对拒不退出的民警依纪依规处理", 2, 30),
        ),
    ),
    Spec(
        "gj2_court",
        "GJ2",
        ("c05", "court"),
        S.SELF_CHECK,
        "干警配偶、子女及其配偶违规从事经营活动问题",
        "自查中发现，部分领导干部配偶、子女在本院管辖区域内从事与审判工作相关的经营活动，未按规定报告。",
        "建立领导干部配偶子女从业情况报告登记制度；对违规从业的督促退出或调整任职；纳入个人有关事项报告抽查。",
        "报告登记全覆盖，违规从业情形全部纠正，抽查核实率不低于20%。",
        95,
        20,  # 待验收
        (
            ("领导干部配偶子女从业情况登记", 2, 100),
            ("督促违规从业人员退出或调整任职", 3, 100),
            ("开展个人有关事项报告抽查核实", 1, 100),
        ),
    ),
    Spec(
        "gj3_police",
        "GJ3",
        ("c04", "public_security"),
        S.SUPERIOR,
        "部分民警违规参股借贷问题",
        "上级通报反映，部分民警向辖区企业主、管理服务对象借款或在小额贷款公司参股，存在利益输送风险。",
        "开展违规参股借贷专项清理，组织签订承诺书；对借款未还的限期清偿；建立民警大额借贷报告制度。",
        "清理全覆盖，违规参股全部退出，借贷往来全部清偿或规范，报告制度印发执行。",
        130,
        -15,
        (
            ("开展违规参股借贷专项清理", 3, 100),
            ("督促限期清偿、退出参股", 3, 100),
            ("建立民警大额借贷报告制度", 1, 100),
        ),
        closed=18,  # 已销号
    ),
    Spec(
        "gj3_justice",
        "GJ3",
        ("c06", "judicial_office"),
        S.PATROL,
        "司法所干部违规向管理服务对象借款问题",
        "巡察发现，部分司法所干部向社区矫正对象亲属、辖区企业借款，有的长期未还。",
        "全面排查借贷往来；督促限期清偿；建立借贷往来报告备案制度；对违规人员依纪处理。",
        "借贷往来全部排查清楚并清偿到位，报告备案制度落实，违规人员处理到位。",
        160,
        -45,
        (("全面排查借贷往来", 2, 100), ("督促限期清偿", 2, 100)),
        closed=48,
        reopen=(
            "relapse",
            18,
            90,
            "群众来信反映一名司法所干部在清理后再次向社区矫正对象亲属借款，问题出现反弹",
            "对反弹问题立行立改并追责问责",
        ),
        second=(("对反弹问题立行立改并追责问责", 2, 50), ("开展借贷往来二次排查", 1, 30)),  # 反弹
    ),
    Spec(
        "gj4_prison",
        "GJ4",
        ("city", "prison"),
        S.SELF_CHECK,
        "减刑假释案件倒查发现程序违规问题",
        "对2016年以来办理的减刑、假释案件开展倒查，发现部分案件计分考核材料不实、公示程序不规范、"
        "立功表现认定把关不严。",
        "逐案倒查减刑假释案件；对程序违规案件提请依法纠正；规范计分考核和公示程序；落实“三类罪犯”从严审查。",
        "倒查案件全覆盖，发现问题案件全部提请纠正，计分考核、公示程序整改到位。",
        60,
        130,
        (
            ("逐案倒查2016年以来减刑假释案件", 4, 70),
            ("对问题案件提请依法纠正", 3, 30),
            ("规范计分考核和公示程序", 2, 50),
        ),
        moved=(30, 160, "倒查案件数量超出预期，经领导批准延长集中整治时间"),
    ),
    Spec(
        "gj4_procuratorate",
        "GJ4",
        ("c02", "procuratorate"),
        S.SUPERIOR,
        "暂予监外执行病情鉴定审查不严问题",
        "上级通报指出，部分暂予监外执行案件病情诊断、鉴定材料审查不严，存在“保外就医”后长期不收监执行的情况。",
        "对暂予监外执行案件逐案复查；对病情鉴定材料存疑的重新组织鉴定；对不符合条件的依法提请收监执行。",
        "复查全覆盖，存疑病情全部重新鉴定，不符合条件的全部收监执行。",
        3,
        45,
        (("逐案复查暂予监外执行案件", 3, 0), ("组织存疑病情重新鉴定", 2, 0)),
        fits=False,  # 上级限期45天，模板需120个工作日：工期不足
    ),
    Spec(
        "gj4_detention",
        "GJ4",
        ("city", "detention"),
        S.PATROL,
        "看守所留所服刑罪犯减刑呈报把关不严问题",
        "巡察发现，看守所对留所服刑罪犯的减刑呈报材料审核流于形式，个别罪犯的考核分数与实际表现不符。",
        "逐人复核留所服刑罪犯考核台账；建立减刑呈报集体评议和公示制度；邀请检察机关全程监督。",
        "考核台账复核全覆盖，呈报案件集体评议率、公示率均达100%。",
        175,
        40,
        (("逐人复核留所服刑罪犯考核台账", 2, 100), ("建立减刑呈报集体评议和公示制度", 2, 80)),
    ),
    Spec(
        "gj5_police",
        "GJ5",
        ("c01", "public_security"),
        S.INSPECTION,
        "接处警后应立未立、有案不立问题",
        "警情倒查发现，部分接报的盗窃、诈骗警情未按规定受案立案，有的以调解代替立案，存在有案不立问题。",
        "对2019年以来接报警情逐条倒查；对应立未立案件依法立案侦查；落实接处警与受案立案衔接机制；对责任民警追责问责。",
        "警情倒查全覆盖，应立未立案件全部立案，受案立案衔接机制落实到位。",
        40,
        100,
        (
            ("逐条倒查2019年以来接报警情", 3, 40),
            ("对应立未立案件依法立案", 3, 10),
            ("落实接处警与受案立案衔接机制", 1, 0),
        ),
    ),
    Spec(
        "gj5_police_b",
        "GJ5",
        ("c07", "public_security"),
        S.PUBLIC,
        "刑事案件久侦不结、压案不查问题",
        "群众反映部分刑事案件立案后长期未侦结，有的超过两年未采取任何侦查措施，当事人多次信访。",
        "对立案满一年未侦结案件逐案清理；实行挂牌督办、限期办结；建立案件超期预警制度。",
        "久侦不结案件全部清理，符合条件的限期侦结，超期预警制度上线运行。",
        7,
        130,
        (("清理立案满一年未侦结案件", 3, 0), ("对重点案件挂牌督办", 2, 0), ("建立案件超期预警制度", 1, 0)),
    ),
    Spec(
        "gj5_procuratorate",
        "GJ5",
        ("c09", "procuratorate"),
        S.SUPERIOR,
        "立案监督不到位、对应立不立案件监督不力问题",
        "上级检察院通报，本院对公安机关应当立案而不立案的情形监督不力，立案监督案件数量明显偏少。",
        "与公安机关建立警情、案件信息共享机制；对不立案案件开展专项监督；建立立案监督工作台账。",
        "信息共享机制建立运行，专项监督覆盖全部不立案案件，立案监督台账规范完整。",
        135,
        -3,  # 逾期，未报告进展
        (("建立警情、案件信息共享机制", 2, 0), ("开展不立案案件专项监督", 3, 0)),
    ),
    Spec(
        "gj6_court",
        "GJ6",
        ("city", "court"),
        S.OPINION,
        "离任法官违规代理原任职法院案件问题",
        "征求律师意见中反映，个别离任不满两年的法官以律师身份代理原任职法院案件，利用原有关系干扰案件办理。",
        "建立离任人员从业信息库；对离任人员代理案件实行回避审查；对违规代理的通报律师协会依法处理。",
        "离任人员信息库建立并动态更新，代理案件回避审查率100%，违规情形全部处理。",
        150,
        -35,
        (("建立离任人员从业信息库", 2, 100), ("落实离任人员代理案件回避审查", 2, 100)),
        closed=60,
        reopen=(
            "review",
            40,
            65,
            "“回头看”发现离任人员信息库未覆盖2019年以前离任的法官，需补充整改",
            "补录2019年以前离任法官从业信息",
        ),
        second=(("补录2019年以前离任法官从业信息", 1, 100), ("开展代理案件回避情况抽查", 1, 100)),
        closed_again=12,  # 已销号，两轮
    ),
    Spec(
        "gj6_procuratorate",
        "GJ6",
        ("c08", "procuratorate"),
        S.PATROL,
        "离任检察官充当司法掮客问题",
        "巡察发现，个别离任检察官利用原有人脉为当事人打探案情、介绍办案人员，充当“司法掮客”。",
        "排查离任检察官从业情况；严格落实近亲属从业禁止；建立在职检察官与离任人员接触交往报告制度。",
        "排查全覆盖，违规从业全部纠正，接触交往报告制度落实到位。",
        12,
        120,
        (("排查离任检察官从业情况", 2, 30), ("落实近亲属从业禁止清单", 1, 0)),
    ),
    Spec(
        "gj1_court_b",
        "GJ1",
        ("c02", "court"),
        S.PUBLIC,
        "审判人员违规私下会见当事人及其代理人问题",
        "群众反映个别审判人员在案件审理期间私下会见当事人及其代理律师，接受吃请。",
        "开展私下会见当事人问题专项整治；法官会见当事人一律在接待场所进行并登记；对违规人员严肃处理。",
        "专项整治全覆盖，会见登记制度落实，违规人员全部处理到位。",
        125,
        -3,
        (("开展私下会见问题专项整治", 2, 100), ("落实会见当事人登记制度", 1, 100)),
        closed=7,  # 已销号
    ),
    Spec(
        "local_station",
        LOCAL_CODE,
        ("c03", "police_station"),
        S.PUBLIC,
        "派出所受案立案不及时、不规范问题",
        "群众反映部分派出所对报警求助推诿扯皮，受案后不及时出具受案回执，立案审查超期。",
        "全面推行受案立案“首接责任制”；规范受案回执出具；对受案立案情况每周抽查通报。",
        "受案回执出具率100%，立案审查在法定期限内完成率100%，群众满意度明显提升。",
        80,
        30,
        (
            ("推行受案立案“首接责任制”", 2, 60),
            ("规范受案回执出具", 1, 30),
            ("每周抽查通报受案立案情况", 1, 20),
        ),
    ),
)

# (title, 文号, place, issued days before today, scope, problem keys)
INSTITUTIONS: tuple[tuple[str, str, tuple[str, str], int, str, tuple[str, ...]], ...] = (
    (
        "关于进一步落实防止干预司法“三个规定”的实施细则",
        "{county}法〔{year}〕12号",
        ("c01", "court"),
        20,
        "本院全体干警，含聘用制书记员、司法辅助人员",
        ("gj1_court",),
    ),
    (
        "检察人员与律师、当事人接触交往行为规范",
        "{county}检发〔{year}〕8号",
        ("c03", "procuratorate"),
        10,
        "本院检察官、检察辅助人员及司法行政人员",
        ("gj1_procuratorate",),
    ),
    (
        "民警及其配偶子女经商办企业报告登记制度",
        "{county}公通〔{year}〕15号",
        ("c02", "public_security"),
        30,
        "本局全体在职民警、辅警；民警的配偶、子女及其配偶",
        ("gj2_police",),
    ),
    (
        "领导干部配偶、子女及其配偶从业行为“负面清单”管理办法",
        "{county}法〔{year}〕21号",
        ("c05", "court"),
        25,
        "本院院领导、审判委员会委员、庭室负责人",
        ("gj2_court",),
    ),
    (
        "民警参股借贷行为“十不准”",
        "{county}公通〔{year}〕9号",
        ("c04", "public_security"),
        22,
        "本局全体民警、辅警",
        ("gj3_police",),
    ),
    (
        "司法行政干部借贷往来报告备案办法",
        "{county}司发〔{year}〕6号",
        ("c06", "justice"),
        50,
        "本局机关及各司法所全体干部",
        ("gj3_justice",),
    ),
    (
        "减刑假释案件办理全流程监督规定（试行）",
        "临监发〔{year}〕17号",
        ("city", "prison"),
        15,
        "本监狱办理减刑、假释、暂予监外执行案件的各部门及其工作人员",
        ("gj4_prison", "gj4_detention"),
    ),
    (
        "暂予监外执行病情诊断鉴定监督工作规程",
        "{county}检发〔{year}〕11号",
        ("c02", "procuratorate"),
        1,
        "本院刑事执行检察部门",
        ("gj4_procuratorate",),
    ),
    (
        "接处警与受案立案衔接工作规定",
        "临公通〔{year}〕33号",
        ("city", "public_security"),
        12,
        "全市各级公安机关执法办案部门、派出所及110指挥中心",
        ("gj5_police", "gj5_police_b", "local_station"),
    ),
    (
        "刑事立案监督工作办法",
        "{county}检发〔{year}〕14号",
        ("c09", "procuratorate"),
        5,
        "本院侦查监督、案件管理部门",
        ("gj5_procuratorate",),
    ),
    (
        "离任法官检察官从业限制及近亲属从业禁止清单管理办法",
        "临政法〔{year}〕27号",
        ("city", "plc"),
        14,
        "全市各级法院、检察院的在职及离任法官、检察官",
        ("gj6_court", "gj6_procuratorate"),
    ),
    (
        "派出所受案立案“首接责任制”实施细则",
        "{county}公通〔{year}〕19号",
        ("c03", "public_security"),
        8,
        "本局各派出所及执法办案民警",
        ("local_station",),
    ),
    (
        "政法干警违规经商办企业长效监管机制",
        "临政法〔{year}〕31号",
        ("city", "plc"),
        6,
        "全市政法各单位在职干警",
        ("gj2_police", "gj2_court", "clue_0"),
    ),
)

# what a report says at each stage of a task
NARRATIVES = (
    (30, "已制定工作方案，召开动员部署会，明确责任分工和时间节点。"),
    (60, "已完成排查摸底，建立问题台账，逐项明确整改措施和责任人。"),
    (99, "对排查发现的问题逐一整改，大部分问题已整改到位，剩余问题正在推进。"),
    (100, "任务已全部完成，相关制度已印发执行，佐证材料已整理归档。"),
)

# problems made from a clue's findings or a self-report item: the title by category
FINDING_TITLES = {
    "GJ1": "{unit}干警违规过问案件、说情打招呼问题",
    "GJ2": "{unit}干警违规经商办企业问题",
    "GJ3": "{unit}干警违规参股借贷问题",
    "GJ4": "{unit}减刑假释案件审查把关不严问题",
    "GJ5": "{unit}有案不立、压案不查问题",
    "GJ6": "{unit}离任人员违规从事律师职业问题",
}
FINDING_DEFAULT = "{unit}干警作风纪律松弛问题"


# what the office writes when it closes a problem off (对账销号)
CLOSE_OFF_NOTE = "经对照验收标准逐项核查：{standard}整改措施均已落实，佐证材料齐全，同意销号。"

# the names evidence files are uploaded under
EVIDENCE_NAMES = ("整改佐证材料.pdf", "排查台账.pdf", "工作方案.pdf", "会议纪要.pdf")

# a problem made from a demo clue's substantiated finding (the first under way, the second not
# yet started: the tasks by the problem's position)
CLUE_DESCRIPTION = "线索{number}经核查{result}：{summary}。暴露出该单位在干警日常监督管理方面存在漏洞，需举一反三、专项整治。"
CLUE_MEASURES = "以案为鉴开展警示教育；对同类问题开展全面排查；完善日常监督管理制度，压实主体责任。"
CLUE_STANDARD = "警示教育全覆盖，同类问题排查到位、整改清零，监督管理制度印发执行。"
CLUE_TASKS: tuple[tuple[TaskPlan, ...], ...] = (
    (("以案为鉴开展警示教育", 1, 100), ("开展同类问题全面排查", 2, 40)),
    (("以案为鉴开展警示教育", 1, 0), ("开展同类问题全面排查", 2, 0)),
)

# a problem made from a reviewed self-report item (of these categories, in this order of search)
SELFREPORT_CODES = ["GJ2", "GJ3", "GJ1"]
SELFREPORT_SHORT = {"GJ1": "违规过问案件", "GJ2": "违规经商办企业", "GJ3": "违规参股借贷"}
SELFREPORT_TITLE = "{unit}干警自查发现的{short}问题"
SELFREPORT_DESCRIPTION = "干警自查报告反映：{description}经核实属实，反映出同类问题在该单位可能并非个例。"
SELFREPORT_MEASURES = (
    "对全体干警开展同类问题“再自查”；对报告事项逐项核实、限期纠正；建立事项报告动态更新机制。"
)
SELFREPORT_STANDARD = "再自查全覆盖，报告事项全部核实、纠正到位，动态更新机制建立运行。"
SELFREPORT_TASKS: tuple[TaskPlan, ...] = (("组织同类问题“再自查”", 2, 50), ("逐项核实并限期纠正", 2, 20))
