"""The config file turned into typed, validated objects.

    config = load_config(Path("antrian.toml"))

Any problem raises `ConfigError`, whose `problems` are one line each in the form
`file: field.path: what is wrong`, ready to print.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .model import (
    Agency,
    Config,
    Counter,
    CrossReferenceError,
    Schedule,
    Screen,
    Service,
    Voice,
    Zone,
)

__all__ = [
    "DEMO_CONFIG_NAME",
    "Agency",
    "Config",
    "ConfigError",
    "Counter",
    "Schedule",
    "Screen",
    "Service",
    "Voice",
    "Zone",
    "demo_config_path",
    "demo_config_text",
    "load_config",
    "parse_config",
    "uses_demo_tokens",
    "weak_token_warnings",
]

DEMO_CONFIG_NAME = "demo.toml"
DEMO_TOKEN_PREFIX = "demo-"
STRONG_TOKEN_LENGTH = 16


class ConfigError(Exception):
    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = [f"{source}: {p}" for p in problems]
        super().__init__("\n".join(self.problems))


def demo_config_path() -> Path:
    return Path(str(resources.files(__package__).joinpath(DEMO_CONFIG_NAME)))


def demo_config_text() -> str:
    return demo_config_path().read_text(encoding="utf-8")


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from exc
    return parse_config(text, source=str(path), config_dir=path.resolve().parent)


def parse_config(text: str, source: str = "<config>", config_dir: Path | None = None) -> Config:
    """CONFIG_DIR: where relative paths of the file are resolved (the voice pack); default the working folder."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"not valid TOML: {exc}"]) from exc
    try:
        return Config.model_validate(data, context={"config_dir": config_dir or Path.cwd()})
    except ValidationError as exc:
        raise ConfigError(source, _describe(exc)) from exc


def uses_demo_tokens(config: Config) -> bool:
    tokens = [config.security.admin_token] + [c.token for c in config.counters]
    return any(t.startswith(DEMO_TOKEN_PREFIX) for t in tokens)


def weak_token_warnings(config: Config) -> list[str]:
    """One line per non-demo token shorter than `STRONG_TOKEN_LENGTH` (demo tokens have their own warning)."""
    named = [("security.admin_token", config.security.admin_token)]
    named += [(f"counters.{i}.token", c.token) for i, c in enumerate(config.counters)]
    return [
        f"{path}: weak token ({len(token)} characters); use at least {STRONG_TOKEN_LENGTH} random characters"
        for path, token in named
        if len(token) < STRONG_TOKEN_LENGTH and not token.startswith(DEMO_TOKEN_PREFIX)
    ]


def _describe(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, CrossReferenceError):
            problems += cause.problems
            continue
        path = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{path}: {_message(error)}")
    return problems


def _message(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field (check its spelling)"
    if error["type"] == "missing":
        return "required field is missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")
