"""Test support for narratrace and for plugin authors: the contract checks of every seam
(``narratrace.testing.contracts``) and ``registered``, which puts a component in a registry for the
length of a ``with`` block."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import registry

__all__ = ["registered"]


@contextmanager
def registered(kind: str, name: str, component: Any) -> Iterator[Any]:
    """``with registered("readers", "docx", read_docx): ...``: registered inside the block only, so a test's
    plugin never leaks into the names other tests see."""
    reg = registry.KINDS[kind]
    reg.register(name, component)
    try:
        yield component
    finally:
        reg.unregister(name)
