"""The config file: the demo hall is valid; every mistake is named by file, field path and problem."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from display_server.cli import main
from display_server.config import ConfigError, demo_config_path, demo_config_text, load_config, parse_config
from tests.support.hall_config import test_config_text


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="hall.toml")
    return caught.value.problems


def test_the_demo_models_a_real_mall_of_public_services():
    config = load_config(demo_config_path())
    assert config.site.timezone == "Asia/Makassar"
    assert len(config.agencies) >= 8
    assert len(config.services) >= 12
    assert len(config.counters) >= 20
    assert {c.zone for c in config.counters} == {"lantai1", "lantai2"}
    assert len(config.screens) >= 2
    assert {s.layout for s in config.screens} == {"standard", "grid", "media"}


def test_every_counter_serves_known_services_and_every_service_has_a_counter():
    config = load_config(demo_config_path())
    served = {s for c in config.counters for s in c.services}
    assert served == {s.id for s in config.services}


def test_an_unknown_reference_names_its_field_path():
    text = test_config_text().replace('services = ["jkn", "kuota"]', 'services = ["jkn", "paspor"]', 1)
    assert problems_of(text) == ["hall.toml: counters.1.services.1: unknown service 'paspor'"]


def test_a_misspelt_key_is_an_error_not_ignored():
    text = test_config_text().replace('layout = "grid"', 'layuot = "grid"')
    assert problems_of(text) == ["hall.toml: screens.1.layuot: unknown field (check its spelling)"]


def test_several_problems_are_reported_at_once():
    text = (
        test_config_text()
        .replace('prefix = "B"', 'prefix = "b1"')
        .replace('timezone = "Asia/Makassar"', 'timezone = "Asia/Bali"')
    )
    problems = problems_of(text)
    assert "hall.toml: services.1.prefix: must be 1-3 capital letters A-Z" in problems
    assert any(p.startswith("hall.toml: site.timezone: unknown time zone 'Asia/Bali'") for p in problems)


def test_duplicate_ids_and_prefixes_are_refused():
    text = test_config_text().replace('prefix = "C"', 'prefix = "A"').replace('id = "tv2"', 'id = "tv1"')
    problems = problems_of(text)
    assert "hall.toml: services.2.prefix: 'A' is already used by service 'ktp'" in problems
    assert "hall.toml: screens.2.id: duplicate id 'tv1'" in problems


def test_a_missing_required_field():
    text = test_config_text().replace('admin_token = "admin-secret-token"', "")
    assert problems_of(text) == ["hall.toml: security.admin_token: required field is missing"]


def test_broken_toml_says_where():
    [problem] = problems_of("[site\nname = 1")
    assert problem.startswith("hall.toml: not valid TOML:") and "line 1" in problem


def test_a_template_with_an_unknown_placeholder_is_refused():
    text = test_config_text(extra='\n[voice]\ntemplate = "Nomor {nomer}"\n')
    assert problems_of(text) == [
        "hall.toml: voice.template: unknown placeholder {nomer}; use {nomor}, {tujuan}, {layanan} or {loket}"
    ]


def test_check_config_exits_0_on_a_valid_file(tmp_path):
    path = tmp_path / "antrian.toml"
    path.write_text(demo_config_text())
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 0
    assert "valid" in result.output


def test_check_config_exits_2_with_one_line_per_problem(tmp_path):
    path = tmp_path / "antrian.toml"
    path.write_text(test_config_text().replace('zone = "lantai2"\n', 'zone = "lantai9"\n'))
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines and all(line.startswith(f"{path}: ") and "unknown zone 'lantai9'" in line for line in lines)


def test_check_config_on_a_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["check-config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "cannot read file" in result.output


def test_demo_config_prints_a_valid_starting_point():
    result = CliRunner().invoke(main, ["demo-config"])
    assert result.exit_code == 0
    assert parse_config(result.output).site.name.startswith("Mal Pelayanan Publik")


def test_every_kind_of_reference_is_checked():
    text = (
        test_config_text()
        .replace('agency = "bpjs-kes"', 'agency = "bpjs"')
        .replace('layout = "grid"', 'layout = "grid"\ncounters = ["loket-1", "loket-9"]\nservices = ["paspor"]')
        + '\n[[kiosks]]\nid = "k1"\nname = "Kiosk"\nagencies = ["imigrasi"]\n'
    )
    assert problems_of(text) == [
        "hall.toml: services.2.agency: unknown agency 'bpjs'",
        "hall.toml: screens.1.counters.1: unknown counter 'loket-9'",
        "hall.toml: screens.1.services.0: unknown service 'paspor'",
        "hall.toml: kiosks.0.agencies.0: unknown agency 'imigrasi'",
    ]


def test_the_readme_documents_every_config_key():
    """Every key of every section, nested ones included, is in the README's reference."""
    import re
    import typing
    from pathlib import Path

    from pydantic import BaseModel

    from display_server.config import Config

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`\[*([a-z_.]+)\]*", reference)) | set(re.findall(r"[{,] ?([a-z_]+) =", reference))
    documented = {name.rsplit(".", 1)[-1] for name in documented}

    def models(annotation) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in models(arg)]

    missing, seen, todo = [], set(), [Config]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            if name not in documented:
                missing.append(f"{model.__name__}.{name}")
            todo += models(field.annotation)
    assert missing == []
