"""Typed shape of the hall's config file.

Every section of the TOML file maps onto one model here. Field-level rules live on
the models; rules that span sections (a counter naming an unknown service, two
services sharing a prefix) live in `Config`'s validators, so that every problem is
reported with the path of the field that causes it.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, time
from functools import cached_property
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from antrian_voice.settings import Voice

Identifier = str  # validated by `_check_identifier`
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PREFIX = re.compile(r"^[A-Z]{1,3}$")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Section(BaseModel):
    """Base for every section: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError("must be 1-40 lowercase letters, digits, '-' or '_', starting with a letter or digit")
    return value


class Site(Section):
    name: str = Field(min_length=1)
    timezone: str = "Asia/Jakarta"
    logo: str | None = None
    running_text: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta, Asia/Makassar)") from None
        return value

    @property
    def zone_info(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Break(Section):
    days: list[Weekday] = list(WEEKDAYS)
    start: time
    end: time
    reason: str = "Istirahat"

    @model_validator(mode="after")
    def _ordered(self) -> Break:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Schedule(Section):
    """When tickets may be issued, in the hall's local time."""

    days: list[Weekday] = list(WEEKDAYS)
    open: time = time(0, 0)
    close: time = time(23, 59, 59)
    issue_cutoff: time | None = None
    breaks: list[Break] = []
    holidays: list[date] = []

    @model_validator(mode="after")
    def _ordered(self) -> Schedule:
        if self.close <= self.open:
            raise ValueError("close must be after open")
        if self.issue_cutoff is not None and not self.open < self.issue_cutoff <= self.close:
            raise ValueError("issue_cutoff must lie between open and close")
        return self


class Agency(Section):
    id: Identifier
    name: str = Field(min_length=1)
    short_name: str | None = None
    booth: str | None = None
    spoken_booth: str | None = None

    _id = field_validator("id")(_check_identifier)

    @property
    def label(self) -> str:
        return self.short_name or self.name


class BookingSession(Section):
    start: time
    end: time
    quota: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> BookingSession:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Booking(Section):
    """Booking ahead for one service: its sessions, how far ahead, and the check-in window."""

    days_ahead: int = Field(default=7, ge=0, le=90)
    sessions: list[BookingSession] = Field(min_length=1)
    check_in_early_minutes: int = Field(default=30, ge=0, le=240)
    check_in_late_minutes: int = Field(default=15, ge=0, le=240)

    @model_validator(mode="after")
    def _distinct(self) -> Booking:
        starts = [s.start for s in self.sessions]
        if len(set(starts)) != len(starts):
            raise ValueError("two sessions start at the same time")
        return self

    def session(self, start: time) -> BookingSession | None:
        return next((s for s in self.sessions if s.start == start), None)


class Service(Section):
    id: Identifier
    name: str = Field(min_length=1)
    agency: Identifier
    prefix: str
    daily_quota: int | None = Field(default=None, ge=1)
    schedule: Schedule | None = None
    spoken_name: str | None = None
    target_wait_minutes: int | None = Field(default=None, ge=1, le=1440)  # None: the hall's [queue] default
    booking: Booking | None = None  # None: walk-ins only
    requirements: list[str] = []  # what to bring, shown with a booking

    _id = field_validator("id")(_check_identifier)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError("must be 1-3 capital letters A-Z")
        return value


class Zone(Section):
    id: Identifier
    name: str = Field(min_length=1)

    _id = field_validator("id")(_check_identifier)


class Counter(Section):
    id: Identifier
    name: str = Field(min_length=1)
    spoken_name: str | None = None
    services: list[Identifier] = Field(min_length=1)
    zone: Identifier
    token: str = Field(min_length=8)
    require_sign_in: bool | None = None  # None: the hall's [attendance] default

    _id = field_validator("id")(_check_identifier)


Layout = Literal["standard", "grid", "media"]


class Theme(Section):
    background: str = "#0b1d33"
    panel: str = "#12304f"
    accent: str = "#ffc83d"
    text: str = "#ffffff"

    @field_validator("*")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not re.match(r"^#[0-9a-fA-F]{6}$", value):
            raise ValueError("must be a colour like #12304f")
        return value


class Screen(Section):
    id: Identifier
    zone: Identifier
    layout: Layout = "standard"
    title: str | None = None
    audio: bool = False
    running_text: str | None = None
    history: int = Field(default=6, ge=0, le=20)
    font_scale: float = Field(default=1.0, ge=0.5, le=2.0)
    orientation: Literal["landscape", "portrait"] = "landscape"
    theme: Theme = Theme()
    logo: str | None = None
    counters: list[Identifier] = []
    services: list[Identifier] = []
    media_folder: str | None = None
    announce_max_age_seconds: int = Field(default=60, ge=0)
    key: str | None = Field(default=None, min_length=1)  # the TV's URL carries ?key=; others' status is ignored

    _id = field_validator("id")(_check_identifier)


class NetworkPrinter(Section):
    kind: Literal["network"]
    host: str = Field(min_length=1)
    port: int = Field(default=9100, ge=1, le=65535)


class UsbPrinter(Section):
    kind: Literal["usb"]
    vendor_id: int = Field(ge=0, le=0xFFFF)
    product_id: int = Field(ge=0, le=0xFFFF)


class SerialPrinter(Section):
    kind: Literal["serial"]
    device: str = Field(min_length=1)
    baudrate: int = 9600


Printer = Annotated[NetworkPrinter | UsbPrinter | SerialPrinter, Field(discriminator="kind")]


class Kiosk(Section):
    """A ticket kiosk: which agencies it offers and where its slips print (none: the browser prints)."""

    id: Identifier
    name: str = Field(min_length=1)
    agencies: list[Identifier] = []  # empty: every agency
    printer: Printer | None = None
    print_timeout_seconds: float = Field(default=8.0, gt=0, le=60)
    idle_seconds: int = Field(default=30, ge=5, le=600)

    _id = field_validator("id")(_check_identifier)


class Queue(Section):
    priority_every: int = Field(default=1, ge=1, le=20)
    recall_limit: int = Field(default=3, ge=1, le=10)
    priority_labels: list[str] = ["Lansia", "Disabilitas", "Ibu hamil"]
    target_wait_minutes: int = Field(default=30, ge=1, le=1440)  # a wait past it is flagged on the hall view


class Attendance(Section):
    """People at the counters: signing in, pauses and the PIN rules."""

    require_sign_in: bool = False  # a counter with nobody signed in refuses calls
    pause_reasons: list[str] = Field(
        default=["Istirahat", "Salat", "Rapat", "Gangguan sistem", "Keperluan lain"], min_length=1
    )
    max_wrong_pins: int = Field(default=5, ge=1, le=50)  # then the account is locked for a while
    lockout_minutes: int = Field(default=15, ge=1, le=1440)
    session_hours: float = Field(default=12, gt=0, le=168)  # admin and supervisor page sessions


class SurveyQuestion(Section):
    """One element (unsur) of the SKM: its question and the wording of answers 1 to 4."""

    element: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str] = Field(min_length=4, max_length=4)


