"""Names made speakable: dictionary entries, acronyms, digits in names, punctuation as pauses."""

from __future__ import annotations

import pytest

from antrian_voice.dictionary import DEFAULT_DICTIONARY, Dictionary, for_voice, merged, speakable


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("BPJS Kesehatan", "be pe je es kesehatan"),
        ("bpjs kesehatan", "be pe je es kesehatan"),
        ("Pelayanan SKCK", "pelayanan es ka ce ka"),
        ("e-KTP", "e ka te pe"),
        ("KTP-el", "ka te pe el"),
        ("Perpanjangan SIM", "perpanjangan sim"),
        ("Samsat Keliling", "samsat keliling"),
        ("Customer  Service", "kastemer servis"),
        ("Perizinan Berusaha (NIB)", "perizinan berusaha, en i be"),
        ("Loket 12", "loket dua belas"),
        ("Meja 3A", "meja tiga a"),
        ("Loket B2", "loket be dua"),
        ("Gerai PLN", "gerai pe el en"),
        ("Gerai JKT", "gerai je ka te"),  # an unknown acronym is spelled
        ("Paspor & Visa", "paspor dan visa"),
        ("Lantai 2 / Sayap Timur", "lantai dua, sayap timur"),
        ("  (Loket 1)  ", "loket satu"),
        ("IKD; KK.", "i ka de, ka ka"),
    ],
)
def test_speakable(written: str, spoken: str) -> None:
    assert speakable(written, for_voice({})) == spoken


def test_config_entries_win_case_insensitively() -> None:
    entries = merged({"bpjs": "bi pi je es"})
    assert entries["bpjs"] == "bi pi je es"
    assert "BPJS" not in entries
    assert len(entries) == len(DEFAULT_DICTIONARY)


def test_longest_key_first_and_whole_words() -> None:
    d = Dictionary({"Loket": "konter", "Loket Prioritas": "loket untuk prioritas", "KK": "ka ka"})
    assert d.replace("Loket Prioritas dan Loket 2") == "loket untuk prioritas dan konter 2"
    assert d.replace("KKN dan KK") == "KKN dan ka ka"
