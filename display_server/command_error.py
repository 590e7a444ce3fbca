"""The one exception the write path raises for a refused command."""

from __future__ import annotations


class CommandError(Exception):
    """A command refused by the rules or by its input. Nothing was changed.

    `code` is one of the contract's error codes; `message` is English, for logs and API clients.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
