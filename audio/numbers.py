"""Numbers read aloud in Bahasa Indonesia: by value ("seratus dua puluh tiga") or digit by digit."""

from __future__ import annotations

_ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

# Scale words from the largest down; "se-" replaces "satu" before ribu (seribu), but one
# million is "satu juta", so only ribu takes the prefix.
_SCALES: tuple[tuple[int, str], ...] = (
    (1_000_000_000, "miliar"),
    (1_000_000, "juta"),
    (1_000, "ribu"),
)
MAX_WORDS = 999_999_999_999


def _below_thousand(n: int) -> list[str]:
    """Words for 1..999 (empty for 0)."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_ONES[hundreds], "ratus"]
    tens, ones = divmod(rest, 10)
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words += [_ONES[ones], "belas"]
    else:
        if tens:
            words += [_ONES[tens], "puluh"]
        if ones:
            words.append(_ONES[ones])
    return words


def words(n: int) -> str:
    """0 -> "nol", 1000 -> "seribu", 2_500 -> "dua ribu lima ratus"."""
    if not 0 <= n <= MAX_WORDS:
        raise ValueError(f"number out of range 0..{MAX_WORDS}: {n}")
    if n == 0:
        return _ONES[0]
    out: list[str] = []
    for scale, name in _SCALES:
        chunk, n = divmod(n, scale)
        if chunk == 1 and name == "ribu":
            out.append("seribu")
        elif chunk:
            out += _below_thousand(chunk) + [name]
    out += _below_thousand(n)
    return " ".join(out)


def digits(text: str, zero_word: str = "nol") -> str:
    """ "007" -> "nol nol tujuh" (or "kosong kosong tujuh")."""
    if not text or not text.isascii() or not text.isdigit():
        raise ValueError(f"not a string of digits: {text!r}")
    return " ".join(zero_word if d == "0" else _ONES[int(d)] for d in text)
