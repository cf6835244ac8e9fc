"""Stage 1: readers turn files into ``RawArticle`` records (or ``InputError`` values).

Public surface: ``iter_records(paths) -> Iterator[RawArticle | InputError]``,
``list_files(paths) -> (files, skipped)`` for progress bars, and ``read_file``.
Errors are yielded, never raised, so one bad file or record never stops a batch.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..model import RawArticle
from ..registry import readers
from .decode import DEFAULT_MAX_BYTES, check_size
from .values import checked

__all__ = ["EXTENSIONS", "iter_records", "list_files", "read_file", "reader_name"]

#: File extension -> registered reader name. A reader registered under another
#: name (e.g. "docx") is used for files with that extension.
EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
}

Record = RawArticle | InputError


def reader_name(path: Path, names: Iterable[str] | None = None) -> str | None:
    """The reader for a file, by extension (case-insensitive), or None if unknown."""
    ext = path.suffix.lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if ext and ext[1:] in (readers.names() if names is None else names):
        return ext[1:]
    return None


def list_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Path]]:
    """(files to read, files skipped): folders walked recursively in name order.

    Within a folder its files come first, then each subfolder in turn.
    Hidden files and folders (names starting with a dot) met while walking and files
    with an unknown extension are skipped; a hidden folder counts once, unwalked.
    A named path that does not exist stays in ``files`` so that reading it reports
    the error. Each file is listed once.
    """
    names = set(readers.names())
    files: list[Path] = []
    skipped: list[Path] = []
    seen: set[str] = set()
    visited: set[tuple[int, int]] = set()

    def add(path: Path, named: bool = False) -> None:
        key = os.path.normpath(os.path.abspath(path))
        if key in seen:
            return
        seen.add(key)
        # a file named on the command line is read (or its problem reported: unknown type, a FIFO…),
        # never skipped in silence; while walking, unknown types are skipped
        (files if named or reader_name(path, names) is not None else skipped).append(path)

    for given in paths:
        root = Path(given)
        if not root.is_dir():
            if root.exists():
                add(root, named=True)
            else:
                files.append(root)  # missing or a broken link: reading it says so
            continue
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                st = folder.stat()
                if (st.st_dev, st.st_ino) in visited:  # a symlink loop or a folder named twice
                    continue
                visited.add((st.st_dev, st.st_ino))
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                files.append(folder)  # unreadable folder: reading it reports why
                continue
            subfolders = []
            for entry in entries:
                path = folder / entry.name
                if entry.name.startswith("."):
                    skipped.append(path)
                elif _is_dir(entry):
                    subfolders.append(path)
                elif _is_file(entry):
                    add(path)
                else:
                    skipped.append(path)
            # a folder's files first, then its subfolders depth-first, all in name order
            stack.extend(reversed(subfolders))
    if skipped and files:  # a hidden file skipped in a walk but also named explicitly is read
        read = {os.path.normpath(os.path.abspath(p)) for p in files}
        skipped = [p for p in skipped if os.path.normpath(os.path.abspath(p)) not in read]
    return files, skipped


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def iter_records(
    paths: Iterable[str | os.PathLike[str]],
    max_file_bytes: int = DEFAULT_MAX_BYTES,
    on_file: Callable[[Path], None] | None = None,
) -> Iterator[Record]:
    """Every record of every file under ``paths``, in a deterministic order.

    ``max_file_bytes`` is ``[ingest] max_file_bytes``; for JSON Lines it limits each
    line instead of the file. ``on_file`` is called as each file is started (for a
    progress bar over ``list_files(paths)[0]``; passing that list back as ``paths``
    avoids walking the folders twice).
    """
    files, _ = list_files(paths)
    for path in files:
        if on_file is not None:
            on_file(path)
        yield from read_file(path, max_file_bytes)


def read_file(path: str | os.PathLike[str], max_file_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Record]:
    """The records of one file through its registered reader; errors are yielded."""
    path = Path(path)
    where = str(path)
    if not path.exists():
        yield InputError(where, "no such file or folder", hint="check the path, or quote it if it has spaces")
        return
    if path.is_dir():
        yield InputError(where, "cannot read the folder", hint="check its permissions")
        return
    kind = _special_kind(path)
    if kind is not None:  # opening a FIFO would wait for a writer forever; a device never ends
        yield InputError(where, f"not a regular file ({kind})", hint="give files, or folders of files")
        return
    found = reader_for(path, where)
    if isinstance(found, InputError):
        yield found
        return
    name, reader = found
    try:
        if getattr(reader, "streams", False):
            with path.open("rb") as stream:
                yield from _checked(path, name, reader(path, stream, max_file_bytes))
            return
        if (err := check_size(path, path.stat().st_size, max_file_bytes)) is not None:
            yield err
            return
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(where, f"cannot read the file: {exc.strerror or exc}")
        return
    yield from _checked(path, name, reader(path, data))


#: compressed files a user may name by mistake, and the command that unpacks each
COMPRESSED = {".gz": "gunzip", ".bz2": "bunzip2", ".xz": "unxz", ".zst": "unzstd", ".zip": "unzip", ".7z": "7z x"}


def _special_kind(path: Path) -> str | None:
    """What a path that is not a regular file is (a FIFO, a socket, a device), or None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # reading it reports why
    for test, kind in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return None


def _checked(path: Path, name: str, records: Iterable[Any]) -> Iterator[Record]:
    """Pass a reader's output on; a reader that raises or yields junk costs one file, not the batch."""
    try:
        for item in records:
            if isinstance(item, RawArticle):
                yield checked(item)  # a plugin reader's record meets the same checks as ours
            elif isinstance(item, InputError):
                yield item
            else:
                yield InputError(str(path), f"reader {name!r} produced {type(item).__name__}, not RawArticle")
    except InputError as err:
        yield err
    except OSError as exc:
        yield InputError(str(path), f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not stop the batch
        yield InputError(str(path), f"reader {name!r} failed: {type(exc).__name__}: {exc}")


def reader_for(path: Path, where: str, unknown_hint: str | None = None) -> tuple[str, Any] | InputError:
    """(reader name, registered reader) for a path by its extension, or the ``InputError`` saying why there is
    none (files and uploads alike); ``unknown_hint`` replaces the hint for an unknown extension."""
    name = reader_name(path)
    if name is None:
        compressed = path.suffix.lower() in COMPRESSED
        hint = unknown_hint or (f"decompress it first ({COMPRESSED[path.suffix.lower()]} {path.name})" if compressed
                                else f"readable: {', '.join(sorted(EXTENSIONS))}")
        return InputError(where, f"unknown file type {path.suffix or '(no extension)'!r}", hint=hint)
    try:
        return name, readers.get(name)
    except ConfigError as exc:
        return InputError(where, f"no reader for {name!r}: {exc.message}", hint=exc.hint)

