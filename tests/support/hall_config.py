"""A small hall for tests: two zones, open around the clock, every token known."""

from __future__ import annotations

TEST_CONFIG = """
[site]
name = "MPP Uji"
timezone = "Asia/Makassar"
running_text = "Selamat datang di MPP Uji"

[security]
admin_token = "admin-secret-token"
issue_rate_per_minute = 10000

[queue]
priority_every = 3
recall_limit = 3

[[zones]]
id = "lantai1"
name = "Lantai 1"

[[zones]]
id = "lantai2"
name = "Lantai 2"

[[agencies]]
id = "dukcapil"
name = "Dinas Kependudukan dan Pencatatan Sipil"
short_name = "Dukcapil"
booth = "Gerai Dukcapil"

[[agencies]]
id = "bpjs-kes"
name = "BPJS Kesehatan"
booth = "Gerai BPJS Kesehatan"

[[services]]
id = "ktp"
name = "KTP Elektronik"
agency = "dukcapil"
prefix = "A"

[[services]]
id = "kk"
name = "Kartu Keluarga"
agency = "dukcapil"
prefix = "B"

[[services]]
id = "jkn"
name = "Kepesertaan JKN"
agency = "bpjs-kes"
prefix = "C"

[[services]]
id = "kuota"
name = "Layanan Berkuota"
agency = "dukcapil"
prefix = "Q"
daily_quota = 2

{counters}

[[screens]]
id = "tv1"
zone = "lantai1"
layout = "standard"
audio = true
title = "Lantai 1"

[[screens]]
id = "tv1-grid"
zone = "lantai1"
layout = "grid"

[[screens]]
id = "tv2"
zone = "lantai2"
layout = "standard"
"""

COUNTER_TEMPLATE = """
[[counters]]
id = "{id}"
name = "{name}"
services = {services}
zone = "{zone}"
token = "token-{id}"
"""


def counter_id(i: int) -> str:
    return f"loket-{i}"


def test_config_text(counters: int = 4, extra: str = "") -> str:
    """Counters 1..n: odd ones on lantai1 serving ktp+kk, even ones on lantai2 serving jkn+kuota.

    `loket-1` and `loket-2` are always as described; tests that need more counters ask for them.
    """
    blocks = []
    for i in range(1, counters + 1):
        lantai1 = i % 2 == 1
        blocks.append(
            COUNTER_TEMPLATE.format(
                id=counter_id(i),
                name=f"Loket {i}",
                services='["ktp", "kk"]' if lantai1 else '["jkn", "kuota"]',
                zone="lantai1" if lantai1 else "lantai2",
            )
        )
    return TEST_CONFIG.replace("{counters}", "".join(blocks)) + extra


def token_for(counter: str) -> str:
    return f"token-{counter}"


test_config_text.__test__ = False  # a helper, not a test, despite its name


def loopback_hall(config_text: str, connections: int = 5000) -> str:
    """The config with its connection caps lifted: a load generator's clients share one address."""
    caps = f"max_connections = {connections}\nmax_websockets_per_address = {connections}\n"
    return config_text.replace("[security]\n", f"[security]\n{caps}", 1)
