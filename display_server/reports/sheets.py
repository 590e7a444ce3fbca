"""Every report as a sheet: a title, typed columns and rows. The page, XLSX, CSV and PDF all
render these same sheets, so a figure cannot differ between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from . import Book

Kind = Literal["text", "count", "minutes", "percent", "decimal"]
Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "count"


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    level: Literal["item", "group", "total"] = "item"  # an agency's subtotal, the grand total


@dataclass
class Sheet:
    key: str  # file names and anchors: "recap", "services", ...
    name: str  # the XLSX sheet's name (at most 31 characters)
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)


def minutes(seconds: int | float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def text_of(cell: Cell, kind: Kind) -> str:
    """A cell as the page, the CSV and the PDF show it (the XLSX keeps the number, formatted alike)."""
    if cell is None:
        return "-"
    if isinstance(cell, str):
        return cell
    if kind == "decimal":
        return f"{float(cell):.2f}".replace(".", ",")
    if kind == "percent":
        return f"{float(cell) * 100:.1f}%".replace(".", ",")
    if kind == "minutes":
        return f"{float(cell):.1f}".replace(".", ",")
    return str(cell)


def sheets(book: Book) -> list[Sheet]:
    return [recap_sheet(book), services_sheet(book), counters_sheet(book), officers_sheet(book), hours_sheet(book),
            channels_sheet(book)]  # fmt: skip


def recap_sheet(book: Book) -> Sheet:
    recap = book.recap
    columns = [Column("No", "text"), Column("Instansi / Layanan", "text")]
    columns += [Column(c.label) for c in recap.columns] + [Column("Jumlah")]
    sheet = Sheet("recap", "Rekap", f"Rekap Jumlah Pemohon - {book.site} - {book.period.label()}", columns)
    for number, agency in enumerate(recap.agencies, start=1):
        sheet.rows.append(Row([str(number), agency.name, *agency.counts, agency.total], "group"))
        for row in agency.rows:
            sheet.rows.append(Row(["", f"  {row.name}", *row.counts, row.total]))
    sheet.rows.append(Row(["", "Jumlah", *recap.counts, recap.total], "total"))
    return sheet


SERVICE_COLUMNS = [
    ("issued", Column("Diambil")),
    ("served", Column("Dilayani")),
    ("no_show", Column("Tidak hadir")),
    ("cancelled", Column("Batal cetak")),
    ("transferred_in", Column("Alihan masuk")),
    ("transferred_out", Column("Dialihkan")),
    ("priority_share", Column("Prioritas", "percent")),
    ("wait_p50_seconds", Column("Tunggu p50 (menit)", "minutes")),
    ("wait_p90_seconds", Column("Tunggu p90 (menit)", "minutes")),
    ("wait_max_seconds", Column("Tunggu maks (menit)", "minutes")),
    ("service_p50_seconds", Column("Layanan p50 (menit)", "minutes")),
    ("service_p90_seconds", Column("Layanan p90 (menit)", "minutes")),
    ("service_level", Column("Tingkat layanan", "percent")),
    ("target_wait_minutes", Column("Target tunggu (menit)")),
]


def _service_cells(figures: dict) -> list[Cell]:
    return [minutes(figures[key]) if column.kind == "minutes" else figures[key] for key, column in SERVICE_COLUMNS]


def services_sheet(book: Book) -> Sheet:
    columns = [Column("Instansi", "text"), Column("Layanan", "text"), *(c for _, c in SERVICE_COLUMNS)]
    sheet = Sheet("services", "Layanan", f"Kinerja Layanan - {book.site} - {book.period.label()}", columns)
    names = {a.agency: a.name for a in book.recap.agencies}
    for row in book.services["services"]:
        sheet.rows.append(Row([names.get(row["agency"], row["agency"]), row["name"], *_service_cells(row)]))
    sheet.rows.append(Row(["Jumlah", "", *_service_cells(book.services["totals"])], "total"))
    return sheet


DESK_COLUMNS = [
    ("served", Column("Dilayani")),
    ("no_show", Column("Tidak hadir")),
    ("service_p50_seconds", Column("Layanan p50 (menit)", "minutes")),
    ("open_seconds", Column("Buka (menit)", "minutes")),
    ("paused_seconds", Column("Jeda (menit)", "minutes")),
    ("idle_seconds", Column("Menganggur (menit)", "minutes")),
    ("serving_seconds", Column("Melayani (menit)", "minutes")),
]


def _desk_cells(figures: dict) -> list[Cell]:
    return [minutes(figures[key]) if column.kind == "minutes" else figures[key] for key, column in DESK_COLUMNS]


def counters_sheet(book: Book) -> Sheet:
    columns = [Column("Loket", "text"), *(c for _, c in DESK_COLUMNS)]
    sheet = Sheet("counters", "Loket", f"Kinerja Loket - {book.site} - {book.period.label()}", columns)
    sheet.rows += [Row([row["name"], *_desk_cells(row)]) for row in book.desks["counters"]]
    return sheet


def officers_sheet(book: Book) -> Sheet:
    columns = [Column("Petugas", "text"), *(c for _, c in DESK_COLUMNS)]
    sheet = Sheet("officers", "Petugas", f"Kinerja Petugas - {book.site} - {book.period.label()}", columns)
    sheet.rows += [Row([row["name"], *_desk_cells(row)]) for row in book.desks["officers"]]
    return sheet


def hours_sheet(book: Book) -> Sheet:
    hours = book.hours
    columns = [Column("Hari", "text"), *(Column(f"{h:02d}.00") for h in hours["hours"]), Column("Jumlah")]
    sheet = Sheet("hours", "Jam", f"Kedatangan per Jam - {book.site} - {book.period.label()}", columns)
    for day, counts in zip(hours["weekdays"], hours["arrivals"]):
        sheet.rows.append(Row([day, *counts, sum(counts)]))
    return sheet


def channels_sheet(book: Book) -> Sheet:
    columns = [Column("Kanal", "text"), Column("Diambil"), Column("Bagian", "percent"), Column("Booking"),
               Column("Check-in"), Column("Tidak datang (kedaluwarsa)"), Column("Dibatalkan")]  # fmt: skip
    sheet = Sheet("channels", "Kanal", f"Kanal Pengambilan - {book.site} - {book.period.label()}", columns)
    for c in book.channels:
        made = c.get("bookings")
        counts: list = (
            [sum(made.values()), made["checked_in"], made["expired"], made["cancelled"]] if made else [None] * 4
        )
        sheet.rows.append(Row([c["name"], c["issued"], c["share"], *counts]))
    return sheet
