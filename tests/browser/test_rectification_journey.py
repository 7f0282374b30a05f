"""The rectification journey in a real browser (顽瘴痼疾专项整治), people taking turns on one
problem: the office registers it with its 五定 and adds a task, the court's handler reports
progress up to 100% with evidence, the office checks it and closes it off (对账销号), and the
county leader follows it on the battle map (挂图作战: 作战图, 甘特图, 县区排名, the xlsx
export) and opens it again after a 回头看. A handler of the other county does not see it.

Each refused step (a deadline in the past, progress going back without a reason, a close-off
without evidence) shows its Chinese message beside the field it names, with what was typed kept."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in
from zhengdun.clues.models import Category
from zhengdun.core.testing import PASSWORD, build_city
from zhengdun.rectification import actions
from zhengdun.rectification.models import CloseOff, Evidence, Problem, ProgressReport, Task
from zhengdun.rectification.tests.helpers import problem_data

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "违规参与律师饭局问题"
DESCRIPTION = "明察暗访发现部分干警与律师不正当接触交往，接受律师宴请。"
MEASURES = "开展专项排查，建立干警与律师接触交往记录报告制度。"
STANDARD = "排查全覆盖，记录报告率100%"
TASK = "全面排查干警与律师接触交往情况"
STEPS = ["制定方案", "集中整治", "验收评估", "建章立制"]
OVERDUE_TITLE = "超期羁押清理不到位问题"


def _reference_data() -> None:
    # transactional_db flushes every table after a test, the data migration's categories and the
    # milestone templates with them; put them back (idempotent) so test order never matters.
    from zhengdun.clues.seeding import ensure_reference_data
    from zhengdun.rectification.default_templates import ensure_templates

    ensure_reference_data()
    ensure_templates()


def _switch_user(page: Any, username: str) -> None:
    """Sign out through the top bar and sign in as someone else in the same browser."""
    if page.locator(".topbar").count():
        page.locator(".topbar").get_by_role("button", name="退出").click()
        expect(page.locator("input[name=username]")).to_be_visible()
    sign_in(page, username, PASSWORD)
    expect(page.locator(".topbar")).to_be_visible()


def _nav(page: Any, label: str) -> None:
    """Open an entry of the side navigation's 专项整治 group."""
    group = page.locator(".sidenav .navgroup", has=page.locator(".navtitle", has_text="专项整治"))
    group.get_by_role("link", name=label, exact=True).click()
    expect(page.locator("h1")).to_contain_text(label)


def _pick(page: Any, field: str, name: str, *, typo: str = "") -> None:
    """Type a name into a person picker and choose the match htmx lists in the picker's list;
    with a typo, first search for that, see it not found, and search again."""
    box, listed = page.locator(f"#id_{field}"), page.locator(f"#pick-{field}-list")
    kept = "the matches must land inside the picker's list, which stays for the next search"
    if typo:
        box.fill(typo)
        expect(listed, kept).to_contain_text(f"没有找到“{typo}”")
    box.fill(name)
    option = listed.locator("label.pick", has_text=name).locator("input[type=radio]")
    expect(option, kept).to_have_count(1)
    option.check()


