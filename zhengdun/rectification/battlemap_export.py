"""挂图作战 as an xlsx file: the three sheets (作战图, 县区排名, 问题清单) drawn from the figures of
rectification.battlemap, with the page's colours and words."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from zhengdun.org.models import Unit
from zhengdun.rectification.battlemap import (
    CITY_GROUP,
    ON_TIME_NOTE,
    Item,
    Matrix,
    Ranking,
    county_of,
)
from zhengdun.rectification.status import (
    COLOURS,
)

# fills and font colours of the marks in the workbook (the page's palette, from app.css)
XLSX_COLOURS = {
    "red": ("#FDECEA", "#C62828"),
    "orange": ("#FDEBD8", "#B54708"),
    "yellow": ("#FFF4D6", "#8A6100"),
    "grey": ("#ECEFF1", "#5F6368"),
    "blue": ("#E8F0FE", "#1456B8"),
    "teal": ("#DDF3F0", "#0B6E63"),
    "green": ("#E6F4EA", "#1B7D3A"),
}

ITEM_HEADERS = (
    "问题编号",
    "问题名称",
    "问题类别",
    "责任单位",
    "所属县区",
    "责任领导",
    "责任人",
    "整改时限",
    "整改进度（%）",
    "整改状态",
    "临期/逾期",
)
RANKING_HEADERS = ("排名", "县区", "问题总数", "已销号", "销号率", "按期完成率", "逾期", "反弹")


def workbook(
    the_matrix: Matrix,
    the_ranking: Ranking,
    items: Sequence[Item],
    counties: Sequence[Unit],
    *,
    today: dt.date,
    scope: str,
) -> bytes:
    """The battle map as an xlsx file: 作战图 (the matrix, a cell per unit and category listing
    its problems with their status words, filled with the colour of the most urgent), 县区排名 and
    问题清单 (one row per problem). `scope` describes the filters, printed in each sheet's title."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top", "border": 1}
    title = book.add_format({"font_name": "Microsoft YaHei", "bold": True, "font_size": 14})
    note = book.add_format({"font_name": "Microsoft YaHei", "font_size": 9, "font_color": "#646A73"})
    head = book.add_format({**base, "bold": True, "bg_color": "#F0F2F5", "text_wrap": True})
    plain = book.add_format({**base, "text_wrap": True})
    group = book.add_format({**base, "bold": True, "bg_color": "#F7F8FA"})
    day = book.add_format({**base, "num_format": "yyyy-mm-dd"})
    number = book.add_format({**base, "num_format": "0.0"})
    share = book.add_format({**base, "num_format": "0.0%"})
    filled = {
        key: book.add_format({**base, "text_wrap": True, "bg_color": bg, "font_color": fg})
        for key, (bg, fg) in XLSX_COLOURS.items()
    }
    heading = f"挂图作战（{scope}，截至{today.isoformat()}）"

    sheet = book.add_worksheet("作战图")
    sheet.write(0, 0, heading, title)
    legend = "；".join(f"{m.label}{n}项" for m, n in the_matrix.legend)
    sheet.write(1, 0, f"共{the_matrix.total}项：{legend}。单元格底色为该格最需关注的状态。", note)
    headers = ["县区", "责任单位", *(c.name for c in the_matrix.columns), "合计"]
    sheet.write_row(3, 0, headers, head)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 1 + len(the_matrix.columns), 24)
    sheet.set_column(2 + len(the_matrix.columns), 2 + len(the_matrix.columns), 12)
    r = 4
    for g in the_matrix.groups:
        for row in g.rows:
            sheet.write(r, 0, g.name, group)
            sheet.write(r, 1, row.unit, plain)
            for col, cell in enumerate(row.cells, start=2):
                if not cell:
                    sheet.write_blank(r, col, None, plain)
                    continue
                text = "\n".join(f"{i.number} {i.mark.label}" for i in cell)
                sheet.write(r, col, text, filled[cell[0].mark.colour])
            summary = f"{row.total}项" + (f"（逾期{row.overdue}项）" if row.overdue else "")
            sheet.write(r, 2 + len(row.cells), summary, plain)
            r += 1
    sheet.freeze_panes(4, 2)

    sheet = book.add_worksheet("县区排名")
    sheet.write(0, 0, f"县区排名（{scope}，截至{today.isoformat()}）", title)
    sheet.write(1, 0, ON_TIME_NOTE, note)
    sheet.write_row(3, 0, RANKING_HEADERS, head)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 7, 11)
    r = 4
    for s in [*the_ranking.counties, the_ranking.city, the_ranking.total]:
        if s is the_ranking.city and not s.total:
            continue
        rank: int | str
        if s is the_ranking.total:
            label, rank = "合计", "—"
        else:
            label, rank = s.name, (s.rank if s.rank is not None else "—")
        sheet.write(r, 0, rank, plain)
        sheet.write(r, 1, label, plain)
        sheet.write_number(r, 2, s.total, plain)
        sheet.write_number(r, 3, s.closed, plain)
        for col, value in ((4, s.completion), (5, s.punctuality)):
            if value is None:
                sheet.write(r, col, "—", plain)
            else:
                sheet.write_number(r, col, float(value), share)
        sheet.write_number(r, 6, s.overdue, plain)
        sheet.write_number(r, 7, s.relapsed, plain)
        r += 1

    sheet = book.add_worksheet("问题清单")
    sheet.write(0, 0, f"问题清单（{scope}，截至{today.isoformat()}）", title)
    sheet.write_row(2, 0, ITEM_HEADERS, head)
    for col, width in enumerate((13, 36, 26, 22, 10, 10, 10, 11, 10, 9, 9)):
        sheet.set_column(col, col, width)
    by_path = {c.path: c for c in counties}
    for r, item in enumerate(items, start=3):
        county = county_of(item.unit_path, by_path)
        status_format = filled[COLOURS[item.status]]
        sheet.write(r, 0, item.number, plain)
        sheet.write(r, 1, item.title, plain)
        sheet.write(r, 2, item.category, plain)
        sheet.write(r, 3, item.unit, plain)
        sheet.write(r, 4, county.name if county else CITY_GROUP, plain)
        sheet.write(r, 5, item.leader, plain)
        sheet.write(r, 6, item.person, plain)
        sheet.write_datetime(r, 7, dt.datetime.combine(item.deadline, dt.time()), day)
        sheet.write_number(r, 8, float(item.progress), number)
        sheet.write(r, 9, item.status.label, status_format)
        flag = item.flag
        if flag:
            sheet.write(r, 10, flag, filled["red" if flag == "逾期" else "yellow"])
        else:
            sheet.write_blank(r, 10, None, plain)
    sheet.freeze_panes(3, 1)
    sheet.autofilter(2, 0, 2 + len(items), len(ITEM_HEADERS) - 1)
    book.close()
    return buffer.getvalue()
