"""Indonesian names and texts for dates, times and waits, in one pure module.

The printed slip uses the format functions; the pages get the names through `/contract.js`
(`for_pages`), so each name is written once. Halls want `08:35`, not id-ID's `08.35`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

DAYS: Final = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # Monday first, as weekday()
MONTHS: Final = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# Indonesia's zones keep fixed offsets (no daylight saving): WIB +7, WITA +8, WIT +9.
_ZONE_OFFSETS_HOURS: Final = {"WIB": 7, "WITA": 8, "WIT": 9}
ZONE_ABBREVIATIONS: Final = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_abbreviation(timezone: str) -> str:
    return ZONE_ABBREVIATIONS.get(timezone, "")


def date_text(local: datetime) -> str:
    """`Senin, 24 November 2026` for a wall-clock (local) moment."""
    return f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year}"


def format_local_datetime(moment: datetime, timezone: str) -> str:
    """`Senin, 24 November 2026 08:35 WITA`."""
    local = moment.astimezone(ZoneInfo(timezone))
    text = f"{date_text(local)} {local:%H:%M}"
    suffix = zone_abbreviation(timezone)
    return f"{text} {suffix}" if suffix else text


def wait_text(ahead: int, minutes: int) -> str:
    """The printed slip's line about the wait."""
    if ahead <= 0:
        return "Anda berikutnya"
    return f"Perkiraan tunggu: sekitar {minutes} menit"


def for_pages() -> dict:
    """The names the pages need (`/contract.js`); their texts are built in `client.js`."""
    return {
        "days": list(DAYS),
        "months": list(MONTHS),
        "zoneOffsetMinutes": {zone: _ZONE_OFFSETS_HOURS[abbr] * 60 for zone, abbr in ZONE_ABBREVIATIONS.items()},
    }
