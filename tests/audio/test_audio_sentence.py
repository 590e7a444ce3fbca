"""What the hall says, case by case: numbers, letters, destinations, templates, dictionary.

Each case goes the way a call goes: the server builds the `SpokenCall` from its config
(`display_server.announce.spoken_call`), the voice puts it into words (`sentence(call, voice)`).
"""

from __future__ import annotations

from typing import Any

import pytest

from antrian_voice import SpokenCall, Voice, sentence
from display_server.announce import UnknownCall, spoken_call
from display_server.contract import parse_number
from tests.audio.audio_config import make_config, say


def call(nomor: str, tujuan: str) -> str:
    return f"Nomor antrean {nomor}, silakan menuju {tujuan}."


DIGITS = {"number_mode": "digits"}
KOSONG = {"number_mode": "digits", "zero_word": "kosong"}
BOOTH = {"destination": "booth"}
LAYANAN = {"template": "Nomor antrean {nomor}, untuk layanan {layanan}, silakan menuju {tujuan}."}
REPEAT = {"repeat": True}

# (voice overrides, number, counter id, keyword arguments, expected sentence)
CASES: list[tuple[dict[str, Any], str, str, dict[str, Any], str]] = [
    # Words mode, the default.
    ({}, "A-123", "loket-3", {}, call("a seratus dua puluh tiga", "loket tiga")),
    ({}, "A123", "loket-3", {}, call("a seratus dua puluh tiga", "loket tiga")),
    ({}, "a-123", "loket-3", {}, call("a seratus dua puluh tiga", "loket tiga")),
    ({}, "A 123", "loket-3", {}, call("a seratus dua puluh tiga", "loket tiga")),
    ({}, "A-1", "loket-1", {}, call("a satu", "loket satu")),
    ({}, "A-007", "loket-1", {}, call("a tujuh", "loket satu")),
    ({}, "A-010", "loket-1", {}, call("a sepuluh", "loket satu")),
    ({}, "A-011", "loket-1", {}, call("a sebelas", "loket satu")),
    ({}, "A-012", "loket-1", {}, call("a dua belas", "loket satu")),
    ({}, "A-019", "loket-1", {}, call("a sembilan belas", "loket satu")),
    ({}, "A-020", "loket-1", {}, call("a dua puluh", "loket satu")),
    ({}, "A-021", "loket-1", {}, call("a dua puluh satu", "loket satu")),
    ({}, "A-100", "loket-1", {}, call("a seratus", "loket satu")),
    ({}, "A-101", "loket-1", {}, call("a seratus satu", "loket satu")),
    ({}, "A-110", "loket-1", {}, call("a seratus sepuluh", "loket satu")),
    ({}, "A-111", "loket-1", {}, call("a seratus sebelas", "loket satu")),
    ({}, "A-200", "loket-1", {}, call("a dua ratus", "loket satu")),
    ({}, "A-697", "loket-1", {}, call("a enam ratus sembilan puluh tujuh", "loket satu")),
    ({}, "A-999", "loket-1", {}, call("a sembilan ratus sembilan puluh sembilan", "loket satu")),
    ({}, "A-1000", "loket-1", {}, call("a seribu", "loket satu")),
    ({}, "A-1001", "loket-1", {}, call("a seribu satu", "loket satu")),
    ({}, "A-2000", "loket-1", {}, call("a dua ribu", "loket satu")),
    ({}, "A-11000", "loket-1", {}, call("a sebelas ribu", "loket satu")),
    ({}, "A-100000", "loket-1", {}, call("a seratus ribu", "loket satu")),
    ({}, "A-000", "loket-1", {}, call("a nol", "loket satu")),
    ({}, "123", "loket-3", {}, call("seratus dua puluh tiga", "loket tiga")),
    # Every prefix letter by its Indonesian name.
    ({}, "B-5", "loket-4", {}, call("be lima", "loket empat")),
    ({}, "C-3", "loket-5", {}, call("ce tiga", "loket lima")),
    ({}, "D-8", "loket-6", {}, call("de delapan", "loket enam")),
    ({}, "E-9", "loket-8", {}, call("e sembilan", "loket delapan")),
    ({}, "F-4", "kasir-1", {}, call("ef empat", "kasir satu")),
    ({}, "G-6", "loket-9", {}, call("ge enam", "loket sembilan")),
    ({}, "H-2", "meja-11", {}, call("ha dua", "meja sebelas")),
    ({}, "I-11", "loket-1", {}, call("i sebelas", "loket satu")),
    ({}, "J-50", "loket-13", {}, call("je lima puluh", "loket tiga belas")),
    ({}, "K-14", "loket-15", {}, call("ka empat belas", "loket lima belas")),
    ({}, "L-16", "loket-17", {}, call("el enam belas", "loket tujuh belas")),
    ({}, "M-70", "loket-20", {}, call("em tujuh puluh", "loket dua puluh")),
    ({}, "N-80", "loket-21", {}, call("en delapan puluh", "loket dua puluh satu")),
    ({}, "O-10", "loket-1", {}, call("o sepuluh", "loket satu")),
    ({}, "P-1", "loket-1", {}, call("pe satu", "loket satu")),
    ({}, "Q-1", "loket-1", {}, call("ki satu", "loket satu")),
    ({}, "R-7", "loket-1", {}, call("er tujuh", "loket satu")),
    ({}, "S-2", "sim-1", {}, call("es dua", "loket sim satu")),
    ({}, "T-8", "loket-1", {}, call("te delapan", "loket satu")),
    ({}, "U-9", "loket-1", {}, call("u sembilan", "loket satu")),
    ({}, "V-2", "loket-1", {}, call("fe dua", "loket satu")),
    ({}, "W-3", "loket-1", {}, call("we tiga", "loket satu")),
    ({}, "X-4", "loket-1", {}, call("eks empat", "loket satu")),
    ({}, "Y-5", "loket-1", {}, call("ye lima", "loket satu")),
    ({}, "Z-6", "loket-1", {}, call("zet enam", "loket satu")),
    # Multi-letter prefixes are spelled.
    ({}, "PID-12", "meja-3a", {}, call("pe i de dua belas", "meja tiga a")),
    ({}, "PID12", "meja-3a", {}, call("pe i de dua belas", "meja tiga a")),
    ({}, "XYZ-1", "loket-1", {}, call("eks ye zet satu", "loket satu")),
    # Digits mode; the counter's own number stays in words.
    (DIGITS, "A-123", "loket-3", {}, call("a satu dua tiga", "loket tiga")),
    (DIGITS, "A-007", "loket-3", {}, call("a nol nol tujuh", "loket tiga")),
    (DIGITS, "A7", "loket-3", {}, call("a tujuh", "loket tiga")),
    (DIGITS, "PID-012", "meja-3a", {}, call("pe i de nol satu dua", "meja tiga a")),
    (DIGITS, "J-10", "loket-13", {}, call("je satu nol", "loket tiga belas")),
    (KOSONG, "A-007", "loket-3", {}, call("a kosong kosong tujuh", "loket tiga")),
    (KOSONG, "A-100", "loket-3", {}, call("a satu kosong kosong", "loket tiga")),
    ({"zero_word": "kosong"}, "A-100", "loket-3", {}, call("a seratus", "loket tiga")),
    # Recall and repeat.
    ({}, "A-123", "loket-3", {"recall": True},
     "Panggilan ulang, nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga."),
    (REPEAT, "A-100", "loket-3", {},
     "Nomor antrean a seratus, silakan menuju loket tiga. Sekali lagi, nomor antrean a seratus, silakan menuju loket tiga."),
    (REPEAT, "A-100", "loket-3", {"recall": True},
     "Panggilan ulang, nomor antrean a seratus, silakan menuju loket tiga. Sekali lagi, nomor antrean a seratus, silakan menuju loket tiga."),
    ({"repeat": True, "repeat_joiner": "diulangi"}, "B-2", "loket-4", {},
     "Nomor antrean be dua, silakan menuju loket empat. Diulangi, nomor antrean be dua, silakan menuju loket empat."),
    ({"repeat": True, "template": "Antrian {nomor} ke {loket}"}, "B-2", "loket-4", {},
     "Antrian be dua ke loket empat. Sekali lagi, antrian be dua ke loket empat"),
    ({"repeat": True, "number_mode": "digits", "zero_word": "kosong"}, "A-010", "loket-3", {},
     "Nomor antrean a kosong satu kosong, silakan menuju loket tiga. Sekali lagi, nomor antrean a kosong satu kosong, silakan menuju loket tiga."),
    # Destination: the agency's booth, through the dictionary, or its spoken form.
    (BOOTH, "J-5", "loket-13", {}, call("je lima", "gerai be pe je es kesehatan")),
    (BOOTH, "K-5", "loket-15", {}, call("ka lima", "gerai be pe je es ketenagakerjaan")),
    (BOOTH, "H-5", "meja-11", {}, call("ha lima", "gerai de pe em pe te es pe")),
    (BOOTH, "A-5", "loket-1", {}, call("a lima", "gerai dukcapil")),
    (BOOTH, "D-5", "loket-6", {}, call("de lima", "gerai samsat")),
    (BOOTH, "F-5", "kasir-1", {}, call("ef lima", "gerai be pe de bali")),
    (BOOTH, "M-5", "loket-20", {}, call("em lima", "gerai pajak")),
    ({**BOOTH, "template": "Nomor antrean {nomor}, silakan menuju {tujuan}, {loket}."}, "A-5", "loket-1", {},
     "Nomor antrean a lima, silakan menuju gerai dukcapil, loket satu."),
    (BOOTH, "B-5", "loket-5", {"recall": True},
     "Panggilan ulang, nomor antrean be lima, silakan menuju gerai dukcapil."),
    # The service name.
    (LAYANAN, "A-5", "loket-1", {},
     "Nomor antrean a lima, untuk layanan ka te pe elektronik, silakan menuju loket satu."),
    (LAYANAN, "G-5", "loket-9", {},
     "Nomor antrean ge lima, untuk layanan es ka ce ka, silakan menuju loket sembilan."),
    (LAYANAN, "H-5", "meja-11", {},
     "Nomor antrean ha lima, untuk layanan perizinan berusaha, en i be, silakan menuju meja sebelas."),
    (LAYANAN, "N-5", "loket-19", {},
     "Nomor antrean en lima, untuk layanan kastemer servis, silakan menuju loket sembilan belas."),
    (LAYANAN, "M-5", "loket-19", {},
     "Nomor antrean em lima, untuk layanan en pe we pe dan konsultasi pajak, silakan menuju loket sembilan belas."),
    (LAYANAN, "J-5", "loket-13", {},
     "Nomor antrean je lima, untuk layanan pendaftaran dan perubahan data je ka en, silakan menuju loket tiga belas."),
    (LAYANAN, "S-5", "sim-1", {},
     "Nomor antrean es lima, untuk layanan perpanjangan sim, silakan menuju loket sim satu."),
    (LAYANAN, "B-5", "loket-3", {},
     "Nomor antrean be lima, untuk layanan kartu keluarga, silakan menuju loket tiga."),
    (LAYANAN, "A-5", "loket-3", {"service_id": "kk"},
     "Nomor antrean a lima, untuk layanan kartu keluarga, silakan menuju loket tiga."),
    # Counter names derived from `name`.
    ({}, "N-1", "loket-cs", {}, call("en satu", "loket ce es")),
    ({}, "B-1", "loket-b2", {}, call("be satu", "loket be dua")),
    ({}, "M-1", "ruang-2", {}, call("em satu", "ruang konsultasi, lantai dua")),
    ({}, "C-1", "loket-100", {}, call("ce satu", "loket seratus")),
    ({}, "F-1", "kasir-2", {}, call("ef satu", "kasir dua")),
    # The dictionary: config entries win, keys match whole words in any case, longest first.
    ({"dictionary": {"SIM": "es i em"}}, "S-1", "sim-1", {}, call("es satu", "loket es i em satu")),
    ({"dictionary": {"meja": "meja layanan"}}, "H-1", "meja-11", {}, call("ha satu", "meja layanan sebelas")),
    ({"dictionary": {"Customer": "pelanggan"}, **LAYANAN}, "N-5", "loket-21", {},
     "Nomor antrean en lima, untuk layanan kastemer servis, silakan menuju loket dua puluh satu."),
    ({"dictionary": {"kastemer servis": "x"}, **LAYANAN}, "N-5", "loket-21", {},
     "Nomor antrean en lima, untuk layanan kastemer servis, silakan menuju loket dua puluh satu."),
    ({"dictionary": {"loket": "konter"}}, "A-1", "loket-1", {}, call("a satu", "konter satu")),
    ({"template": "Nomor antrean {nomor}, silakan menuju gerai BPJS."}, "J-1", "loket-13", {},
     "Nomor antrean je satu, silakan menuju gerai be pe je es."),
    # Other wordings halls use.
    ({"template": "Antrian nomor {nomor}, silahkan ke {loket}."}, "A-5", "loket-1", {},
     "Antrian nomor a lima, silahkan ke loket satu."),
    ({"recall_template": "Dipanggil kembali, {nomor}, ke {tujuan}."}, "A-5", "loket-1", {"recall": True},
     "Dipanggil kembali, a lima, ke loket satu."),
]  # fmt: skip


