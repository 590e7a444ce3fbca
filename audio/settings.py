"""How the hall's voice speaks: the `[voice]` section of the config file.

The server's config embeds this model as is, so the voice never imports the server's config.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .pack import PackError, read_manifest

PLACEHOLDERS = ("nomor", "tujuan", "layanan", "loket")
LANGUAGES = ("id", "en")
Language = Literal["id", "en"]


def _check_placeholders(value: str) -> str:
    unknown = set(re.findall(r"{(\w*)}", value)) - set(PLACEHOLDERS)
    if unknown:
        raise ValueError(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{nomor}}, {{tujuan}}, {{layanan}} or {{loket}}"
        )
    return value


class English(BaseModel):
    """`[voice.en]`: the call said in English after the Indonesian one (`languages = ["id", "en"]`).

    The same keys as the Indonesian ones, so a template is edited the same way in both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: str | None = None  # eSpeak voice; default "en" with the Indonesian voice's variant ("id+f3" -> "en+f3")
    template: str = "Queue number {nomor}, please proceed to {tujuan}."
    recall_template: str = "Repeat call, queue number {nomor}, please proceed to {tujuan}."
    repeat_joiner: str = "once again"
    dictionary: dict[str, str] = {}

    @field_validator("template", "recall_template")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        return _check_placeholders(value)


class Voice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    voice: str = "id"
    rate: int = Field(default=140, ge=60, le=400)
    pitch: int = Field(default=50, ge=0, le=99)
    volume: float = Field(default=1.0, ge=0.0, le=1.0)
    number_mode: Literal["words", "digits"] = "words"
    zero_word: Literal["nol", "kosong"] = "nol"
    template: str = "Nomor antrean {nomor}, silakan menuju {tujuan}."
    recall_template: str = "Panggilan ulang, nomor antrean {nomor}, silakan menuju {tujuan}."
    repeat: bool = False
    repeat_joiner: str = "sekali lagi"
    destination: Literal["counter", "booth"] = "counter"
    chime: bool = True
    closing_tone: bool = False
    dictionary: dict[str, str] = {}
    languages: tuple[Language, ...] = ("id",)  # said in this order; the screens show the Indonesian sentence
    en: English = English()
    pack: str | None = None  # a folder of recorded clips; relative to the config file's folder
    pack_gap_ms: int = Field(default=60, ge=0, le=1000)
    pack_crossfade_ms: int = Field(default=10, ge=0, le=100)
    pack_fallback: Literal["word", "sentence"] = "word"

    @field_validator("template", "recall_template")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        return _check_placeholders(value)

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError('at least one language: ["id"], ["id", "en"] or ["en"]')
            unknown = [v for v in value if v not in LANGUAGES]
            if unknown:
                raise ValueError(f'unknown language {unknown[0]!r}; use "id" (Indonesian) or "en" (English)')
            if len(set(value)) != len(value):
                raise ValueError("a language is listed twice")
        return value

    @field_validator("pack")
    @classmethod
    def _pack(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A relative folder is the config file's neighbour (the loader passes `config_dir`);
        the folder must hold a readable manifest.toml, so a typo never passes silently."""
        if value is None:
            return None
        folder = Path(value).expanduser()
        base = (info.context or {}).get("config_dir")
        if not folder.is_absolute() and base is not None:
            folder = Path(base) / folder
        try:
            read_manifest(folder)
        except PackError as exc:
            raise ValueError(str(exc)) from exc
        return str(folder.resolve())
