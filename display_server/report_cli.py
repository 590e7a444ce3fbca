"""`antrian report ...`: the reports as files, from the data folder (safe while the server runs).

    antrian report recap --from 2026-12-01 --to 2026-12-31 --format pdf --out rekap.pdf
    antrian report all --from 2026-01-01 --to 2026-12-31 --format xlsx --out 2026.xlsx
    antrian report detail --from 2026-01-01 --to 2026-12-31 --out kunjungan-2026.xlsx
    antrian report halls --config-dir halls --from 2026-12-01 --to 2026-12-31 --out lokasi.xlsx

The files are the ones the report page offers: the same sheets, the same numbers.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime
from pathlib import Path

import click

from .ops import data_dir_option, database_option, hall_option
from .reports import Book, Period, build
from .reports.sheets import sheets
from .staff_cli import config_option
from .store import DB_NAME, hall_store, is_postgresql

REPORTS = ("all", "recap", "services", "counters", "officers", "hours", "channels")


def _day(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, e.g. 2026-12-31") from None


period_options = [
    click.option("--from", "first", required=True, callback=_day, help="First service date, YYYY-MM-DD."),
    click.option("--to", "last", required=True, callback=_day, help="Last service date, YYYY-MM-DD."),
]


def _period(first: date, last: date) -> Period:
    try:
        return Period(first, last)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("name", type=click.Choice([*REPORTS, "detail", "halls"]))
@period_options[0]
@period_options[1]
@click.option("--format", "kind", type=click.Choice(["xlsx", "csv", "pdf"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="The file to write.")
@click.option("--agency", help="Only this agency (default: all).")
@config_option
@click.option(
    "--config-dir",
    "config_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="For `halls`: the deployment's folder of halls (serve --config-dir).",
)
@data_dir_option
@database_option
@hall_option
def report(
    name: str,
    first: date,
    last: date,
    kind: str,
    out: Path,
    agency: str | None,
    config_path: Path | None,
    config_dir: Path | None,
    data_dir: Path,
    database: str | None,
    hall: str | None,
) -> None:
    """Write report NAME for a period to a file (all: every report in one XLSX; detail: every
    visit; halls: every hall of a --config-dir deployment, one row each, and each hall's recap)."""
    from .cli import load_or_exit
    from .reports.files import csv_text, detail_xlsx, pdf, xlsx  # only when a report is written

    period = _period(first, last)
    if name == "halls":
        _write_halls_report(config_dir, period, kind, out, data_dir, database)
        return
    config = load_or_exit(config_path)
    hall_dir = data_dir / hall if hall else data_dir
    if agency is not None and config.agency(agency) is None:
        raise click.BadParameter(f"no agency {agency!r}", param_hint="--agency")
    agencies = [agency] if agency else [a.id for a in config.agencies]
    if not is_postgresql(database) and not (hall_dir / DB_NAME).is_file():
        raise click.ClickException(f"no database at {hall_dir / DB_NAME}")
    if (name == "all" or name == "detail") and kind != "xlsx":
        raise click.BadParameter(f"{name} is written as xlsx only", param_hint="--format")
    os.umask(0o077)

    async def write() -> str:
        store = hall_store(database, data_dir, hall)
        await store.open()
        try:
            if name == "detail":
                rows = await detail_xlsx(
                    store.iter_visits(period.first, period.last),
                    out,
                    f"Kunjungan - {config.site.name} - {period.label()}",
                )
                return f"{rows} visits"
            book = await build(store, config, period, agencies)
        finally:
            await store.close()
        chosen = [s for s in sheets(book) if name in ("all", s.key)]
        if kind == "xlsx":
            out.write_bytes(xlsx(chosen))
        elif kind == "csv":
            out.write_text(csv_text(chosen[0]), encoding="utf-8-sig")
        else:
            out.write_bytes(pdf(chosen[0], book.site, period.label(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")))
        return f"{len(chosen)} report(s)"

    written = asyncio.run(write())
    click.echo(f"wrote {out} ({written}, {period.label()})")


def _write_halls_report(
    config_dir: Path | None, period: Period, kind: str, out: Path, data_dir: Path, database: str | None
) -> None:
    """Every hall's totals side by side, and (XLSX) each hall's recap after them."""
    from .cli import load_folder_or_exit
    from .reports.files import csv_text, pdf, xlsx
    from .reports.halls import halls_sheet
    from .reports.sheets import recap_sheet

    if config_dir is None:
        raise click.BadParameter("the halls report needs the deployment's --config-dir", param_hint="--config-dir")
    halls = load_folder_or_exit(config_dir)
    os.umask(0o077)

    async def books() -> list[tuple[str, Book]]:
        found = []
        for hall in halls:
            store = hall_store(database, data_dir, hall.id)
            await store.open()
            try:
                agencies = [a.id for a in hall.config.agencies]
                found.append((hall.id, await build(store, hall.config, period, agencies)))
            finally:
                await store.close()
        return found

    built = asyncio.run(books())
    summary = halls_sheet(built, period)
    if kind == "xlsx":
        recaps = [recap_sheet(book) for _, book in built]
        for (hall_id, _), sheet in zip(built, recaps, strict=True):
            sheet.key, sheet.name = f"recap-{hall_id}", f"Rekap {hall_id}"[:31]
        out.write_bytes(xlsx([summary, *recaps]))
    elif kind == "csv":
        out.write_text(csv_text(summary), encoding="utf-8-sig")
    else:
        out.write_bytes(pdf(summary, "Semua Lokasi", period.label(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")))
    click.echo(f"wrote {out} ({len(built)} halls, {period.label()})")
