"""Fixed tables the demo city is drawn from: names, the unit layout, positions and ranks.

Everything here is fictional. Region codes use the unassigned prefix 3799 so that no demo ID
number can belong to a real place.
"""

from __future__ import annotations

# Surnames with a weight roughly proportional to their share of the population (per mille,
# rounded from the 2020 census ranking); the long tail keeps rarer and compound surnames.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 22), ("赵", 20),
    ("吴", 19), ("周", 19), ("徐", 13), ("孙", 12), ("马", 12), ("朱", 12), ("胡", 11), ("郭", 11),
    ("何", 10), ("林", 10), ("高", 10), ("罗", 9), ("郑", 8), ("梁", 8), ("谢", 7), ("宋", 6),
    ("唐", 6), ("许", 6), ("韩", 6), ("邓", 6), ("冯", 6), ("曹", 5), ("彭", 5), ("曾", 5),
    ("肖", 5), ("田", 5), ("董", 5), ("潘", 4), ("袁", 4), ("蔡", 4), ("蒋", 4), ("余", 4),
    ("于", 4), ("杜", 4), ("叶", 4), ("程", 4), ("魏", 4), ("苏", 3), ("吕", 3), ("丁", 3),
    ("任", 3), ("卢", 3), ("姚", 3), ("沈", 3), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3),
    ("陆", 3), ("范", 2), ("汪", 2), ("廖", 2), ("石", 2), ("金", 2), ("贾", 2), ("夏", 2),
    ("付", 2), ("方", 2), ("邹", 2), ("熊", 2), ("白", 2), ("孟", 2), ("秦", 2), ("邱", 2),
    ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("龙", 1),
    ("黎", 1), ("史", 1), ("陶", 1), ("贺", 1), ("毛", 1), ("郝", 1), ("顾", 1), ("龚", 1),
    ("邵", 1), ("万", 1), ("武", 1), ("钱", 1), ("戴", 1), ("严", 1), ("孔", 1), ("向", 1),
    ("常", 1), ("汤", 1), ("康", 1), ("易", 1), ("乔", 1), ("文", 1), ("牛", 1), ("尚", 1),
    ("欧阳", 0.3), ("司马", 0.05), ("诸葛", 0.05), ("上官", 0.05), ("皇甫", 0.03),
)  # fmt: skip

# Given-name characters. A two-character given name takes its first character from the
# leading pool and its second from the gendered pool; a one-character name uses the gendered pool.
GIVEN_LEADING = "建晓志国海文俊家子雨思春立永嘉明德学新金玉宏博振世天宇浩晨一少云静雪"
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋成峰东亮阳博鸿彬毅涵锋"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳倩洁晶红梅莉萍蕾欣悦怡佳璐瑶丹琴云莹薇妍雯岚"

CITY_NAME = "临江市"
CITY_REGION = "379900"

# (name, region code) — four districts (区) and six counties (县).
COUNTIES: tuple[tuple[str, str], ...] = (
    ("城东区", "379902"),
    ("城西区", "379903"),
    ("南湖区", "379904"),
    ("北山区", "379905"),
    ("青河县", "379921"),
    ("石桥县", "379922"),
    ("云岭县", "379923"),
    ("白沙县", "379924"),
    ("安平县", "379925"),
    ("临川县", "379926"),
)

# Place-name stems for 派出所 and 司法所 (街道/镇 names); a county draws from this list.
PLACE_STEMS = (
    "城关", "东关", "西街", "南门", "北门", "新华", "人民路", "解放路", "滨江", "河口", "青石",
    "柳林", "桃园", "杏花", "松岗", "梅岭", "龙泉", "凤凰", "金桥", "双井", "大营", "小河",
    "石佛", "马坊", "高庄", "李集", "王店", "朱楼", "刘庄", "张湾", "黄庄", "白塔", "红星",
    "太平", "永安", "长乐", "兴隆", "和平", "建设", "胜利",
)  # fmt: skip

# City-level police sub-bureaus (分局), each with its own 派出所.
CITY_POLICE_BRANCHES = ("高新区分局", "经济开发区分局", "港区分局")

# Which staff family a unit type belongs to: decides number style, positions and ranks.
POLICE, COURT, PROCURATORATE, JUSTICE, PLC = "police", "court", "procuratorate", "justice", "plc"

