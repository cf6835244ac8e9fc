"""Small modules: no module of the package over 400 lines, the facade (``api.py``) at most 250.

The facade opens things and answers queries; its logic lives in the stages (docs/architecture.md). When
this fails, move the new logic into the stage it belongs to and leave one delegating line here."""
from __future__ import annotations

from pathlib import Path

import narratrace

PACKAGE = Path(narratrace.__file__).resolve().parent
LIMITS = {"api.py": 250}
DEFAULT_LIMIT = 400


def test_no_module_over_its_limit():
    too_long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        n = len(path.read_text("utf-8").splitlines())
        if n > LIMITS.get(rel, DEFAULT_LIMIT):
            too_long[rel] = n
    limits = f"api.py {LIMITS['api.py']}, others {DEFAULT_LIMIT}"
    assert not too_long, f"modules over their line limit ({limits}): {too_long}"
