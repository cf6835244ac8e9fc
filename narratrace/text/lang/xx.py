"""Fallback for languages without their own module: the base defaults as they are."""
from __future__ import annotations

from .base import BaseDefaults


class MultiLanguage(BaseDefaults):
    lang = "xx"


LANGUAGE = MultiLanguage
