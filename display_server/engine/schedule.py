"""Whether a service may issue a ticket at a given local time. Pure: time is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from ..config.model import WEEKDAYS, Schedule


@dataclass(frozen=True, slots=True)
class Availability:
    open: bool
    reason: str = ""  # Indonesian, shown on the kiosk when closed
    code: str = ""


OPEN = Availability(True)


def service_date(now: datetime, zone: tzinfo) -> date:
    """The hall's local date: a ticket issued at 07:30 WITA belongs to today, not UTC's yesterday."""
    return now.astimezone(zone).date()


def availability(schedule: Schedule, now: datetime, zone: tzinfo, issued_today: int, quota: int | None) -> Availability:
    local = now.astimezone(zone)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    if today in schedule.holidays:
        return Availability(False, "Tutup: hari libur", "holiday")
    if WEEKDAYS[local.weekday()] not in schedule.days:
        return Availability(False, "Tutup hari ini", "closed_day")
    if clock < schedule.open:
        return Availability(False, f"Belum buka, dibuka pukul {schedule.open:%H:%M}", "not_open_yet")
    cutoff = schedule.issue_cutoff or schedule.close
    if clock >= cutoff:
        return Availability(False, "Pengambilan nomor sudah ditutup untuk hari ini", "closed")
    for pause in schedule.breaks:
        if WEEKDAYS[local.weekday()] in pause.days and pause.start <= clock < pause.end:
            return Availability(False, f"{pause.reason}, dibuka kembali pukul {pause.end:%H:%M}", "break")
    if quota is not None and issued_today >= quota:
        return Availability(False, "Kuota hari ini sudah habis", "quota_reached")
    return OPEN
