"""The voice does not import the server: of `display_server` it may use only the wire contract
(`display_server.contract`, a leaf of the standard library). And the worker process does not load
pydantic or the announcer just to speak."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ALLOWED = {"display_server", "display_server.contract"}  # the package itself is an empty __init__


def voice_folder() -> Path:
    spec = importlib.util.find_spec("antrian_voice")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def modules() -> list[str]:
    return ["antrian_voice", *(f"antrian_voice.{m.name}" for m in pkgutil.iter_modules([str(voice_folder())]))]


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Every absolute import anywhere in the module, also inside functions and TYPE_CHECKING."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, str(node.args[0].value)))
    return found


def test_every_module_is_checked() -> None:
    assert {
        "antrian_voice.announcer",
        "antrian_voice.speech",
        "antrian_voice.speaker",
        "antrian_voice.text",
        "antrian_voice.worker",
        "antrian_voice.cli",
    } <= set(modules())


@pytest.mark.parametrize("path", sorted(voice_folder().glob("*.py")), ids=lambda p: p.name)
def test_no_source_imports_the_server(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    bad = [f"{path.name}:{line}: {name}" for line, name in imported_names(tree) if forbidden(name)]
    assert bad == []


def forbidden(name: str) -> bool:
    """The server, but its contract (and names imported from it); the folder's own name `audio`."""
    top = name.split(".")[0]
    if top == "audio":
        return True
    return top == "display_server" and name not in ALLOWED and not name.startswith("display_server.contract.")


GUARD = """
import importlib, sys

ALLOWED = {allowed!r}


class Guard:
    def find_spec(self, name, path=None, target=None):
        if (name == "display_server" or name.startswith("display_server.")) and name not in ALLOWED:
            raise ImportError(f"the voice imported {{name}}")
        return None


sys.meta_path.insert(0, Guard())
importlib.import_module({module!r})
print(sorted(m for m in sys.modules if m.split(".")[0] in ("display_server", "pydantic")))
"""


@pytest.mark.parametrize("module", modules())
def test_importing_a_module_loads_no_server_module(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-P", "-c", GUARD.format(allowed=ALLOWED, module=module)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = [m for m in ast.literal_eval(result.stdout.strip()) if m.startswith("display_server")]
    assert set(loaded) <= ALLOWED


def test_the_worker_and_the_announcer_load_no_pydantic() -> None:
    code = (
        "import sys, antrian_voice, antrian_voice.worker, antrian_voice.announcer, antrian_voice.text; "
        "antrian_voice.Announcer; antrian_voice.Speech; antrian_voice.SpokenCall; antrian_voice.sentence; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'display_server')))"
    )
    result = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ast.literal_eval(result.stdout.strip()) == []
