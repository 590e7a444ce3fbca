"""The real server with a voice pack beside its config file and the call in two languages: the
call event's WAV at /audio/{key}.wav is made of the pack's clips, then the English call."""

from __future__ import annotations

import io
import wave
from array import array
from pathlib import Path

import httpx
import pytest

from tests.audio.voice_pack import named, segments, tone_pack
from tests.support.clients import CounterConnection, ScreenConnection, issue
from tests.support.hall_config import test_config_text

pytestmark = pytest.mark.audio

TONES = {"nomor antrean": 300.0, "a": 350.0, "satu": 400.0, "silakan menuju": 450.0, "loket satu": 500.0}
CHIME_SECONDS = 1.75  # the ding-dong and the short silence after it


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The test hall, its voice pack in the folder `suara` next to the config file."""
    hall = tmp_path / "hall"
    tone_pack(hall / "suara", TONES)
    path = hall / "antrian.toml"
    voice = '\n[voice]\npack = "suara"\nlanguages = ["id", "en"]\n'
    path.write_text(test_config_text(counters=4, extra=voice), encoding="utf-8")
    return path


async def test_the_call_is_spoken_from_the_halls_clips_then_in_english(server) -> None:  # type: ignore[no-untyped-def]
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1, CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
        call = (await tv1.next("call"))["call"]
    assert call["text"] == "Nomor antrean a satu, silakan menuju loket satu."  # the screens stay Indonesian
    async with httpx.AsyncClient() as client:
        response = await client.get(server.url + call["audio"], timeout=30)
    assert response.status_code == 200
    with wave.open(io.BytesIO(response.content)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getcomptype()) == (1, 2, 22050, "NONE")
        f.readframes(int(CHIME_SECONDS * 22050))
        speech = array("h", f.readframes(f.getnframes()))
    # The Indonesian call clip by clip, then "Queue number ay one, please proceed to counter one." by eSpeak NG
    assert named(segments(speech), TONES) == ["nomor antrean", "a", "satu", "silakan menuju", "loket satu", "<speech>"]
