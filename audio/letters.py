"""Latin letters by their Indonesian names, as a caller spells a ticket prefix."""

from __future__ import annotations

LETTER_NAMES: dict[str, str] = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge",
    "H": "ha", "I": "i", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en",
    "O": "o", "P": "pe", "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "u",
    "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}  # fmt: skip


def letter(ch: str) -> str:
    """ "B" or "b" -> "be"; anything that is not A-Z is returned lowercased."""
    return LETTER_NAMES.get(ch.upper(), ch.lower())


def spell(text: str) -> str:
    """ "PID" -> "pe i de"."""
    return " ".join(letter(ch) for ch in text if not ch.isspace())
