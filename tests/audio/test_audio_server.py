"""The real server announces through `audio.Announcer`: the call event's WAV is served."""

from __future__ import annotations

import io
import wave

import httpx
import pytest

from tests.support.clients import CounterConnection, ScreenConnection, issue

pytestmark = pytest.mark.audio


async def test_a_call_event_points_at_a_playable_wav(server) -> None:  # type: ignore[no-untyped-def]
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1, CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
        call = (await tv1.next("call"))["call"]
    assert call["text"] == "Nomor antrean a satu, silakan menuju loket satu."
    assert call["audio"].startswith("/audio/") and call["audio"].endswith(".wav")
    async with httpx.AsyncClient() as client:
        response = await client.get(server.url + call["audio"], timeout=30)
    assert response.status_code == 200
    with wave.open(io.BytesIO(response.content)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, 22050)
        assert f.getnframes() > 22050
