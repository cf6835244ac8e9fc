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


def test_settings_sections_are_typed_and_match_the_file():
    import dataclasses
    import tomllib

    from narratrace.settings import SECTIONS

    values = tomllib.loads((PACKAGE_DIR / "defaults.toml").read_text("utf-8"))
    s = Settings()
    assert set(values) == set(SECTIONS)
    for name, cls in SECTIONS.items():
        assert {f.name for f in dataclasses.fields(cls)} == set(values[name]), name
        assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(cls)), f"{name}: a default in code"
        assert dataclasses.asdict(getattr(s, name)) == values[name]
    assert s.stories.join_threshold == values["stories"]["join_threshold"]


def test_settings_no_constructor_drops_unknown_keywords():
    """scikit-learn style: parameters are explicit, so a misspelt one is an error, never ignored."""
    import ast

    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__" and node.args.kwarg is not None:
                offenders.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}")
    assert not offenders, offenders


def test_settings_stage_defaults_come_from_the_file():
    import inspect

    from narratrace.group.narratives import NarrativeTracker
    from narratrace.group.stories import StoryGrouper
    from narratrace.text import TextPipeline

    for cls, keys in [(StoryGrouper, ("ann_k", "max_candidates", "join_threshold")),
                      (NarrativeTracker, ("join_threshold",))]:
        params = inspect.signature(cls).parameters
        assert all(params[k].default is inspect.Parameter.empty for k in keys), cls
    assert TextPipeline().max_passage_chars == Settings().text.max_passage_chars


def test_settings_refuse_a_key_the_encoder_does_not_use():
    from narratrace.embed import encoder_from_settings

    cfg = Settings.load(None, encoder={"backend": "hashing", "model": "/some/model"}).encoder
    with pytest.raises(ConfigError, match="does not load a model folder"):
        encoder_from_settings(cfg)
    with pytest.raises(ConfigError, match="must be one of passage, query"):
        Settings.load(None, factchecks={"encode_as": "document"})