# Officer weight per unit type: roughly how many people such a unit employs, relative to the
# others. 公安 carries most of the force, as in any real city.
UNIT_WEIGHTS: dict[str, float] = {
    "plc": 12,
    "office": 8,
    "court": 70,
    "procuratorate": 45,
    "public_security": 90,
    "police_station": 45,
    "detention": 40,
    "justice": 20,
    "judicial_office": 5,
    "prison": 180,
    "rehab": 60,
}
# City-level organisations are larger than their county counterparts.
CITY_WEIGHT_FACTOR = 1.8

# Head, deputies and staff positions per unit type. The first person of a unit is its head,
# the next ones its deputies, everyone else draws from the staff list.
POSITIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "plc": ("书记", ("常务副书记", "副书记"), ("科长", "副科长", "一级主任科员", "科员")),
    "office": ("主任", ("副主任",), ("综合组组长", "督导组组长", "承办人", "承办人", "科员")),
    "court": (
        "院长",
        ("副院长", "副院长", "政治部主任"),
        ("庭长", "副庭长", "审判员", "审判员", "法官助理", "法官助理", "书记员", "法警"),
    ),
    "procuratorate": (
        "检察长",
        ("副检察长", "副检察长", "政治部主任"),
        ("部主任", "检察官", "检察官", "检察官助理", "检察官助理", "书记员", "司法警察"),
    ),
    "public_security": (
        "局长",
        ("政委", "副局长", "副局长"),
        ("大队长", "副大队长", "中队长", "民警", "民警", "民警", "民警"),
    ),
    "police_station": ("所长", ("教导员", "副所长"), ("警长", "社区民警", "民警", "民警", "民警")),
    "detention": ("所长", ("教导员", "副所长"), ("管教民警", "管教民警", "民警")),
    "justice": ("局长", ("副局长", "副局长"), ("科长", "副科长", "科员", "科员")),
    "judicial_office": ("所长", ("副所长",), ("科员", "人民调解员")),
    "prison": (
        "监狱长",
        ("政委", "副监狱长", "副监狱长"),
        ("监区长", "教导员", "分监区长", "管教民警", "管教民警"),
    ),
    "rehab": ("所长", ("政委", "副所长"), ("大队长", "管教民警", "管教民警", "民警")),
}

# Ranks by staff family, most senior first; heads draw from the top, staff from the rest.
RANKS: dict[str, tuple[str, ...]] = {
    POLICE: (
        "一级高级警长", "二级高级警长", "三级高级警长", "四级高级警长",
        "一级警长", "二级警长", "三级警长", "四级警长", "一级警员", "二级警员",
    ),
    COURT: (
        "二级高级法官", "三级高级法官", "四级高级法官",
        "一级法官", "二级法官", "三级法官", "四级法官", "五级法官",
    ),
    PROCURATORATE: (
        "二级高级检察官", "三级高级检察官", "四级高级检察官",
        "一级检察官", "二级检察官", "三级检察官", "四级检察官", "五级检察官",
    ),
    JUSTICE: (
        "一级调研员", "二级调研员", "三级调研员", "四级调研员",
        "一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员", "二级科员",
    ),
    PLC: (
        "一级巡视员", "一级调研员", "二级调研员", "三级调研员", "四级调研员",
        "一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员",
    ),
}  # fmt: skip

FAMILY_OF_TYPE: dict[str, str] = {
    "plc": PLC,
    "office": PLC,
    "court": COURT,
    "procuratorate": PROCURATORATE,
    "public_security": POLICE,
    "police_station": POLICE,
    "detention": POLICE,
    "prison": POLICE,
    "rehab": POLICE,
    "justice": JUSTICE,
    "judicial_office": JUSTICE,
}

# Share of men per staff family (police forces are mostly men; courts are close to even).
MALE_SHARE: dict[str, float] = {POLICE: 0.84, COURT: 0.55, PROCURATORATE: 0.55, JUSTICE: 0.6, PLC: 0.6}

# Roster status mix: most are serving; a few have moved, retired or resigned.
STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("active", 96),
    ("transferred", 2),
    ("retired", 1.5),
    ("resigned", 0.5),
)
PARTY_MEMBER_SHARE = 0.85
