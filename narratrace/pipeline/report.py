"""What an ingest run did, and how it reports progress."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, InputWarning, StoreError

#: progress callback: (what, done, total); total may be 0 when unknown
Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What an ingest run did. ``ok`` is False when any file or record failed."""

    ingested: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: copy id -> the article that had its text first (another id): stored as well, counted in ``ingested``
    #: (or ``updated``), and linked to that article as ``copy`` (docs/ingest.md)
    copies: dict[str, str] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    #: values repaired or dropped at the input boundary (an impossible date, a lone surrogate); stored anyway
    warnings: list[InputWarning] = field(default_factory=list)
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)
    #: why the run stopped before the end (the disk is full); what is listed above was committed
    stopped: StoreError | None = None
    #: id -> content hash of every record met in this run, across batches (the first one of an id wins)
    seen_ids: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {"files": self.files, "ingested": len(self.ingested), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "copies": len(self.copies),
                "skipped_files": len(self.skipped_files), "errors": len(self.errors),
                "warnings": len(self.warnings)}
