"""A voice pack: a folder of recorded clips and the `manifest.toml` that names the unit each says.

    name = "Bu Sari, MPP Buleleng"          # optional
    [id]
    "nomor antrean" = "nomor-antrean.wav"
    "silakan menuju" = "silakan-menuju.wav"
    "seratus" = "angka/seratus.wav"
    [en]                                     # optional: without it English is said by eSpeak NG
    "queue number" = "en/queue-number.wav"

A unit is written as it is spoken, the way `antrian announce --text` prints it ("loket tiga",
not "Loket 3"); case, punctuation and hyphens do not matter. A sentence is split into units
longest match first, within each clause (punctuation is a pause, never inside a unit).
Plain Python and the standard library only: the worker process reads packs too.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.toml"
PACK_LANGUAGES = ("id", "en")

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r"[^\W_]+|[,;:]|[.!?]")


class PackError(ValueError):
    """A pack that cannot be used: no manifest, a manifest that is not valid, a clip not found."""


@dataclass(frozen=True)
class Manifest:
    folder: Path
    name: str
    units: Mapping[str, Mapping[str, Path]]  # language -> unit -> clip file

    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in PACK_LANGUAGES if self.units.get(lang))

    def files(self) -> list[Path]:
        return sorted({path for units in self.units.values() for path in units.values()})


def unit_key(text: str) -> str:
    """How a unit is compared: lowercase words with single spaces ("Nomor  Antrean," -> "nomor antrean")."""
    return " ".join(_WORD.findall(text.casefold()))


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PackError(f"no {MANIFEST} in {folder}") from exc
    except OSError as exc:
        raise PackError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{path} is not valid TOML: {exc}") from exc
    name = data.pop("name", folder.name)
    if not isinstance(name, str):
        raise PackError(f"{path}: name must be text")
    units: dict[str, dict[str, Path]] = {}
    for language, table in data.items():
        if language not in PACK_LANGUAGES or not isinstance(table, dict):
            raise PackError(f'{path}: unknown section {language!r}; use [id] and [en] tables of "unit" = "file.wav"')
        found: dict[str, Path] = {}
        for unit, file in table.items():
            key = unit_key(unit)
            if not key:
                raise PackError(f"{path}: [{language}] {unit!r} has no words")
            if key in found:
                raise PackError(f"{path}: [{language}] {unit!r} is listed twice (as {key!r})")
            if not isinstance(file, str) or not file.lower().endswith(".wav"):
                raise PackError(f"{path}: [{language}] {unit!r} must name a .wav file")
            clip = folder / file
            if not clip.is_file():
                raise PackError(f"{path}: [{language}] {unit!r}: clip {file!r} not found")
            found[key] = clip
        units[language] = found
    return Manifest(folder, name, units)


def signature(folder: Path) -> str:
    """Changes whenever the manifest or a clip changes (content of the manifest, size and time
    of each clip): part of the cache key, so a re-recorded clip is never served from an old WAV."""
    digest = hashlib.sha256()
    try:
        digest.update((folder / MANIFEST).read_bytes())
        manifest = read_manifest(folder)
    except (OSError, PackError) as exc:
        return f"unusable:{exc}"
    for clip in manifest.files():
        try:
            st = clip.stat()
            digest.update(f"{clip}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{clip}\0missing\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Clip:
    unit: str  # a unit of the pack


@dataclass(frozen=True)
class Missing:
    words: str  # words the pack lacks, said by eSpeak NG in their place


@dataclass(frozen=True)
class Pause:
    stop: bool  # a full stop (longer) or a comma


Piece = Clip | Missing | Pause


def split(text: str, units: Mapping[str, object]) -> list[Piece]:
    """TEXT as the pack's units, longest match first; runs of words the pack lacks are grouped.

    "Nomor antrean a seratus, silakan menuju loket tiga." with units "nomor antrean", "a",
    "seratus", "silakan menuju", "loket" -> nomor antrean | a | seratus | , | silakan menuju |
    loket | Missing("tiga") | ."""
    longest = max((len(u.split()) for u in units), default=1)
    pieces: list[Piece] = []
    for clause, mark in _clauses(text):
        i = 0
        while i < len(clause):
            for n in range(min(longest, len(clause) - i), 0, -1):
                candidate = " ".join(clause[i : i + n])
                if candidate in units:
                    pieces.append(Clip(candidate))
                    i += n
                    break
            else:
                if pieces and isinstance(pieces[-1], Missing):
                    pieces[-1] = Missing(f"{pieces[-1].words} {clause[i]}")
                else:
                    pieces.append(Missing(clause[i]))
                i += 1
        if mark and pieces and not isinstance(pieces[-1], Pause):
            pieces.append(Pause(stop=mark in ".!?"))
    while pieces and isinstance(pieces[-1], Pause):
        pieces.pop()
    return pieces


def missing_words(text: str, units: Mapping[str, object]) -> list[str]:
    """The words of TEXT no unit of the pack covers, one entry per missing run."""
    return [piece.words for piece in split(text, units) if isinstance(piece, Missing)]


def _clauses(text: str) -> list[tuple[list[str], str]]:
    """Lowercase words of each clause, with the punctuation that ends it ('' at the end)."""
    out: list[tuple[list[str], str]] = []
    words: list[str] = []
    for token in _TOKEN.findall(text.casefold()):
        if _WORD.fullmatch(token):
            words.append(token)
        else:
            out.append((words, token))
            words = []
    out.append((words, ""))
    return [(w, mark) for w, mark in out if w]
