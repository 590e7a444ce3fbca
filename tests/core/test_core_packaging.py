"""Installed, Antrian's import names cannot collide with a user's files."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
INSTALLED_AS = {
    "display_server": "display_server",
    "display_server.screens": "screens",
    "antrian_voice": "audio",
    "counter_client": "counter_client",
}


def setuptools_section() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_installed():
    listed = set(setuptools_section()["packages"])
    mapping = setuptools_section()["package-dir"]
    folders = set()
    for package, folder in INSTALLED_AS.items():
        base = ROOT / mapping.get(package, folder)
        folders |= {".".join([package, *init.parent.relative_to(base).parts]) for init in base.rglob("__init__.py")}
    assert folders == listed


@pytest.mark.slow
def test_the_wheel_has_no_generic_top_level_names(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(tmp_path)],
        check=True,
        cwd=tmp_path,
    )
    [wheel] = tmp_path.glob("antrian-*.whl")
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist() if not name.startswith("antrian-")}
    assert top_level == {"display_server", "antrian_voice", "counter_client"}
    assert any(name.startswith("display_server/screens/static/") for name in zipfile.ZipFile(wheel).namelist())


def test_the_server_starts_from_a_folder_holding_screens_py_and_audio_py(tmp_path, config_file):
    folder = tmp_path / "work"
    folder.mkdir()
    for name in ("screens.py", "audio.py"):
        (folder / name).write_text("raise SystemExit('a user file was imported instead of Antrian')\n")
    server = ServerProcess(config_file, tmp_path / "data", cwd=folder).start()
    try:
        assert httpx.get(f"{server.url}/kiosk").status_code == 200
        assert httpx.get(f"{server.url}/static/client.js").status_code == 200
    finally:
        server.stop()


def test_the_readme_documents_every_command_and_every_command_is_registered():
    from display_server.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `antrian ([a-z-]+)", readme, re.M))
    assert documented == set(main.commands)


def test_the_readme_documents_every_option_of_every_command():
    """Each command's row in the README's command table names each of its options (and its
    subcommands' options): an option nobody can find is an option nobody uses."""
    import click

    from display_server.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `antrian ([a-z-]+).*$", readme, re.M)}
    missing = []
    for name, command in main.commands.items():
        commands = list(command.commands.values()) if isinstance(command, click.Group) else [command]
        for each in commands:
            for param in each.params:
                if isinstance(param, click.Option) and not param.hidden:
                    flag = max(param.opts, key=len)
                    if flag != "--help" and flag not in rows.get(name, ""):
                        missing.append(f"antrian {name} {flag}")
    assert missing == []
