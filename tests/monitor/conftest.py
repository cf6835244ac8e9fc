"""The monitor tests poll the local news site of the collect tests: its fixtures, imported rather than copied."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_collect_site", Path(__file__).parents[1] / "collect" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_site)

site = _site.site
hashing_settings = _site.hashing_settings
