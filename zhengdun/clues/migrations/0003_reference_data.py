"""Source channels, the national 六大顽瘴痼疾 and the default deadline rules. Offices edit them
afterwards; this only gives a fresh install the usual lists."""

from django.db import migrations

CHANNELS = [
    ("12337", "12337平台"),
    ("letter", "来信"),
    ("visit", "来访"),
    ("phone", "来电"),
    ("online", "网络举报"),
    ("mailbox", "督导组/信箱"),
    ("inspection_tour", "巡视巡察"),
    ("audit", "审计"),
    ("higher", "上级交办"),
    ("undercover", "明察暗访"),
    ("self_report", "自查转化"),
    ("case_review", "警情排查/案件倒查"),
    ("dept_transfer", "其他部门移送"),
    ("portal", "门户网站"),
]

CATEGORIES = [
    ("GJ1", '违反防止干预司法"三个规定"'),
    ("GJ2", "违规经商办企业（含配偶、子女及其配偶违规从事经营活动）"),
    ("GJ3", "违规参股借贷"),
    ("GJ4", "违规违法减刑、假释、暂予监外执行"),
    ("GJ5", "有案不立、压案不查、有罪不究"),
    ("GJ6", "法官检察官离任后违规从事律师职业、充当司法掮客"),
    ("OTHER", "其他违纪违法问题"),
]


def load(apps, schema_editor):
    Channel = apps.get_model("clues", "Channel")
    Category = apps.get_model("clues", "Category")
    DeadlineRule = apps.get_model("clues", "DeadlineRule")
    for i, (code, name) in enumerate(CHANNELS):
        Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": i})
    for i, (code, name) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": i, "is_national": code != "OTHER"}
        )
    # Default 30 working days (LOCAL practice: 谈话函询 close-out about one month); 12337 reports
    # must reach the reporter within 30 calendar days [S21].
    DeadlineRule.objects.get_or_create(channel=None, category=None, defaults={"days": 30, "working_days": True})
    DeadlineRule.objects.get_or_create(
        channel=Channel.objects.get(code="12337"), category=None, defaults={"days": 30, "working_days": False}
    )


class Migration(migrations.Migration):
    dependencies = [("clues", "0002_search_index")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