def _question(element: str, question: str, answers: str) -> SurveyQuestion:
    return SurveyQuestion(element=element, question=question, answers=answers.split("|"))


DEFAULT_QUESTIONS = [
    _question("Persyaratan", "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
              "Tidak sesuai|Kurang sesuai|Sesuai|Sangat sesuai"),
    _question("Sistem, Mekanisme dan Prosedur", "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
              "Tidak mudah|Kurang mudah|Mudah|Sangat mudah"),
    _question("Waktu Penyelesaian", "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
              "Tidak cepat|Kurang cepat|Cepat|Sangat cepat"),
    _question("Biaya/Tarif", "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
              "Sangat mahal|Cukup mahal|Murah|Gratis"),
    _question("Produk Spesifikasi Jenis Pelayanan",
              "Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
              "Tidak sesuai|Kurang sesuai|Sesuai|Sangat sesuai"),
    _question("Kompetensi Pelaksana", "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
              "Tidak kompeten|Kurang kompeten|Kompeten|Sangat kompeten"),
    _question("Perilaku Pelaksana", "Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
              "Tidak sopan dan ramah|Kurang sopan dan ramah|Sopan dan ramah|Sangat sopan dan ramah"),
    _question("Penanganan Pengaduan, Saran dan Masukan", "Bagaimana pendapat Anda tentang penanganan pengaduan pengguna layanan?",
              "Tidak ada|Ada tetapi tidak berfungsi|Berfungsi kurang maksimal|Dikelola dengan baik"),
    _question("Sarana dan Prasarana", "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
              "Buruk|Cukup|Baik|Sangat baik"),
]  # fmt: skip


