"""The counter client restates nothing of the wire contract: it takes it from `display_server.contract`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import counter_client
from counter_client import desktop, protocol, texts
from counter_client.oneshot import VERBS
from display_server import contract
from display_server.contract import ACTION_LABELS, ACTIONS, ERRORS, Action

SOURCES = sorted(Path(counter_client.__file__).parent.glob("*.py"))
CONTRACT_NAMES = set(ACTIONS) | set(ERRORS)
CONTRACT_TEXTS = {e.text for e in ERRORS.values()} | set(ACTION_LABELS.values())
OWNED_BY_CONTRACT = {"Backoff", "TicketNumber", "error_text", "missed_messages", "parse_number", "for_pages"}


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def literal_strings(node: ast.AST) -> list[str]:
    """The string constants written directly in a list, tuple, set or dict literal (keys and values)."""
    match node:
        case ast.List(elts=items) | ast.Tuple(elts=items) | ast.Set(elts=items):
            pass
        case ast.Dict(keys=keys, values=values):
            items = [k for k in keys if k is not None] + values
        case _:
            return []
    return [item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_literal_lists_action_names_or_error_codes(path: Path):
    for node in ast.walk(parsed(path)):
        named = [s for s in literal_strings(node) if s in CONTRACT_NAMES]
        assert len(named) < 2, f"{path.name}:{node.lineno} restates the contract: {named}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_contract_text_or_rule_is_written_again(path: Path):
    tree = parsed(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert node.value not in CONTRACT_TEXTS, f"{path.name}:{node.lineno} copies {node.value!r}"
            assert node.value != "prev_seq", f"{path.name}:{node.lineno} checks prev_seq itself"
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            assert node.name not in OWNED_BY_CONTRACT, f"{path.name}:{node.lineno} defines its own {node.name}"


def test_every_contract_error_renders_to_its_contract_text():
    for code, error in ERRORS.items():
        assert texts.error_text(code) == error.text
    assert texts.error_text("something_new", "the server's words") == "the server's words"


def test_the_counter_uses_the_contract_objects_themselves():
    assert protocol.ACTIONS is contract.ACTIONS and protocol.FATAL_CODES is contract.FATAL_CODES
    assert texts.error_text is contract.error_text


def test_every_contract_action_has_a_key_a_button_label_and_a_cli_verb():
    assert set(desktop.SHORTCUTS) == set(desktop.HINTS) == set(Action) == set(ACTION_LABELS)
    assert sorted(VERBS.values()) == sorted(Action)
    assert VERBS["next"] is Action.CALL_NEXT


def test_the_protocol_accepts_exactly_the_contract_actions():
    core = protocol.CounterProtocol("loket-1", "secret")
    for action in Action:
        assert core.submit(action).type == action.value
    with pytest.raises(ValueError):
        core.submit("call_all")
