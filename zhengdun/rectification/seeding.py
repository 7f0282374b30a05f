"""Demo rectification (顽瘴痼疾专项整治) for the seeded city: about twenty problems of the six
顽瘴痼疾 and one local item, across the counties and the kinds of units of 临江市, in every
status a newcomer should see on the lists and the battle map — 未启动, 整改中 at various
progress, 临期, 待验收, 已销号 (with its close-off evidence), 逾期 and 反弹 (a second round after a
close-off) — one plan that does not fit its deadline (工期不足), one whose deadline moved (the
plan change lists what moved), problems made from two demo clues' findings and from a
self-report item, and a dozen institutions (建章立制) linked to the problems they address.

Everything is made through rectification.actions by the demo accounts holding the right roles
(units' discipline staff register and report, the city office closes off, leaders reopen), with
`today=` set to the day each step happens, so registration weeks ago, overdue deadlines and
close-offs in the past are what the rules derive. The actions stamp their rows with the moment
the seed runs; those timestamps (created, reported, decided, reopened, changed, uploaded) are
then moved back to the step's day on the rows directly, as the clue and self-report demos date
their steps back; the audit entries keep the moment the seed ran.

Dates are relative to the day of seeding. Plans are made to fit where the story wants them to:
a registration day is moved earlier (a new deadline later) until the category's template fits,
so holidays in the window never turn a demo problem into an unintended 工期不足.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from zhengdun.accounts import permissions
from zhengdun.accounts.models import User
from zhengdun.clues.configuration import add_local_category
from zhengdun.clues.models import SUBSTANTIATED, Category, ClueSubject
from zhengdun.clues.seeding import Cast, build_cast, ensure_reference_data
from zhengdun.org.models import Person, Unit
from zhengdun.rectification import actions, schedule
from zhengdun.rectification.default_templates import ensure_templates
from zhengdun.rectification.models import (
    CloseOff,
    Evidence,
    Institution,
    InstitutionDocument,
    PlanChange,
    Problem,
    ProblemSource,
    ProgressReport,
    Reopening,
    Task,
)

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


class Made(NamedTuple):
    problems: int
    institutions: int


def tiny_pdf(text: str) -> bytes:
    """A small, valid one-page PDF (catalog, page tree, page, font, content stream and a
    correct cross-reference table) saying `text` (ASCII)."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 760 Td (" + safe + b") Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf(text), content_type="application/pdf")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- the places and the people -------------------------------------------------------------------


@dataclass
class Town:
    """The demo city's units as the story names them, who acts on each, and its roster."""

    cast: Cast
    root: Unit
    counties: list[Unit]
    units: list[Unit]
    own: set[int]  # roster records of the demo accounts: never made responsible for a problem
    rng: random.Random
    _people: dict[tuple[int, int], list[Person]] = field(default_factory=dict)

    def place(self, where: str, kind: str) -> Unit:
        if where == "city":
            county_paths = [c.path for c in self.counties]
            area = [u for u in self.units if not any(u.path.startswith(p) for p in county_paths)]
        else:
            county = self.counties[min(int(where[1:]), len(self.counties)) - 1]
            area = [u for u in self.units if u.path.startswith(county.path)]
        found = [u for u in area if u.type == kind]
        if not found:  # a smaller city: any employing unit of that area
            found = [u for u in area if u.type not in Unit.AREA_TYPES]
        return found[0]

    def county_of(self, unit: Unit) -> Unit | None:
        return next((c for c in self.counties if unit.path.startswith(c.path)), None)

    def county_name(self, unit: Unit) -> str:
        county = self.county_of(unit)
        return county.name[:2] if county else self.root.name[:1]

    def actor(self, unit: Unit) -> User:
        """Who registers and reports for a unit: the county's discipline staff where their grant
        covers it and they can name enough of its people, else the city office."""
        county = self.county_of(unit)
        if county is not None:
            handler = self.cast.handlers.get(county.pk)
            if (
                handler is not None
                and permissions.has_permission(handler, "rectification.register", unit)
                and len(self.people(handler, unit)) >= 3
            ):
                return handler
        return self.cast.office

    def reopener(self, unit: Unit) -> User:
        county = self.county_of(unit)
        if county is not None and county.pk in self.cast.county_leaders:
            return self.cast.county_leaders[county.pk]
        return self.cast.leader

    def people(
        self, actor: User, unit: Unit, exclude: frozenset[int] | set[int] = frozenset()
    ) -> list[Person]:
        """Serving officers of the unit the actor may name (its head first); a small unit is topped
        up from the units under it, then from its parent's (a small demo city has units of three)."""
        key = (actor.pk, unit.pk)
        if key not in self._people:
            roster = Person.objects.filter(status=Person.Status.ACTIVE).exclude(pk__in=self.own)
            serving = permissions.scope(actor, "org.view_person", roster).order_by("id")
            rows = list(serving.filter(unit=unit)[:12])
            if len(rows) < 4:
                rows += list(serving.filter(unit__path__startswith=unit.path).exclude(unit=unit)[:6])
            if len(rows) < 4 and unit.parent_id:
                parent = next(u for u in self.units if u.pk == unit.parent_id)
                taken = [p.pk for p in rows]
                rows += list(
                    serving.filter(unit__path__startswith=parent.path).exclude(pk__in=taken)[: 6 - len(rows)]
                )
            self._people[key] = rows
        return [p for p in self._people[key] if p.pk not in exclude]


