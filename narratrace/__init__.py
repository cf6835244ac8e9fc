"""narratrace: trace news stories and narratives across languages and outlets.

The documented entry point is ``Narratrace`` (see ``narratrace.api``).
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Narratrace", "Settings", "__version__"]


def __getattr__(name: str):  # lazy: `import narratrace` stays cheap for the CLI's --help
    if name == "Narratrace":
        from .api import Narratrace
        return Narratrace
    if name == "Settings":
        from .settings import Settings
        return Settings
    raise AttributeError(name)