class Survey(Section):
    """The public satisfaction survey (SKM): where it is offered and its nine questions."""

    enabled: bool = True
    answer_hours: int = Field(default=24, ge=1, le=24 * 14)  # the phone may answer this long after service
    tablet_minutes: int = Field(default=10, ge=1, le=240)  # a counter's tablet offers a ticket this long
    period: Literal["quarter", "semester", "year"] = "semester"  # what /skm publishes: the last complete one
    questions: list[SurveyQuestion] = Field(default_factory=lambda: list(DEFAULT_QUESTIONS), min_length=9, max_length=9)
    age_groups: list[str] = ["< 20", "20-29", "30-39", "40-49", "50-59", "60+"]
    sexes: list[str] = ["Laki-laki", "Perempuan"]
    education: list[str] = ["SD", "SMP", "SMA/SMK", "D1-D3", "S1/D4", "S2", "S3"]
    occupations: list[str] = ["PNS/TNI/Polri", "Pegawai swasta", "Wiraswasta", "Pelajar/Mahasiswa", "Lainnya"]


class StaffMember(Section):
    """One person on the hall's roster. Their PIN or password is never here: `antrian staff set-pin`."""

    id: Identifier
    name: str = Field(min_length=1)
    role: Literal["admin", "supervisor", "officer"]
    agencies: list[Identifier] = []  # an officer's one agency; a supervisor's one or more

    _id = field_validator("id")(_check_identifier)

    @model_validator(mode="after")
    def _agencies_fit_role(self) -> StaffMember:
        if self.role == "officer" and len(self.agencies) != 1:
            raise ValueError('an officer belongs to exactly one agency (agencies = ["..."])')
        if self.role == "supervisor" and not self.agencies:
            raise ValueError("a supervisor needs at least one agency")
        if self.role == "admin" and self.agencies:
            raise ValueError("an admin sees the whole hall: leave agencies out")
        return self

    def may_see(self, agency_id: str) -> bool:
        return self.role == "admin" or agency_id in self.agencies


class Security(Section):
    admin_token: str = Field(min_length=8)
    allowed_origins: list[str] = []
    max_message_bytes: int = Field(default=4096, ge=256, le=1_048_576)
    issue_rate_per_minute: int = Field(default=30, ge=1)
    # Sized for a hall: ~1,000 TVs and phones on WebSockets, plus page loads and headroom.
    max_connections: int = Field(default=2000, ge=10, le=100_000)
    max_websockets_per_address: int = Field(default=20, ge=1, le=100_000)
    # Addresses or networks of the hall's reverse proxies: only their X-Forwarded-For is
    # believed, and they are exempt from the per-address WebSocket cap.
    trusted_proxies: list[str] = []
    ticket_days: int = Field(default=7, ge=0, le=3660)
    bookings_per_minute: int = Field(default=5, ge=1)  # new bookings per address per minute
    open_bookings_per_address: int = Field(default=3, ge=1)  # not yet checked in, cancelled or expired

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not an IP address or network (e.g. 192.168.1.10 or 10.0.0.0/24)"
                ) from None
        return values