def _town(rng: random.Random) -> Town:
    cast = build_cast()
    root = Unit.objects.get(parent__isnull=True)
    counties = list(Unit.objects.filter(parent=root, type=Unit.Type.COUNTY).order_by("code"))
    units = list(Unit.objects.filter(is_active=True).order_by("path"))
    own = set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    return Town(cast, root, counties, units, own, rng)


# --- one problem's story ----------------------------------------------------------------------------


def _fitting_start(steps: list[schedule.Step], deadline: dt.date, day: dt.date) -> dt.date:
    """The latest day on or before `day` from which the steps fit before the deadline."""
    while steps and not schedule.back_schedule(steps, deadline, day).fits:
        day -= dt.timedelta(days=7)
    return day


def _fitting_deadline(steps: list[schedule.Step], deadline: dt.date, day: dt.date) -> dt.date:
    """The earliest deadline on or after `deadline` by which the steps fit, planned on `day`."""
    while steps and not schedule.back_schedule(steps, deadline, day).fits:
        deadline += dt.timedelta(days=7)
    return deadline


def _template_steps(category: Category) -> list[schedule.Step]:
    template = actions.template_for(category)
    return [schedule.Step(s.name, s.workdays) for s in template.steps.all()] if template else []


def _narrative(task: Task, percent: int) -> str:
    text = next(words for upto, words in NARRATIVES if percent <= upto)
    return f"{task.title}：{text}（完成{percent}%）"


