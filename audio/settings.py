"""How the hall's voice speaks: the `[voice]` section of the config file.

The server's config embeds this model as is, so the voice never imports the server's config.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PLACEHOLDERS = ("nomor", "tujuan", "layanan", "loket")


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

    @field_validator("template", "recall_template")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        unknown = set(re.findall(r"{(\w*)}", value)) - set(PLACEHOLDERS)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{nomor}}, {{tujuan}}, {{layanan}} or {{loket}}"
            )
        return value
