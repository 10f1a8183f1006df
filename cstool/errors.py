"""Errors the CLI turns into one clear line instead of a traceback."""

from __future__ import annotations

from pathlib import Path


class CstoolError(Exception):
    """An error the user can act on; ``main()`` prints it as one line."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class BadInput(CstoolError):
    """Bad input from the user (a file, an option, a value): exit code 2, nothing written."""

    exit_code = 2