def _pdf(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _status(page: Any) -> Any:
    return page.locator(".zg-band [data-status]")


def _settled(page: Any) -> None:
    # a successful htmx form answers HX-Refresh and the page loads again: wait for the new page's
    # deferred htmx before clicking, or a click could go the no-JavaScript way
    page.wait_for_load_state("load")


def _overdue_problem(city: Any) -> Problem:
    """Registered 150 days ago with a deadline 10 days ago, never reported: 逾期 today."""
    today = timezone.localdate()
    data = problem_data(city, title=OVERDUE_TITLE, deadline=(today - dt.timedelta(days=10)).isoformat())
    return actions.register_problem(city.office_handler, data, today=today - dt.timedelta(days=150))


def test_a_problem_from_registration_to_close_off_on_the_battle_map(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    _reference_data()
    city = build_city()
    gj1 = Category.objects.get(code="GJ1")
    overdue = _overdue_problem(city)
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=200)

    # --- 1. the office registers the problem with its 五定 ----------------------------------------
    _switch_user(page, "office")
    _nav(page, "登记问题")
    form = page.locator("form.zg-register")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=category]").select_option(value=str(gj1.pk))
    form.locator("select[name=source]").select_option(label="明察暗访")
    form.locator("textarea[name=description]").fill(DESCRIPTION)
    form.locator("select[name=responsible_unit]").select_option(value=str(city.court_a.pk))
    _pick(page, "responsible_leader", "赵书记", typo="钱书记")
    _pick(page, "responsible_person", "张明")
    form.locator("textarea[name=measures]").fill(MEASURES)
    form.locator("textarea[name=standard]").fill(STANDARD)
    yesterday = today - dt.timedelta(days=1)
    form.locator("input[name=deadline]").fill(yesterday.isoformat())
    form.get_by_role("button", name="登记问题").click()

    # a deadline in the past: refused beside the field, everything typed kept, nothing stored
    past = f"整改时限须晚于今天（{today.isoformat()}）"
    form = page.locator("form.zg-register")
    expect(form.locator(".form-errors")).to_contain_text(past)
    deadline_box = form.locator(".control", has=page.locator("input[name=deadline]"))
    expect(deadline_box.locator(".errorlist")).to_have_text(past)
    expect(form.locator("input[name=deadline]")).to_have_value(yesterday.isoformat())
    expect(form.locator("input[name=title]")).to_have_value(TITLE)
    expect(form.locator("textarea[name=measures]")).to_have_value(MEASURES)
    expect(form.locator("select[name=responsible_unit]")).to_have_value(str(city.court_a.pk))
    leader = city.people["leader_a"]
    expect(form.locator(f"input[name=responsible_leader][value='{leader.pk}']")).to_be_checked()
    judge = city.people["judge_a"]
    expect(form.locator(f"input[name=responsible_person][value='{judge.pk}']")).to_be_checked()
    assert Problem.objects.count() == 1  # the overdue one of the setup only
    screenshot(page, "rectification-01-register-refused")

    form.locator("input[name=deadline]").fill(deadline.isoformat())
    form.get_by_role("button", name="登记问题").click()
    expect(page).to_have_url(re.compile(r"/rectification/problems/\d+/$"))
    problem = Problem.objects.exclude(pk=overdue.pk).get()
    assert (problem.title, problem.category, problem.source) == (TITLE, gj1, "inspection")
    assert (problem.responsible_unit, problem.responsible_leader, problem.responsible_person) == (
        city.court_a,
        leader,
        judge,
    )
    assert problem.deadline == deadline
    expect(page.locator(".messages")).to_contain_text(f"已登记问题{problem.number}")
    expect(page.locator(".pagehead h1")).to_contain_text(problem.number)
    expect(_status(page)).to_have_text("未启动")
    expect(_status(page)).to_have_class(re.compile(r"\bgrey\b"))
    rows = page.locator("table.milestones tbody tr")
    expect(rows).to_have_count(len(STEPS))
    for row, milestone in zip(rows.all(), problem.milestones.order_by("position"), strict=True):
        expect(row).to_contain_text(milestone.name)
        expect(row).to_contain_text(f"{milestone.start:%Y-%m-%d}")
        expect(row).to_contain_text(f"{milestone.end:%Y-%m-%d}")
    assert [m.name for m in problem.milestones.order_by("position")] == STEPS
    assert problem.milestones.order_by("position").last().end <= deadline
    expect(page.locator("[data-plan=short]")).to_have_count(0)

    # the 任务清单 is empty, its form open: one task for 张明, weight 2
    expect(page.locator("#tasks")).to_contain_text("尚未分解整改任务")
    task_form = page.locator("#form-task")
    expect(task_form).to_be_visible()
    task_form.locator("input[name=title]").fill(TASK)
    _pick(page, "owner", "张明", typo="张敏")
    expect(task_form.locator("input[name=deadline]")).to_have_value(deadline.isoformat())
    task_form.locator("input[name=weight]").fill("2")
    task_form.get_by_role("button", name="添加任务").click()
    task_row = page.locator("table.tasks tbody tr[data-task]")
    expect(task_row).to_have_count(1)
    _settled(page)
    expect(page.locator(".messages")).to_contain_text(f"已添加任务“{TASK}”")
    expect(task_row).to_contain_text("张明")
    expect(task_row.locator("td.num")).to_have_text("2")
    task = Task.objects.get(problem=problem)
    assert (task.owner, task.weight, task.deadline, task.progress) == (judge, 2, deadline, 0)
    expect(page.locator("#duty")).to_contain_text(TASK)  # the 责任清单 names the task's owner
    screenshot(page, "rectification-02-registered")

    # --- 2. the court's handler reports progress ----------------------------------------------------
    _switch_user(page, "handler_a")
    _nav(page, "问题清单")
    listed = page.locator(f"#problem-table tr[data-problem='{problem.pk}']")
    expect(listed.locator("[data-status]")).to_have_text("未启动")
    listed.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(page.base_url + reverse("rectification:problem", args=[problem.pk]))
    # the handler may report, not close off
    expect(page.locator("#close")).to_have_count(0)
    report_form = page.locator(f"#form-report-{task.pk}")

    def open_report() -> None:
        page.locator(f"#task-{task.pk} a[data-action=report]").click()
        expect(report_form).to_be_visible()

    open_report()
    report_form.locator("input[name=percent]").fill("50")
    report_form.locator("textarea[name=narrative]").fill("已完成全院干警自查填报，正在逐人核实。")
    report_form.get_by_role("button", name="提交报告").click()
    expect(_status(page)).to_have_text("整改中")
    _settled(page)
    expect(_status(page)).to_have_class(re.compile(r"\bblue\b"))
    expect(page.locator(".zg-band .zg-progress-text")).to_have_text("50.0%")
    expect(page.locator(".messages")).to_contain_text(f"已报告“{TASK}”的进展：50%")

    # going back to 30% without a reason is refused, the figures kept
    open_report()
    going_back = "材料需要补充，重新核实。"
    report_form.locator("input[name=percent]").fill("30")
    report_form.locator("textarea[name=narrative]").fill(going_back)
    report_form.get_by_role("button", name="提交报告").click()
    refusal = "完成进度由50%回退到30%，请说明回退原因（至少4个字）"
    expect(report_form.locator(".form-errors")).to_contain_text(refusal)
    reason_box = report_form.locator(".control", has=page.locator("input[name=reason]"))
    expect(reason_box.locator(".errorlist")).to_have_text(refusal)
    expect(report_form.locator("input[name=percent]")).to_have_value("30")
    expect(report_form.locator("textarea[name=narrative]")).to_have_value(going_back)
    expect(_status(page)).to_have_text("整改中")
    assert ProgressReport.objects.filter(task=task).count() == 1
    screenshot(page, "rectification-03-report-refused")

    # 100% with the evidence: every task done, 待验收
    report_form.locator("input[name=percent]").fill("100")
    report_form.locator("textarea[name=narrative]").fill("排查全覆盖，已建立记录报告制度并运行。")
    report_form.locator("input[name=files]").set_input_files(_pdf("排查报告.pdf"))
    report_form.get_by_role("button", name="提交报告").click()
    expect(_status(page)).to_have_text("待验收")
    _settled(page)
    expect(_status(page)).to_have_class(re.compile(r"\bteal\b"))
    expect(page.locator(".zg-band .zg-progress-text")).to_have_text("100.0%")
    reports = page.locator("table.reports tbody tr")
    expect(reports).to_have_count(2)
    expect(reports.first).to_contain_text("50% → 100%")
    expect(reports.first.locator("a[data-evidence]")).to_have_text("排查报告.pdf")
    evidence = Evidence.objects.get(report__task=task)
    assert evidence.original_name == "排查报告.pdf"

    # --- 3. the office checks against the standard and closes it off --------------------------------
    _switch_user(page, "office")
    page.goto(page.base_url + reverse("rectification:problem", args=[problem.pk]))
    close_form = page.locator("#form-close")
    expect(close_form).to_contain_text(f"整改标准：{STANDARD}")
    check_note = "经实地抽查20名干警接触交往记录，均已如实报告，符合整改标准。"
    close_form.locator("textarea[name=check_note]").fill(check_note)
    close_form.get_by_role("button", name="对账销号").click()
    expect(close_form.locator(".form-errors")).to_contain_text("销号须上传佐证材料")
    files_box = close_form.locator(".control", has=page.locator("input[name=files]"))
    expect(files_box.locator(".errorlist")).to_have_text("销号须上传佐证材料")
    expect(close_form.locator("textarea[name=check_note]")).to_have_value(check_note)
    expect(_status(page)).to_have_text("待验收")
    assert not CloseOff.objects.exists()

    close_form.locator("input[name=files]").set_input_files(_pdf("验收材料.pdf"))
    close_form.get_by_role("button", name="对账销号").click()
    expect(_status(page)).to_have_text("已销号")
    _settled(page)
    expect(_status(page)).to_have_class(re.compile(r"\bgreen\b"))
    expect(page.locator(".messages")).to_contain_text(f"问题{problem.number}已对账销号")
    expect(page.locator(".zg-band")).to_contain_text(f"销号日期{today:%Y-%m-%d}")
    expect(page.locator("#close")).to_have_count(0)
    closed = page.locator("#history li[data-event=closed]")
    expect(closed).to_contain_text("第1轮对账销号")
    expect(closed.locator("a[data-evidence]")).to_have_text("验收材料.pdf")
    problem.refresh_from_db()
    assert problem.closed_on == today
    screenshot(page, "rectification-04-closed-off")

    # --- 4. the county leader on the battle map --------------------------------------------------------
    _switch_user(page, "leader_a")
    _nav(page, "挂图作战")
    expect(page.locator(".bm-tabs a.active")).to_have_text("作战图")
    headers = page.locator("table.bm-matrix thead th").all_inner_texts()
    column = next(i for i, text in enumerate(headers) if text.startswith("GJ1"))
    county = page.locator("table.bm-matrix tbody", has=page.locator("tr.group", has_text="甲县"))
    court_row = county.locator("tr", has=page.locator("th.unit", has_text="甲县人民法院"))
    expect(court_row).to_have_count(1)
    cell = court_row.locator("th, td").nth(column)
    chip = cell.locator("a.bm-chip", has_text=problem.number)
    expect(chip).to_have_class(re.compile(r"\bgreen\b"))
    expect(chip.locator("b")).to_have_text("已销号")
    expect(chip).to_have_attribute("href", reverse("rectification:problem", args=[problem.pk]))
    late = cell.locator("a.bm-chip", has_text=overdue.number)
    expect(late).to_have_class(re.compile(r"\bred\b"))
    expect(late.locator("b")).to_have_text("逾期")
    expect(court_row.locator("td.num")).to_contain_text("2项")
    expect(court_row.locator("td.num .bm-word.red")).to_have_text("逾期1项")
    legend = page.locator("ul.bm-legend li")
    expect(legend.filter(has_text="逾期")).to_have_text("逾期1项")
    expect(legend.filter(has_text="已销号")).to_have_text("已销号1项")
    for mark in ("反弹", "临期", "未启动", "整改中", "待验收"):
        expect(legend.filter(has=page.locator("b", has_text=mark))).to_have_text(f"{mark}0项")
    expect(page.locator("li.bm-legend-total")).to_have_text("共 2 项")
    screenshot(page, "rectification-05-battlemap")

    # --- 5. 甘特图, 县区排名, the export ------------------------------------------------------------------
    page.locator(".bm-tabs").get_by_role("link", name="甘特图").click()
    expect(page.locator(".bm-tabs a.active")).to_have_text("甘特图")
    expect(page.locator("h2.bm-title")).to_contain_text("甘特图 · 甲县人民法院")
    expect(page.locator("select[name=unit]")).to_have_value(str(city.court_a.pk))
    plan = page.locator(f".g-group[data-problem='{problem.pk}']")
    bars = plan.locator(".g-milestone .g-bar")
    expect(bars).to_have_count(len(STEPS))
    for bar, milestone in zip(bars.all(), problem.milestones.order_by("position"), strict=True):
        expect(bar).to_have_attribute("data-start", f"{milestone.start:%Y-%m-%d}")
        expect(bar).to_have_attribute("data-end", f"{milestone.end:%Y-%m-%d}")
    expect(plan.locator(".g-milestone .g-name")).to_have_text(STEPS)
    expect(plan.locator(".g-deadline")).to_have_attribute("data-date", deadline.isoformat())
    expect(page.locator(f".g-group[data-problem='{overdue.pk}'] .g-bar")).to_have_count(len(STEPS))
    line = page.locator(".g-today")
    expect(line).to_have_count(1)
    expect(line).to_have_attribute("data-date", today.isoformat())
    expect(line).to_contain_text(f"今天 {today:%m-%d}")
    expect(line).to_be_visible()
    screenshot(page, "rectification-06-gantt")

    page.locator(".bm-tabs").get_by_role("link", name="县区排名").click()
    expect(page.locator(".bm-tabs a.active")).to_have_text("县区排名")
    ranked = page.locator("table.bm-ranking tbody tr")
    expect(ranked).to_have_count(1)  # the leader's reach is 甲县
    expect(ranked.locator("td").nth(0)).to_have_text("1")
    expect(ranked.locator("td").nth(1)).to_have_text("甲县")
    expect(ranked.locator("td.rate")).to_have_text("50.0%")
    expect(ranked).to_contain_text("逾期1项")
    expect(page.locator("table.bm-ranking")).not_to_contain_text("乙县")

    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename == f"挂图作战_{today.isoformat()}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    cells = [
        str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v
    ]
    assert any(problem.number in v for v in cells) and any(overdue.number in v for v in cells)
    assert any("已销号" in v for v in cells) and "甲县" in cells

    # --- 6. 回头看: the leader opens the closed problem again -----------------------------------------
    page.goto(page.base_url + reverse("rectification:problem", args=[problem.pk]))
    page.locator("#reopen summary[data-action=reopen]").click()
    reopen_form = page.locator("#form-reopen")
    expect(reopen_form).to_be_visible()
    reopen_form.get_by_label("回头看").check()
    reopen_form.locator("textarea[name=reason]").fill("回头看发现部分干警未按制度报告与律师接触情况。")
    new_deadline = today + dt.timedelta(days=150)
    reopen_form.locator("input[name=new_deadline]").fill(new_deadline.isoformat())
    reopen_form.locator("input[name=task_title]").fill("督促补报接触交往记录")
    expect(reopen_form.locator(f"input[name=task_owner][value='{judge.pk}']")).to_be_checked()
    reopen_form.get_by_role("button", name="重新整改").click()
    expect(_status(page)).to_have_text("反弹")
    _settled(page)
    expect(_status(page)).to_have_class(re.compile(r"\borange\b"))
    expect(page.locator(".zg-band [data-round]")).to_have_text("第2轮")
    expect(page.locator(".zg-band")).to_contain_text(new_deadline.isoformat())
    expect(page.locator("[data-plan=short]")).to_have_count(0)
    expect(page.locator("table.tasks tbody tr[data-task]")).to_contain_text("督促补报接触交往记录")
    expect(page.locator("#history li[data-event=reopened]")).to_contain_text("重新整改（回头看），进入第2轮")
    problem.refresh_from_db()
    assert (problem.round, problem.closed_on, problem.deadline) == (2, None, new_deadline)
    screenshot(page, "rectification-07-reopened")

    # --- the other county's handler sees neither the problem nor its chip ------------------------------
    _switch_user(page, "handler_b")
    _nav(page, "挂图作战")
    expect(page.locator(".bm-meta")).to_be_visible()
    expect(page.locator(".work")).not_to_contain_text(problem.number)
    expect(page.locator("a.bm-chip")).to_have_count(0)
    expect(page.locator("li.bm-legend-total")).to_have_text("共 0 项")
    response = page.goto(page.base_url + reverse("rectification:problem", args=[problem.pk]))
    assert response is not None and response.status == 404