@pytest.mark.parametrize(("voice", "number", "counter", "kwargs", "expected"), CASES)
def test_sentence(voice: dict[str, Any], number: str, counter: str, kwargs: dict[str, Any], expected: str) -> None:
    assert say(make_config(**voice), number, counter, **kwargs) == expected


def test_enough_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("bad", ["", "A-", "ABCD-1", "A-12B", "1A", "A-1234567890", "A--1", "Ä-1"])
def test_bad_numbers_are_refused(bad: str) -> None:
    assert parse_number(bad) is None
    with pytest.raises(UnknownCall, match="not a ticket number"):
        spoken_call(make_config(), bad, "loket-1")


def test_parse_keeps_padding() -> None:
    call = spoken_call(make_config(), " pid-007 ", "meja-3a")
    assert (call.prefix, call.digits, call.value) == ("PID", "007", 7)


def test_unknown_counter_and_service() -> None:
    config = make_config()
    with pytest.raises(UnknownCall, match="unknown counter"):
        say(config, "A-1", "loket-99")
    with pytest.raises(UnknownCall, match="unknown service"):
        say(config, "A-1", "loket-1", service_id="nope")


def test_the_voice_needs_no_config() -> None:
    """A call built by hand, as any client of the voice would: no hall config involved."""
    call = SpokenCall(
        prefix="PID", digits="012", counter="Meja 3A", service="Informasi", booth="Gerai BPJS Kesehatan", recall=True
    )
    assert sentence(call, Voice()) == "Panggilan ulang, nomor antrean pe i de dua belas, silakan menuju meja tiga a."
    assert sentence(call, Voice(destination="booth", number_mode="digits")) == (
        "Panggilan ulang, nomor antrean pe i de nol satu dua, silakan menuju gerai be pe je es kesehatan."
    )
    spelled = SpokenCall(prefix="", digits="5", counter="Loket 1", counter_spoken="konter satu", service="x")
    assert sentence(spelled, Voice()) == "Nomor antrean lima, silakan menuju konter satu."
