"""Where packaged data lives (plain paths: works for editable and wheel installs alike)."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"


def cache_dir() -> Path:
    """Per-machine cache: $NARRATRACE_CACHE, else $XDG_CACHE_HOME/narratrace, else ~/.cache/narratrace."""
    env = os.environ.get("NARRATRACE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "narratrace"
