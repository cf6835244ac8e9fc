"""docs/reliability.md's attack table is checked, Datasette style: every defect of issue 16 has a row,
and every test a row names exists (so the table cannot point at a test that was renamed or removed)."""
from __future__ import annotations

import ast
import re

from .conftest import REPO

DOC = REPO / "docs" / "reliability.md"
DEFECTS = [f"H{i}" for i in range(1, 4)] + [f"M{i}" for i in range(1, 9)] + [f"L{i}" for i in range(1, 14)]


def _tests_in(path: str) -> set[str]:
    tree = ast.parse((REPO / path).read_text("utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def _named_tests(text: str) -> list[tuple[str, str]]:
    """(file, test) pairs: ``tests/x.py::test_a`` and the bare ``test_b`` names after it in the same cell
    (a trailing ``*`` names every test with that prefix)."""
    found = []
    for cell in text.split("|"):
        current = None
        for m in re.finditer(r"`(tests/[\w/]+\.py)(?:::(test_\w+\*?))?[^`]*`|`(test_\w+\*?)[^`]*`", cell):
            if m.group(1):
                current = m.group(1)
                if m.group(2):
                    found.append((current, m.group(2)))
            elif current is not None:
                found.append((current, m.group(3)))
    return found


def test_attack_table_has_a_row_for_every_defect_and_its_tests_exist():
    text = DOC.read_text("utf-8")
    rows = {m.group(1) for m in re.finditer(r"^\| (H\d+|M\d+|L\d+) \|", text, re.M)}
    assert rows == set(DEFECTS), sorted(set(DEFECTS) ^ rows)
    named = _named_tests(text)
    assert len(named) >= len(DEFECTS)
    missing = [f"{f}::{t}" for f, t in named  # "test_arbitrary_*" names every test with that prefix
               if not (any(n.startswith(t[:-1]) for n in _tests_in(f)) if t.endswith("*") else t in _tests_in(f))]
    assert not missing, missing
