"""Language modules, found by ISO 639-1 code like spaCy's ``get_lang_class``.

``get_lang("fa")`` imports ``narratrace.text.lang.fa`` on first use and returns its ``LANGUAGE``
class; unknown codes get ``xx``. To add a language, add ``<code>.py`` with a subclass of
``BaseDefaults`` assigned to ``LANGUAGE``.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from .base import BaseDefaults

_CODE = re.compile(r"^[a-z]{2,3}$")


@lru_cache(maxsize=None)
def get_lang(code: str | None) -> type[BaseDefaults]:
    """The defaults class for ``code``; ``xx`` when there is no module for it."""
    if code and _CODE.match(code) and code not in {"base"}:
        try:
            module = importlib.import_module(f"{__name__}.{code}")
        except ModuleNotFoundError as e:  # only "no such module"; a broken module should fail loudly
            if e.name != f"{__name__}.{code}":
                raise
            module = None
        if module is not None and hasattr(module, "LANGUAGE"):
            return module.LANGUAGE
    from .xx import LANGUAGE
    return LANGUAGE


def available_languages() -> list[str]:
    """Codes that have their own module (plus ``xx``)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base")


__all__ = ["BaseDefaults", "available_languages", "get_lang"]
