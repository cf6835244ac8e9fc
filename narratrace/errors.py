"""Every message narratrace shows a user lives here, with a code and a hint.

The library raises these; it never prints. The CLI maps them to exit codes,
the web app to HTTP statuses (see ``NarratraceError.status``).
"""
from __future__ import annotations


class NarratraceError(Exception):
    """Base class: ``code`` is stable for scripts, ``hint`` tells the user what to do."""

    code = "E000"
    status = 500
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(NarratraceError):
    """A file or record could not be read. Names the file and, when known, the line."""

    code = "E100"
    status = 400
    exit_code = 2

    def __init__(self, path: str, message: str, line: int | None = None, hint: str | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint)


class InputWarning(NarratraceError):
    """A value of a record that could not be trusted and was repaired or dropped; the record was stored.

    Names the file, the line and the field, like ``InputError``; never changes the exit code."""

    code = "W100"
    status = 200
    exit_code = 0

    def __init__(self, path: str, message: str, line: int | None = None, hint: str | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint)


class ConfigError(NarratraceError):
    code = "E200"
    status = 500
    exit_code = 3


class StoreError(NarratraceError):
    code = "E300"
    status = 500
    exit_code = 4


class StoreFull(StoreError):
    """The disk (or the database's quota) is full: the run stopped; batches committed before are kept."""

    code = "E301"
    exit_code = 7


class IndexNotSaved(StoreError, OSError):
    """The ANN index file could not be written (disk full, a folder in its place). Nothing is lost: the
    index is a cache, rebuilt from the database on the next open. An ``OSError`` too, so code that treats
    a failed cache write as harmless (``Narratrace.close``) goes on."""

    code = "E302"


class NotFound(NarratraceError):
    code = "E404"
    status = 404
    exit_code = 5


class EncoderError(NarratraceError):
    code = "E500"
    status = 500
    exit_code = 6
