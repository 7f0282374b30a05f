"""Excel ledgers (台账): one sheet of typed cells under a header row, as a download.

Every list exports "as it is filtered" through this one function, so headers, column widths,
date cells (2021-06-02), frozen header and autofilter look the same in every ledger."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_response(
    filename: str, sheet_title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]
) -> tuple[FileResponse, int]:
    """(the download, the number of rows written). columns are (header, width); each row holds
    one value per column: dates, numbers, None (blank) or anything else as text."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(sheet_title)
    head = book.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1, "text_wrap": True})
    text = book.add_format({"text_wrap": True, "valign": "top"})
    date = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    decimal = book.add_format({"num_format": "0.0", "valign": "top"})
    for col, (title, width) in enumerate(columns):
        sheet.write(0, col, title, head)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 1)
    count = 0
    for count, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(count, col, dt.datetime.combine(value, dt.time()), date)
            elif value is None:
                sheet.write_blank(count, col, None, text)
            elif isinstance(value, bool):
                sheet.write_string(count, col, "是" if value else "否", text)
            elif isinstance(value, float):
                sheet.write_number(count, col, value, decimal)
            elif isinstance(value, int):
                sheet.write_number(count, col, value)
            else:
                sheet.write_string(count, col, str(value), text)
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    book.close()
    buffer.seek(0)
    response = FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response, count
