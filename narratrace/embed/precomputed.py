"""An encoder that serves vectors computed elsewhere (on Spark executors), by exact text.

``narratrace batch`` encodes passages in parallel on a cluster, then feeds the
analysed articles to the ordinary ``Narratrace`` pipeline on the driver so that
grouping, tracing and narratives run exactly as in ``narratrace ingest``. That
pipeline asks its encoder for the vectors of each batch's passages; this class
answers from the vectors the executors sent, and passes any text it was not
given (claims matched against fact-checks, a search query) to the real encoder,
loaded only if that happens.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import EncoderError
from .base import Encoder


class PrecomputedEncoder(Encoder):
    """Vectors looked up by passage text, with the identity of the encoder that made them.

    ``identity`` is that encoder's ``{"name", "dim", "vector_space", "model_id"}`` (a store
    refuses vectors from another vector space, so it must be the real one). ``load`` builds
    the real encoder when a text is missing. ``keep`` bounds memory: only the vectors of the
    last ``keep`` ``add`` calls are kept, enough for the articles waiting in one ingest batch.
    """

    def __init__(self, identity: dict[str, Any], load: Callable[[], Encoder], keep: int = 256,
                 batch_size: int = 32) -> None:
        super().__init__(batch_size=batch_size)
        missing = {"name", "dim", "vector_space"} - set(identity)
        if missing:
            raise EncoderError(f"precomputed vectors without encoder {', '.join(sorted(missing))}",
                               hint="the executors must report the encoder that made the vectors")
        self._identity = dict(identity)
        self.name = str(identity["name"])
        self.dim = int(identity["dim"])
        self._load = load
        self._real: Encoder | None = None
        self._keep = max(1, keep)
        #: text -> (vector, generation of the add call that brought it)
        self._vectors: OrderedDict[str, tuple[np.ndarray, int]] = OrderedDict()
        self._generation = 0
        #: texts served from the store of precomputed vectors / computed by the real encoder
        self.served = 0
        self.computed = 0

    @property
    def model_id(self) -> str:
        return str(self._identity.get("model_id") or self.name)

    @property
    def vector_space(self) -> str:
        return str(self._identity["vector_space"])

    @property
    def config(self) -> dict[str, Any]:
        return {"name": self.name, "dim": self.dim}

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Make the vectors of one article's passages available; forgets those of old calls."""
        if len(texts) != len(vectors):
            raise EncoderError(f"{len(texts)} passages but {len(vectors)} vectors",
                               hint="the executor output is inconsistent; please report this as a bug")
        if len(vectors) and vectors.shape[1] != self.dim:
            raise EncoderError(f"vectors of dimension {vectors.shape[1]}, expected {self.dim}",
                               hint="every executor must use the same [encoder] settings")
        self._generation += 1
        for text, vec in zip(texts, vectors):
            self._vectors[text] = (vec, self._generation)
            self._vectors.move_to_end(text)
        oldest = self._generation - self._keep
        while self._vectors:
            first = next(iter(self._vectors.values()))
            if first[1] > oldest:
                break
            self._vectors.popitem(last=False)

    @property
    def real(self) -> Encoder:
        """The real encoder, loaded on first need."""
        if self._real is None:
            self._real = self._load()
            if self._real.vector_space != self.vector_space or self._real.dim != self.dim:
                raise EncoderError(
                    f"the driver's encoder ({self._real.vector_space}, {self._real.dim}-d) differs from the "
                    f"executors' ({self.vector_space}, {self.dim}-d)",
                    hint="give the driver and the executors the same [encoder] settings and narratrace version")
        return self._real

    def encode_passages(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        todo = []
        for i, text in enumerate(texts):
            hit = self._vectors.get(text)
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit[0]
        if todo:
            out[todo] = self.real.encode_passages([texts[i] for i in todo])
        self.served += len(texts) - len(todo)
        self.computed += len(todo)
        if progress is not None:
            progress(len(texts))
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries carry another prefix than passages: never precomputed."""
        texts = list(texts)
        self.computed += len(texts)
        return self.real.encode_queries(texts)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        # encode_passages and encode_queries are overridden; this path is only reached by subclasses
        real = self.real
        return real.encode_queries(texts) if is_query else real.encode_passages(texts)
