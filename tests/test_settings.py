"""Settings: every default is documented in place, user files layer on top, typos are errors."""
from __future__ import annotations

import re

import pytest

from narratrace.errors import ConfigError
from narratrace.paths import PACKAGE_DIR
from narratrace.settings import Settings


def test_settings_every_default_has_a_comment():
    lines = (PACKAGE_DIR / "defaults.toml").read_text("utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_]+ = ", line):
            j = i - 1
            while j >= 0 and re.match(r"^[a-z_]+ = ", lines[j]):
                j -= 1  # keys grouped under one comment
            assert j >= 0 and lines[j].startswith("#"), f"defaults.toml: {line!r} has no comment"


def test_settings_user_file_overrides_and_rejects_typos(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[stories]\njoin_threshold = 0.55\n")
    assert Settings.load(good).stories.join_threshold == 0.55
    bad = tmp_path / "bad.toml"
    bad.write_text("[stories]\njoin_treshold = 0.55\n")
    with pytest.raises(ConfigError, match="unknown key 'join_treshold'"):
        Settings.load(bad)


def test_settings_db_path_order(monkeypatch):
    s = Settings()
    monkeypatch.delenv("NARRATRACE_DB", raising=False)
    assert s.db_path() == "narratrace.db"
    monkeypatch.setenv("NARRATRACE_DB", "/tmp/x.db")
    assert s.db_path() == "/tmp/x.db" and s.db_path("given.db") == "given.db"
