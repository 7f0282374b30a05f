"""The demo self-reports' literal data (selfreports.seeding uses it): the items officers report,
the reviewers' check notes and the outcomes they choose from."""

from __future__ import annotations

from zhengdun.selfreports.models import Outcome, Relation

# (category code, GJ2 subtype, description, amount, related persons [(name, relation, detail)])
ITEMS: list[tuple[str, str, str, str | None, list[tuple[str, str, str]]]] = [
    (
        "GJ1",
        "",
        "2019年5月，本人应朋友请托，向承办民警打听其子涉嫌交通肇事一案的办理进展，并请求“依法从快处理”，"
        "未按规定记录报告。",
        None,
        [("刘某", Relation.PARTY, "案件当事人之父，本人朋友")],
    ),
    (
        "GJ1",
        "",
        "2020年本人承办的一起合同纠纷案件中，曾与一方代理律师在庭外共同就餐一次，未按规定报告。",
        None,
        [("陈某", Relation.LAWYER, "某律师事务所律师")],
    ),
    (
        "GJ2",
        "self",
        "2017年至2020年间，本人与同学合伙在城郊经营一家农家乐，出资8万元并按年分红，已于2021年3月退出。",
        "80000",
        [],
    ),
    (
        "GJ2",
        "spouse_children",
        "本人配偶自2018年起在本人管辖区域内经营一家建材商店，本人未按规定向组织报告。",
        None,
        [("王某", Relation.RELATIVE_BUSINESS, "配偶，经营建材商店")],
    ),
    (
        "GJ2",
        "spouse_children",
        "本人之子于2019年注册成立一家保安服务公司，承接辖区内部分企业的安保业务。",
        None,
        [("张某", Relation.RELATIVE_BUSINESS, "儿子，某保安服务公司法定代表人")],
    ),
    (
        "GJ2",
        "other_relative",
        "本人胞弟在本人管辖区域内承揽道路养护工程，本人曾向相关部门负责人打过招呼。",
        None,
        [("李某", Relation.RELATIVE_BUSINESS, "胞弟，承揽道路养护工程")],
    ),
    (
        "GJ3",
        "",
        "2016年本人向辖区一企业主借款20万元用于购房，约定不计利息，至2020年底已全部归还。",
        "200000",
        [("赵某", Relation.OTHER, "辖区企业主")],
    ),
    (
        "GJ3",
        "",
        "2018年本人在一家小额贷款公司以亲属名义参股5万元，每年领取分红。",
        "50000",
        [],
    ),
    (
        "GJ4",
        "",
        "2018年本人参与办理的一起减刑案件中，对罪犯提交的立功材料审查不严，未发现其中的疑点。",
        None,
        [],
    ),
    (
        "GJ5",
        "",
        "2019年本人接报一起盗窃案件后，以证据不足为由未及时立案，致案件积压半年后才立案侦查。",
        None,
        [("孙某", Relation.PARTY, "报案人")],
    ),
    (
        "GJ6",
        "",
        "本人配偶原为区人民法院法官，2019年辞职后到律师事务所执业，曾代理原任职法院的案件，本人未按规定报告。",
        None,
        [("周某", Relation.LAWYER, "配偶，某律师事务所执业律师")],
    ),
    (
        "OTHER",
        "",
        "2020年春节期间，本人违规接受辖区企业赠送的购物卡2张，价值共计1000元，已于2021年3月上交。",
        "1000",
        [],
    ),
]

CHECK_NOTES = [
    "经与本人谈话、调取相关材料核实，所报情况属实，本人认识态度较好，已主动纠正。",
    "经核实，所报事项属实，情节轻微，已督促本人整改到位。",
    "经调取工商登记信息核实，所报情况基本属实，相关经营活动已停止。",
]
OUTCOMES = [
    Outcome.EXEMPT,
    Outcome.NOT_SANCTIONED,
    Outcome.LIGHTER,
    Outcome.CRITICISM,
    Outcome.TALK_REMINDER,
    Outcome.ORDER_INSPECTION,
    Outcome.ADMONITION,
]
