"""Language modules, found by ISO 639-1 code like spaCy's ``get_lang_class``; the one source of language knowledge.

``get_lang("fa")`` returns the defaults class of a language, looked up in this order:

1. a language registered with ``narratrace.registry.languages`` (in code, ``registry.languages.register("zz")``
   on a ``BaseDefaults`` subclass, or by another package through the entry-point group ``narratrace.languages``);
2. the built-in module ``narratrace.text.lang.<code>`` (its ``LANGUAGE`` class);
3. for a right-to-left language without a module (``xx.RIGHT_TO_LEFT``), the fallback with ``direction = "rtl"``;
4. the fallback ``xx``.

Every stage reads language knowledge from here: ``direction(code)`` (the web app's ``dir``),
``phrases(slot, reason)`` (the "source line" labels the trace stage reads), the sentence,
boilerplate, month and folding slots of ``base.BaseDefaults`` (``text.months`` makes one month
table of them). Lookups are cached; registering or
unregistering a language drops every cache made with ``language_cache``.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from functools import cache, lru_cache, update_wrapper
from typing import Generic, ParamSpec, TypeVar

from ... import registry
from ...errors import ConfigError
from .base import SLOTS, BaseDefaults
from .xx import RIGHT_TO_LEFT, MultiLanguage

_CODE = re.compile(r"^[a-z]{2,3}$")
_TAG_SEPARATOR = re.compile(r"[-_]")
P = ParamSpec("P")
T = TypeVar("T")


class language_cache(Generic[P, T]):  # noqa: N801 - used as a decorator, like functools.lru_cache
    """``functools.lru_cache`` that forgets everything when ``registry.languages`` changes.

    For anything built from language classes (compiled rules, fold tables, month tables): a language
    registered after the first lookup must be seen, and unregistering it must undo that.
    """

    def __init__(self, fn: Callable[P, T]) -> None:
        self._cached = lru_cache(maxsize=None)(fn)
        self._seen: tuple[object, int] | None = None
        update_wrapper(self, fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        languages = registry.languages
        if self._seen is None or self._seen[0] is not languages or self._seen[1] != languages.generation:
            self._cached.cache_clear()
            self._seen = (languages, languages.generation)
        return self._cached(*args, **kwargs)  # type: ignore[arg-type]

    def cache_clear(self) -> None:
        self._cached.cache_clear()


def _registered(code: str) -> type[BaseDefaults] | None:
    """The class registered under ``code`` (in code or by an entry point), checked; None if there is none."""
    languages = registry.languages
    if code not in languages.names():
        return None
    cls = languages.get(code)
    if not (isinstance(cls, type) and issubclass(cls, BaseDefaults)):
        raise ConfigError(f"the language registered as {code!r} is {cls!r}, not a language class",
                          hint="register a subclass of narratrace.text.lang.base.BaseDefaults")
    if cls.lang != code:
        raise ConfigError(f"the language registered as {code!r} says lang = {cls.lang!r}",
                          hint=f"set lang = {code!r} in {cls.__name__}, or register it under {cls.lang!r}")
    return cls


@cache
def _right_to_left(code: str) -> type[BaseDefaults]:
    """The fallback defaults for a right-to-left language that has no module yet."""
    name = RIGHT_TO_LEFT[code]
    return type(name.title().replace(" ", ""), (MultiLanguage,),
                {"lang": code, "name": name, "direction": "rtl", "__module__": MultiLanguage.__module__,
                 "__doc__": f"{name}: the fallback defaults, written right to left."})


@language_cache
def get_lang(code: str | None) -> type[BaseDefaults]:
    """The defaults class for ``code`` (order in the module docstring); ``xx`` when nothing knows it."""
    if code:
        cls = _registered(code)
        if cls is not None:
            return cls
        if _CODE.match(code) and code != "base":
            try:
                module = importlib.import_module(f"{__name__}.{code}")
            except ModuleNotFoundError as e:  # only "no such module"; a broken module should fail loudly
                if e.name != f"{__name__}.{code}":
                    raise
            else:
                if hasattr(module, "LANGUAGE"):
                    language: type[BaseDefaults] = module.LANGUAGE
                    return language
        if code in RIGHT_TO_LEFT:
            return _right_to_left(code)
    return MultiLanguage


def available_languages() -> list[str]:
    """Codes with a module of their own (plus ``xx``) or registered with ``registry.languages``."""
    modules = {m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"}
    return sorted(modules | set(registry.languages.names()))


def direction(code: str | None) -> str:
    """"rtl" or "ltr" for a language tag ("fa", "fa-IR", "AR", None), read from that language's defaults
    (as spaCy's displaCy reads ``writing_system["direction"]``)."""
    base = _TAG_SEPARATOR.split((code or "").strip(), maxsplit=1)[0].lower()
    return get_lang(base or None).direction


@language_cache
def phrases(slot: str, reason: str) -> tuple[str, ...]:
    """Every language's phrases for ``reason`` in a (reason, phrases) slot, in natural spelling, each once:
    ``phrases("meta_prefixes", "source line")`` gives "Source:", "المصدر:", "منبع:", "Sumber:" ..."""
    if slot not in SLOTS or not slot.endswith("_prefixes"):
        raise ConfigError(f"{slot!r} is not a phrase slot of the language modules",
                          hint="use boilerplate_prefixes or meta_prefixes")
    found: dict[str, None] = {}
    for code in available_languages():
        for why, words in getattr(get_lang(code), slot):
            if why == reason:
                found.update(dict.fromkeys(words))
    return tuple(found)


__all__ = ["BaseDefaults", "available_languages", "direction", "get_lang", "language_cache", "phrases"]
