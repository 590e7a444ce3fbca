"""Reports across the halls of a deployment: what a regency's coordinator sends upward.

    books = [(hall_id, await build(store, config, period, agencies)) for each hall]
    sheet = halls_sheet(books, period)

Each hall's row is that hall's own services total, the very figures of its own report; the
regency's total adds the halls' samples (counts, every wait and service time) and computes
its figures once from them, so no percentile is ever averaged.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import Book
from .sheets import Column, Row, Sheet, minutes
from .tables import Period, Samples

HALL_COLUMNS = [
    ("issued", Column("Diambil")),
    ("served", Column("Dilayani")),
    ("no_show", Column("Tidak hadir")),
    ("wait_p50_seconds", Column("Tunggu p50 (menit)", "minutes")),
    ("wait_p90_seconds", Column("Tunggu p90 (menit)", "minutes")),
    ("service_p50_seconds", Column("Layanan p50 (menit)", "minutes")),
    ("service_level", Column("Tingkat layanan", "percent")),
]


def _cells(figures: dict) -> list:
    return [minutes(figures[key]) if column.kind == "minutes" else figures[key] for key, column in HALL_COLUMNS]


def halls_sheet(books: Sequence[tuple[str, Book]], period: Period, title: str = "Semua Lokasi") -> Sheet:
    columns = [Column("No", "text"), Column("Lokasi", "text"), *(c for _, c in HALL_COLUMNS)]
    sheet = Sheet("halls", "Lokasi", f"Rekap per Lokasi - {title} - {period.label()}", columns)
    total = Samples()
    for number, (_, book) in enumerate(books, start=1):
        sheet.rows.append(Row([str(number), book.site, *_cells(book.totals)]))
        total = total + book.samples
    sheet.rows.append(Row(["", "Jumlah", *_cells(total.figures())], "total"))
    return sheet
