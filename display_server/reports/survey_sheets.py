"""The SKM results as sheets, for the admin page, the XLSX and the A4 PDF halls publish."""

from __future__ import annotations

from ..skm import WEIGHT
from .sheets import Cell, Column, Row, Sheet
from .survey import PROFILE_FIELDS
from .tables import Period


def survey_sheets(results: dict, site: str, period: Period) -> list[Sheet]:
    label = period.label()
    sheets = [hall_sheet(results, site, label), units_sheet(results, "agencies", site, label),
              units_sheet(results, "services", site, label), profile_sheet(results, site, label)]  # fmt: skip
    if "suggestions" in results:
        sheets.append(suggestions_sheet(results, site, label))
    return sheets


def hall_sheet(results: dict, site: str, label: str) -> Sheet:
    """The form halls publish: each element's NRR and weighted NRR, the index and its grade."""
    columns = [Column("No", "text"), Column("Unsur pelayanan", "text"), Column("NRR", "decimal"),
               Column("NRR tertimbang", "decimal")]  # fmt: skip
    sheet = Sheet("skm", "SKM", f"Indeks Kepuasan Masyarakat - {site} - {label}", columns)
    hall = results["hall"]
    nrr = hall["nrr"] or [None] * len(results["elements"])
    for number, (element, value) in enumerate(zip(results["elements"], nrr), start=1):
        weighted: Cell = None if value is None else value * WEIGHT
        sheet.rows.append(Row([f"U{number}", element, value, weighted]))
    summary: list[tuple[str, Cell]] = [
        ("IKM (jumlah NRR tertimbang)", hall["ikm"]),
        ("IKM konversi (IKM x 25)", hall["converted"]),
        ("Mutu pelayanan", f"{hall['grade']} ({hall['grade_name']})" if hall["grade"] else None),
        ("Responden", str(hall["respondents"])),
        ("Pengguna layanan (populasi)", str(hall["population"])),
        ("Sampel minimum (Krejcie-Morgan)", str(hall["min_sample"])),
    ]
    sheet.rows += [Row(["", name, None, value], "total") for name, value in summary]
    return sheet


def units_sheet(results: dict, key: str, site: str, label: str) -> Sheet:
    noun = {"agencies": "Instansi", "services": "Layanan"}[key]
    elements = [Column(f"U{n}", "decimal") for n in range(1, len(results["elements"]) + 1)]
    columns = [Column(noun, "text"), Column("Responden"), Column("Populasi"), Column("Sampel minimum"), *elements,
               Column("IKM konversi", "decimal"), Column("Mutu", "text")]  # fmt: skip
    sheet = Sheet(f"skm-{key}", f"IKM {noun}", f"IKM per {noun.lower()} - {site} - {label}", columns)
    for unit in results[key]:
        nrr = unit["nrr"] or [None] * len(elements)
        sheet.rows.append(Row([unit["name"], unit["respondents"], unit["population"], unit["min_sample"], *nrr,
                               unit["converted"], unit["grade"]]))  # fmt: skip
    return sheet


def profile_sheet(results: dict, site: str, label: str) -> Sheet:
    columns = [Column("Profil", "text"), Column("Jawaban", "text"), Column("Responden")]
    sheet = Sheet("skm-profile", "Profil", f"Profil responden - {site} - {label}", columns)
    for field, name in PROFILE_FIELDS.items():
        for value, count in results["profile"][field].items():
            sheet.rows.append(Row([name, value, count]))
    return sheet


def suggestions_sheet(results: dict, site: str, label: str) -> Sheet:
    columns = [Column("Tanggal", "text"), Column("Layanan", "text"), Column("Saran", "text"), Column("Publik", "text")]
    sheet = Sheet("skm-suggestions", "Saran", f"Saran dan masukan - {site} - {label}", columns)
    names = {s["service"]: s["name"] for s in results["services"]}
    for suggestion in results["suggestions"]:
        sheet.rows.append(Row([suggestion["service_date"], names.get(suggestion["service"], suggestion["service"]),
                               suggestion["text"], "ya" if suggestion["published"] else ""]))  # fmt: skip
    return sheet
