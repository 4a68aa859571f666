"""Issue 17, item 9: exported CSV cells never start a formula, and the FAQ's export imports
back to the same text."""

from __future__ import annotations

import csv
import io

import pytest

from core.owner_config import FaqItem, OwnerDocument
from core.owner_settings import faq_csv, faq_from_csv
from core.spreadsheet import cell_from_csv, csv_bytes, csv_cell

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+98 912 000 0000", "-2+3",
             "@SUM(A1)", "\t=1+1", "\r=1+1", "'=1+1", "'quoted"]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("text", DANGEROUS)
def test_issue_17_a_formula_is_written_as_text_and_read_back(text):
    written = _cells(csv_bytes([[text]]))[0][0]
    assert written.startswith("'")
    assert cell_from_csv(written) == text


@pytest.mark.parametrize("text", ["سلام", "", "1.5", "a=b", "what's up"])
def test_issue_17_harmless_cells_are_left_alone(text):
    assert csv_cell(text) == text
    assert cell_from_csv(text) == text


def test_issue_17_a_cell_typed_with_an_apostrophe_keeps_it():
    assert cell_from_csv("'hello") == "'hello"


def test_issue_17_the_faq_export_neutralizes_and_round_trips():
    items = [FaqItem(id=f"f{n}", question=text, answer=f"=cmd|' /C calc'!A{n}",
                     alternatives=["-alt", "@other"])
             for n, text in enumerate(DANGEROUS, start=1) if text.strip()]
    document = OwnerDocument(faq=items)
    data = faq_csv(document)
    for row in _cells(data)[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    imported, count = faq_from_csv(OwnerDocument(), data)
    assert count == len(items)
    # Import trims each cell, as it always has; the formulas come back as the same text.
    assert [(i.question, i.answer, i.alternatives) for i in imported.faq] == [
        (i.question.strip(), i.answer, i.alternatives) for i in items]
