"""CSV for spreadsheets: the one writer every export uses, and its reader's counterpart.

A cell that begins with "=", "+", "-" or "@" (or a tab or carriage return, which Excel skips
before looking) is a formula to Excel, LibreOffice and Google Sheets, and customer text
reaches exports (an FAQ question pre-filled from what a customer wrote). So such a cell is
written with a leading apostrophe, which spreadsheets show as text, as OWASP advises. A cell
that already begins with an apostrophe gets one more, so that `cell_from_csv` can take
exactly one away again and an exported file imports back to the same text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def csv_cell(value: str) -> str:
    """The cell as written: a leading formula character made harmless."""
    if value.startswith((*FORMULA_STARTS, ESCAPE)):
        return ESCAPE + value
    return value


def cell_from_csv(cell: str) -> str:
    """The text a cell written by `csv_cell` stands for; other cells are taken as they are."""
    if cell.startswith(ESCAPE) and cell[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return cell[1:]
    return cell


def csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    """The rows as UTF-8 CSV with a byte-order mark, without which Excel reads Persian as
    Latin-1 mojibake; every cell through `csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