class Config(Section):
    site: Site
    security: Security
    queue: Queue = Queue()
    schedule: Schedule = Schedule()
    voice: Voice = Voice()
    agencies: list[Agency] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    zones: list[Zone] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    screens: list[Screen] = []
    kiosks: list[Kiosk] = []
    attendance: Attendance = Attendance()
    staff: list[StaffMember] = []
    survey: Survey = Survey()

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        problems: list[str] = []
        for section in ("agencies", "services", "zones", "counters", "screens", "kiosks", "staff"):
            problems += _duplicate_ids(section, getattr(self, section))
        problems += _duplicate_prefixes(self.services)
        agencies = {a.id for a in self.agencies}
        services = {s.id for s in self.services}
        zones = {z.id for z in self.zones}
        counters = {c.id for c in self.counters}
        for i, service in enumerate(self.services):
            problems += _unknown(f"services.{i}.agency", [service.agency], agencies, "agency", single=True)
        for i, counter in enumerate(self.counters):
            problems += _unknown(f"counters.{i}.zone", [counter.zone], zones, "zone", single=True)
            problems += _unknown(f"counters.{i}.services", counter.services, services, "service")
        for i, screen in enumerate(self.screens):
            problems += _unknown(f"screens.{i}.zone", [screen.zone], zones, "zone", single=True)
            problems += _unknown(f"screens.{i}.counters", screen.counters, counters, "counter")
            problems += _unknown(f"screens.{i}.services", screen.services, services, "service")
        for i, kiosk in enumerate(self.kiosks):
            problems += _unknown(f"kiosks.{i}.agencies", kiosk.agencies, agencies, "agency")
        for i, member in enumerate(self.staff):
            problems += _unknown(f"staff.{i}.agencies", member.agencies, agencies, "agency")
        if problems:
            raise CrossReferenceError(problems)
        return self

    # Lookups used across the server, on every push to a phone and every snapshot: indexed
    # once per (frozen) config instead of scanned each time.
    @cached_property
    def by_id(self) -> dict[str, dict[str, Any]]:
        sections = ("services", "counters", "screens", "agencies", "kiosks", "zones", "staff")
        return {section: {item.id: item for item in getattr(self, section)} for section in sections}

    def service(self, service_id: str) -> Service | None:
        return self.by_id["services"].get(service_id)

    def counter(self, counter_id: str) -> Counter | None:
        return self.by_id["counters"].get(counter_id)

    def screen(self, screen_id: str) -> Screen | None:
        return self.by_id["screens"].get(screen_id)

    def agency(self, agency_id: str) -> Agency | None:
        return self.by_id["agencies"].get(agency_id)

    def kiosk(self, kiosk_id: str) -> Kiosk | None:
        return self.by_id["kiosks"].get(kiosk_id)

    def zone(self, zone_id: str) -> Zone | None:
        return self.by_id["zones"].get(zone_id)

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return self.by_id["staff"].get(staff_id)

    def schedule_for(self, service: Service) -> Schedule:
        return service.schedule or self.schedule

    def target_wait_minutes(self, service: Service) -> int:
        return service.target_wait_minutes or self.queue.target_wait_minutes

    def requires_sign_in(self, counter: Counter) -> bool:
        return self.attendance.require_sign_in if counter.require_sign_in is None else counter.require_sign_in

    def counter_agencies(self, counter: Counter) -> set[str]:
        """The agencies whose services a counter serves (its officers come from one of them)."""
        return {s.agency for s in (self.service(sid) for sid in counter.services) if s is not None}


class CrossReferenceError(ValueError):
    """Carries several located problems out of a model validator."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _unknown(path: str, refs: list[str], known: set[str], noun: str, *, single: bool = False) -> list[str]:
    """A located problem for each reference to an id that is not defined."""
    return [
        f"{path if single else f'{path}.{j}'}: unknown {noun} {ref!r}" for j, ref in enumerate(refs) if ref not in known
    ]


def _duplicate_ids(section: str, items: list) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, item in enumerate(items):
        if item.id in seen:
            problems.append(f"{section}.{i}.id: duplicate id {item.id!r}")
        seen.add(item.id)
    return problems


def _duplicate_prefixes(services: list[Service]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for i, service in enumerate(services):
        if service.prefix in seen:
            problems.append(
                f"services.{i}.prefix: {service.prefix!r} is already used by service {seen[service.prefix]!r}"
            )
        seen.setdefault(service.prefix, service.id)
    return problems