def _steps_to(percent: int) -> list[int]:
    """The percentages a task is reported at on its way to `percent`."""
    if percent <= 0:
        return []
    if percent <= 50:
        return [percent]
    return [percent // 2 // 5 * 5, percent]


class Story:
    """Registers one problem and walks it through its rounds, dating each step."""

    def __init__(self, town: Town, today: dt.date, categories: dict[str, Category]) -> None:
        self.town, self.today, self.categories = town, today, categories
        self.rng = town.rng
        self.files = 0
        self.started = timezone.now()  # rows stamped after this were written by this run

    def day(self, ago: int) -> dt.date:
        return self.today - dt.timedelta(days=ago)

    def evidence(self, problem: Problem, what: str) -> SimpleUploadedFile:
        self.files += 1
        name = self.rng.choice(["整改佐证材料.pdf", "排查台账.pdf", "工作方案.pdf", "会议纪要.pdf"])
        return _pdf(name, f"Zhengdun demo {what} {problem.number} #{self.files}")

    def register(
        self,
        actor: User,
        *,
        unit: Unit,
        category: Category,
        source: str,
        title: str,
        description: str,
        measures: str,
        standard: str,
        registered: dt.date,
        deadline: dt.date,
        fits: bool = True,
        source_clue: Any = None,
        source_item: Any = None,
    ) -> tuple[Problem, dt.date]:
        """Register a problem (its head of unit responsible, a colleague the person) and date it
        back; returns it and the day it was registered (earlier than asked when the plan needs it)."""
        if fits:
            registered = _fitting_start(_template_steps(category), deadline, registered)
        people = self.town.people(actor, unit, exclude=self._subjects(source_clue))
        leader, person = people[0], people[1] if len(people) > 1 else people[0]
        problem = actions.register_problem(
            actor,
            {
                "title": title,
                "category": category.pk,
                "source": source,
                "description": description,
                "responsible_unit": unit.pk,
                "responsible_leader": leader.pk,
                "responsible_person": person.pk,
                "measures": measures,
                "standard": standard,
                "deadline": deadline.isoformat(),
            },
            source_clue=source_clue,
            source_selfreport_item=source_item,
            today=registered,
        )
        moment = _at(registered, 9, self.rng.randint(0, 50))
        Problem.objects.filter(pk=problem.pk).update(created_at=moment)
        PlanChange.objects.filter(problem=problem).update(changed_at=moment)
        return problem, registered

    def _subjects(self, clue: Any) -> set[int]:
        if clue is None:
            return set()
        return set(clue.subjects.exclude(person__isnull=True).values_list("person_id", flat=True))

    def add_tasks(
        self,
        actor: User,
        problem: Problem,
        plans: tuple[TaskPlan, ...],
        on: dt.date,
        skip_first: bool = False,
    ) -> list[tuple[Task, int]]:
        """Add the round's tasks (owners from the unit, deadlines spread up to the problem's)."""
        people = self.town.people(actor, problem.responsible_unit)
        owners = people[1:] if len(people) > 2 else people
        tasks: list[tuple[Task, int]] = []
        if skip_first:  # the reopening made the round's first task
            first = problem.tasks.filter(round=problem.round).order_by("position").first()
            tasks.append((first, plans[0][2]))
            plans = plans[1:]
        span = max((problem.deadline - on).days, 1)
        offset = len(tasks)
        for i, (title, weight, percent) in enumerate(plans):
            due = on + dt.timedelta(days=max(1, span * (i + 2) // (len(plans) + 1)))
            task = actions.add_task(
                actor,
                problem,
                title=title,
                owner=owners[(offset + i) % len(owners)].pk,
                deadline=min(due, problem.deadline).isoformat(),
                weight=weight,
                today=on,
            )
            Task.objects.filter(pk=task.pk).update(created_at=_at(on, 10, i * 7))
            tasks.append((task, percent))
        return tasks

    def report(
        self, actor: User, problem: Problem, tasks: list[tuple[Task, int]], start: dt.date, end: dt.date
    ) -> None:
        """Report each task up to its percentage, on days spread between start and end."""
        end = max(end, start)
        span = (end - start).days
        for task, percent in tasks:
            # a task reported before (a round moved on) only goes forward from where it stands
            steps = [v for v in _steps_to(percent) if v > task.progress]
            for n, value in enumerate(steps, start=1):
                on = start + dt.timedelta(
                    days=span * n // len(steps) - self.rng.randint(0, min(3, span // 4))
                )
                on = min(max(on, start), end)
                files = (
                    [self.evidence(problem, "evidence")] if value == 100 or self.rng.random() < 0.6 else []
                )
                row = actions.report_progress(
                    actor,
                    task,
                    percent=value,
                    narrative=_narrative(task, value),
                    files=files,
                    version=task.version,
                    today=on,
                )
                moment = _at(on, self.rng.randint(9, 17), self.rng.randint(0, 59))
                ProgressReport.objects.filter(pk=row.pk).update(reported_at=moment)
                Evidence.objects.filter(report=row).update(uploaded_at=moment)

    def milestones(self, actor: User, problem: Problem, progress: float, on: dt.date) -> None:
        """Mark done the milestones the progress has passed and whose planned window has begun by
        `on`, on their planned end (or `on`). A milestone still ahead in the plan stays 未开始:
        marked done before it began, it drew a future bar of the 甘特图 as 已完成 (issue #11)."""
        rows = list(problem.milestones.order_by("position"))
        done = int(len(rows) * progress / 100 + 1e-9)
        for milestone in rows[:done]:
            if milestone.done_on is None and milestone.start <= on:
                actions.complete_milestone(actor, milestone, min(milestone.end, on), today=on)

    def close(self, problem: Problem, on: dt.date) -> None:
        office = self.town.cast.office
        problem.refresh_from_db()
        row = actions.close_off(
            office,
            problem,
            check_note=f"经对照验收标准逐项核查：{problem.standard}整改措施均已落实，佐证材料齐全，同意销号。",
            files=[self.evidence(problem, "close-off")],
            version=problem.version,
            today=on,
        )
        moment = _at(on, 15, self.rng.randint(0, 59))
        CloseOff.objects.filter(pk=row.pk).update(decided_at=moment)
        Evidence.objects.filter(close_off=row).update(uploaded_at=moment)

    def run(self, spec: Spec) -> Problem:
        town = self.town
        unit = town.place(*spec.place)
        actor = town.actor(unit)
        category = self.categories[spec.code]
        deadline = self.day(-spec.deadline)
        problem, registered = self.register(
            actor,
            unit=unit,
            category=category,
            source=spec.source,
            title=spec.title,
            description=spec.description,
            measures=spec.measures,
            standard=spec.standard,
            registered=self.day(spec.registered),
            deadline=deadline,
            fits=spec.fits,
        )
        tasks = self.add_tasks(actor, problem, spec.tasks, registered)
        first_end = self.day(spec.closed + 2) if spec.closed is not None else self.day(1)
        if spec.moved:
            moved_on = self.day(spec.moved[0])
            self.report(
                actor, problem, [(t, p // 2) for t, p in tasks], registered + dt.timedelta(days=5), moved_on
            )
            self.move(actor, problem, moved_on, self.day(-spec.moved[1]), spec.moved[2])
            self.report(actor, problem, tasks, moved_on + dt.timedelta(days=2), first_end)
        else:
            self.report(actor, problem, tasks, registered + dt.timedelta(days=5), first_end)
        problem.refresh_from_db()
        self.milestones(actor, problem, float(problem.progress), first_end)
        if spec.closed is None:
            return problem
        self.close(problem, self.day(spec.closed))
        if spec.reopen is None:
            return problem
        kind, ago, new_deadline, reason, first_task = spec.reopen
        reopened = self.day(ago)
        steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.order_by("position")]
        new_due = _fitting_deadline(steps, self.day(-new_deadline), reopened)
        problem.refresh_from_db()
        row = actions.reopen(
            town.reopener(unit),
            problem,
            kind=kind,
            reason=reason,
            new_deadline=new_due.isoformat(),
            task_title=first_task,
            version=problem.version,
            today=reopened,
        )
        Reopening.objects.filter(pk=row.pk).update(reopened_at=_at(reopened, 11))
        PlanChange.objects.filter(problem=problem, changed_at__gte=self.started).update(
            changed_at=_at(reopened, 11, 5)
        )
        problem.refresh_from_db()
        tasks = self.add_tasks(actor, problem, spec.second, reopened, skip_first=True)
        second_end = self.day(spec.closed_again + 2) if spec.closed_again is not None else self.day(2)
        self.report(actor, problem, tasks, reopened + dt.timedelta(days=3), second_end)
        problem.refresh_from_db()
        self.milestones(actor, problem, float(problem.progress), second_end)
        if spec.closed_again is not None:
            self.close(problem, self.day(spec.closed_again))
        return problem

    def move(self, actor: User, problem: Problem, on: dt.date, deadline: dt.date, reason: str) -> None:
        """Move the deadline (整改时限调整): the plan is recomputed and the change lists what moved."""
        problem.refresh_from_db()
        steps = [schedule.Step(m.name, m.workdays) for m in problem.milestones.order_by("position")]
        deadline = _fitting_deadline(steps, deadline, on)
        data = {**actions.wuding_of(problem), "deadline": deadline.isoformat()}
        actions.update_problem(actor, problem, data, version=problem.version, reason=reason, today=on)
        PlanChange.objects.filter(problem=problem, changed_at__gte=self.started).update(
            changed_at=_at(on, 16)
        )


# --- problems found elsewhere: clue findings, a self-report item ----------------------------------


def _fit_for_any_unit(subject: ClueSubject) -> bool:
    """Whether the subject's finding is of a kind any unit can have (GJ1–GJ3), unlike 减刑假释 or
    离任从业, which belong to particular kinds of unit."""
    categories = list(subject.finding_categories.all()) or list(subject.clue.categories.all())
    return bool(categories) and categories[0].code in ("GJ1", "GJ2", "GJ3")


def _finding_problems(story: Story, made: dict[str, Problem]) -> None:
    """Two problems from demo clues whose subject was substantiated, one from a reviewed
    self-report item — each registered by the city office with the link kept both ways."""
    from zhengdun.clues.models import Clue

    town, today = story.town, story.today
    office = town.cast.office
    visible = permissions.scope(office, "clues.view", Clue.objects.all())
    subjects = (
        ClueSubject.objects.filter(
            result__in=SUBSTANTIATED,
            person__isnull=False,
            person__status=Person.Status.ACTIVE,
            clue__in=visible,
            clue__received_on__lte=today - dt.timedelta(days=30),
        )
        .select_related("clue", "person__unit")
        .prefetch_related("finding_categories", "clue__categories")
        .order_by("clue_id", "id")
    )
    codes_used: set[str] = set()
    picked = []
    for subject in sorted(subjects, key=lambda s: not _fit_for_any_unit(s)):
        categories = list(subject.finding_categories.all()) or list(subject.clue.categories.all())
        if not categories or categories[0].code in codes_used:
            continue
        codes_used.add(categories[0].code)
        picked.append((subject, categories[0]))
        if len(picked) == 2:
            break
    for n, (subject, category) in enumerate(picked):
        clue, unit = subject.clue, subject.person.unit
        registered = story.day(20 - n * 8)
        deadline = _fitting_deadline(_template_steps(category), story.day(-100 - n * 10), registered)
        problem, registered = story.register(
            office,
            unit=unit,
            category=category,
            source=ProblemSource.CLUE,
            title=FINDING_TITLES.get(category.code, FINDING_DEFAULT).format(unit=unit.name),
            description=(
                f"线索{clue.number}经核查{subject.get_result_display()}：{clue.summary}。"
                "暴露出该单位在干警日常监督管理方面存在漏洞，需举一反三、专项整治。"
            ),
            measures="以案为鉴开展警示教育；对同类问题开展全面排查；完善日常监督管理制度，压实主体责任。",
            standard="警示教育全覆盖，同类问题排查到位、整改清零，监督管理制度印发执行。",
            registered=registered,
            deadline=deadline,
            source_clue=clue,
        )
        tasks = story.add_tasks(
            office,
            problem,
            (
                ("以案为鉴开展警示教育", 1, 100 if n == 0 else 0),
                ("开展同类问题全面排查", 2, 40 if n == 0 else 0),
            ),
            registered,
        )
        story.report(office, problem, tasks, registered + dt.timedelta(days=3), story.day(1))
        made[f"clue_{n}"] = problem

    from zhengdun.selfreports.models import SelfReport, SelfReportItem

    # items are seen through their report (the report carries the unit)
    reports = permissions.scope(
        office, "selfreports.view", SelfReport.objects.filter(submitted_at__isnull=False)
    )
    item = (
        SelfReportItem.objects.filter(report__in=reports, category__code__in=["GJ2", "GJ3", "GJ1"])
        .exclude(review__isnull=True)
        .exclude(review__outcome="")
        .select_related("category", "report__unit")
        .order_by("id")
        .first()
    )
    if item is None:
        return
    unit = item.report.unit
    short = {"GJ1": "违规过问案件", "GJ2": "违规经商办企业", "GJ3": "违规参股借贷"}[item.category.code]
    problem, registered = story.register(
        office,
        unit=unit,
        category=item.category,
        source=ProblemSource.SELF_CHECK,
        title=f"{unit.name}干警自查发现的{short}问题",
        description=f"干警自查报告反映：{item.description[:120]}经核实属实，反映出同类问题在该单位可能并非个例。",
        measures="对全体干警开展同类问题“再自查”；对报告事项逐项核实、限期纠正；建立事项报告动态更新机制。",
        standard="再自查全覆盖，报告事项全部核实、纠正到位，动态更新机制建立运行。",
        registered=story.day(8),
        deadline=_fitting_deadline(_template_steps(item.category), story.day(-110), story.day(8)),
        source_item=item,
    )
    tasks = story.add_tasks(
        office,
        problem,
        (("组织同类问题“再自查”", 2, 50), ("逐项核实并限期纠正", 2, 20)),
        registered,
    )
    story.report(office, problem, tasks, registered + dt.timedelta(days=2), story.day(1))
    made["selfreport"] = problem


# --- 建章立制 ---------------------------------------------------------------------------------------


def _institutions(story: Story, made: dict[str, Problem]) -> int:
    town = story.town
    count = 0
    for title, number, place, ago, scope, keys in INSTITUTIONS:
        unit = town.place(*place)
        actor = town.actor(unit)
        issued = story.day(ago)
        row = actions.register_institution(
            actor,
            {
                "title": title,
                "doc_number": number.format(county=town.county_name(unit), year=issued.year),
                "issuing_unit": unit.pk,
                "issued_on": issued.isoformat(),
                "scope": scope,
            },
            problems=[made[k] for k in keys if k in made],
            files=[_pdf(f"{title[:40]}.pdf", f"Zhengdun demo institution {count + 1}: {issued.isoformat()}")],
            today=story.today,
        )
        moment = _at(issued + dt.timedelta(days=1), 10, story.rng.randint(0, 59))
        Institution.objects.filter(pk=row.pk).update(created_at=moment)
        InstitutionDocument.objects.filter(institution=row).update(uploaded_at=moment)
        count += 1
    return count


# --- the entry point ------------------------------------------------------------------------------


def _local_category(office: User, root: Unit) -> Category:
    existing = Category.objects.filter(code=LOCAL_CODE).first()
    if existing is not None:
        return existing
    return add_local_category(office, unit=root, code=LOCAL_CODE, name=LOCAL_NAME)


def seed_demo_rectification(rng: random.Random, today: dt.date | None = None) -> Made:
    """Write the demo problems (every status), their tasks, reports, close-offs, reopenings and
    the institutions; returns how many of each. Deterministic for a given rng state and roster.
    A database that already has problems is left alone (a second run writes nothing)."""
    today = today or timezone.localdate()
    if Problem.objects.exists():
        return Made(Problem.objects.count(), Institution.objects.count())
    ensure_reference_data()
    ensure_templates()
    town = _town(rng)
    with transaction.atomic():
        categories = {c.code: c for c in Category.objects.all()}
        categories[LOCAL_CODE] = _local_category(town.cast.office, town.root)
        story = Story(town, today, categories)
        made: dict[str, Problem] = {}
        for spec in SPECS:
            made[spec.key] = story.run(spec)
        _finding_problems(story, made)
        institutions = _institutions(story, made)
    return Made(len(made), institutions)
