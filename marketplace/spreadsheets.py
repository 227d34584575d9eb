"""Every file a spreadsheet opens (CSV, Excel) is written here, so that no text typed by
someone (an organisation's name, a person's name, a note) is run as a formula when the
finance office opens it: a cell beginning with ``= + - @``, a tab or a carriage return is
written with a leading single quote (OWASP "CSV injection"), and an Excel cell holding
text is always stored as text, never as a formula. Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

#: the first characters that make a spreadsheet read a cell as a formula (or an old DDE call)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as a cell that no spreadsheet runs: text starting like a formula gets a
    leading ``'``; anything that is not text (numbers, dates, None) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence, rows: Iterable[Sequence], fmt: Callable | None = None, bom: bool = False) -> str:
    """A CSV document of ``header`` and ``rows``; ``fmt`` turns a value that is not text
    (a number, a date) into its text, e.g. money with separators. ``bom``: start with a byte-order mark so that
    Excel reads UTF-8 Chinese correctly."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for row in (header, *rows):
        w.writerow([safe_cell(v) if isinstance(v, str) or fmt is None else fmt(v) for v in row])
    return ("\ufeff" if bom else "") + buf.getvalue()


def xlsx_bytes(title: str, header: Sequence, rows: Iterable[Sequence], number_formats: dict | None = None) -> bytes:
    """An Excel workbook of one sheet; ``number_formats`` maps a 1-based column to its
    number format. Text cells are stored as text (``data_type`` ``s``), never formulas."""
    from openpyxl import Workbook  # noqa: PLC0415  (heavy: loaded only for an Excel export)

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate((header, *rows), start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = safe_cell(value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif r > 1 and number_formats and c in number_formats:
                cell.number_format = number_formats[c]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
