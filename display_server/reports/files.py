"""The report sheets as files: XLSX (openpyxl), CSV, and an A4 PDF (fpdf2).

All three render `sheets.Sheet`s, so each file holds exactly what the page shows. The
per-visit detail of a long period is written with openpyxl's write-only mode, row by row
from the store's batches: a year of visits in bounded memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..store import Visit
from .sheets import Kind, Row, Sheet, text_of

NUMBER_FORMATS: dict[Kind, str] = {"count": "0", "minutes": "0.0", "percent": "0.0%", "text": "@", "decimal": "0.00"}
GROUP_FILL = PatternFill("solid", fgColor="DDE6F0")
TOTAL_FILL = PatternFill("solid", fgColor="BFD0E3")


# --- XLSX --------------------------------------------------------------------------------


def xlsx(sheets: Iterable[Sheet]) -> bytes:
    """One worksheet per report, laid out to print on A4 landscape, one page wide."""
    book = Workbook()
    for blank in book.worksheets:  # a new workbook comes with one empty sheet
        book.remove(blank)
    for sheet in sheets:
        _worksheet(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _worksheet(book: Workbook, sheet: Sheet) -> None:
    ws = book.create_sheet(sheet.name[:31])
    ws.append([sheet.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append([c.title for c in sheet.columns])
    header = 3
    for cell in ws[header]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = TOTAL_FILL
    for row in sheet.rows:
        ws.append(row.cells)
        _style_row(ws, ws.max_row, row, sheet)
    for index, column in enumerate(sheet.columns, start=1):
        wide = column.kind == "text" and column.title != "No"
        ws.column_dimensions[get_column_letter(index)].width = 34 if wide else 5 if column.title == "No" else 9
    ws.freeze_panes = ws.cell(row=header + 1, column=3 if sheet.key == "recap" else 2)
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _style_row(ws, number: int, row: Row, sheet: Sheet) -> None:
    for cell, column in zip(ws[number], sheet.columns):
        cell.number_format = NUMBER_FORMATS[column.kind]
        if row.level != "item":
            cell.font = Font(bold=True)
            cell.fill = GROUP_FILL if row.level == "group" else TOTAL_FILL


async def detail_xlsx(batches: AsyncIterator[list[Visit]], path: Path, title: str) -> int:
    """Every visit of the period, one row each, streamed to PATH; the number of rows."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("Rincian")
    ws.append([title])
    ws.append(["Tanggal", "Tiket", "Kunjungan", "Layanan", "Prioritas", "Kanal", "Antre", "Dipanggil",
               "Selesai", "Hasil", "Loket", "Petugas", "Panggil ulang", "Tunggu (detik)", "Layanan (detik)"])  # fmt: skip
    rows = 0
    async for batch in batches:
        for v in batch:
            ws.append([
                v.service_date.isoformat(), v.ticket_id, v.leg + 1, v.service, "ya" if v.priority else "",
                v.channel, v.queued_at.isoformat(), v.called_at.isoformat() if v.called_at else None,
                v.finished_at.isoformat() if v.finished_at else None, v.outcome, v.counter, v.officer, v.recalls,
                round(v.wait_seconds) if v.wait_seconds is not None else None,
                round(v.service_seconds) if v.service_seconds is not None else None,
            ])  # fmt: skip
            rows += 1
    book.save(path)
    return rows


# --- CSV ---------------------------------------------------------------------------------


def csv_text(sheet: Sheet) -> str:
    """One report as CSV: a header row and its rows, numbers as numbers (minutes, shares as 0-1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow(["" if cell is None else cell for cell in row.cells])
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------

PAGE_WIDTH_MM = 297 - 2 * 10  # A4 landscape, 10 mm margins


def pdf(sheet: Sheet, site: str, period: str, generated: str) -> bytes:
    """One report on A4 landscape: the hall's name and period on top, a space to sign below."""
    doc = FPDF(orientation="L", unit="mm", format="A4")
    doc.set_margins(10, 10, 10)
    doc.set_auto_page_break(auto=True, margin=12)
    doc.add_page()
    doc.set_font("Helvetica", "B", 13)
    doc.cell(0, 7, _latin(sheet.title.split(" - ")[0].upper()), new_x="LMARGIN", new_y="NEXT", align="C")
    doc.set_font("Helvetica", "", 10)
    doc.cell(0, 6, _latin(site), new_x="LMARGIN", new_y="NEXT", align="C")
    doc.cell(0, 6, _latin(f"Periode: {period}"), new_x="LMARGIN", new_y="NEXT", align="C")
    doc.ln(3)
    widths = _widths(sheet)
    size = 7 if len(sheet.columns) > 14 else 8
    doc.set_font("Helvetica", "B", size)
    doc.set_fill_color(191, 208, 227)
    _pdf_row(doc, widths, [c.title for c in sheet.columns], fill=True, height=8)
    for row in sheet.rows:
        doc.set_font("Helvetica", "B" if row.level != "item" else "", size)
        doc.set_fill_color(*((221, 230, 240) if row.level == "group" else (191, 208, 227)))
        cells = [text_of(cell, column.kind) for cell, column in zip(row.cells, sheet.columns)]
        _pdf_row(doc, widths, cells, fill=row.level != "item", height=5)
    doc.ln(8)
    doc.set_font("Helvetica", "", 9)
    doc.cell(0, 5, _latin(f"Dibuat oleh Antrian, {generated}"), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.cell(PAGE_WIDTH_MM - 70, 5, "")
    doc.cell(70, 5, "Mengetahui,", new_x="LMARGIN", new_y="NEXT", align="C")
    doc.ln(16)
    doc.cell(PAGE_WIDTH_MM - 70, 5, "")
    doc.cell(70, 5, "(..................................................)", new_x="LMARGIN", new_y="NEXT", align="C")
    return bytes(doc.output())


def _widths(sheet: Sheet) -> list[float]:
    """Narrow number columns (at most 30 mm), the text columns share the rest (at least 48 mm)."""
    columns = sheet.columns
    numbers = [i for i, c in enumerate(columns) if c.kind != "text"]
    texts = [i for i, c in enumerate(columns) if c.kind == "text" and c.title != "No"]
    tiny = [i for i, c in enumerate(columns) if c.title == "No"]
    number = min(30.0, (PAGE_WIDTH_MM - 8.0 * len(tiny) - 48.0 * len(texts)) / max(1, len(numbers)))
    text = (PAGE_WIDTH_MM - 8.0 * len(tiny) - number * len(numbers)) / max(1, len(texts))
    return [8.0 if i in tiny else text if i in texts else number for i in range(len(columns))]


def _pdf_row(doc: FPDF, widths: list[float], cells: list[str], *, fill: bool, height: float) -> None:
    for index, (width, text) in enumerate(zip(widths, cells)):
        align = "L" if index < 2 and not text.replace(",", "").replace("-", "").isdigit() else "R"
        doc.cell(width, height, _latin(text)[: int(width * 0.9)], border=1, align=align, fill=fill)
    doc.ln(height)


def _latin(text: str) -> str:
    """The PDF's core fonts are Latin-1: dashes and quotes are swapped for their plain forms."""
    plain = text.replace("\u2014", "-").replace("\u2013", "-").replace("\u2019", "'")
    return plain.encode("latin-1", "replace").decode("latin-1")
