"""The ingest pipeline as stage services, in the documented order (docs/architecture.md).

Public surface: ``IngestPipeline`` (``build`` from settings, ``ingest``, ``ingest_encoded``), the
services it chains (``AnalyseService``, ``EncodeService``, ``ClassifyService``, ``GroupService``,
``WriteService``, ``TraceService``, ``NarrateService``, ``FactCheckMatcher``), ``IngestReport``
and ``Progress``. Each service takes its collaborators and its settings section in its
constructor; an ``EncodedArticle`` (``narratrace.model``) is what passes between them.
"""
from __future__ import annotations

from .analyse import AnalyseService
from .classify import ClassifyService
from .encode import EncodeService
from .factchecks import FactCheckMatcher
from .group import GroupService
from .narrate import NarrateService
from .report import IngestReport, Progress
from .run import IngestPipeline
from .trace import TraceService
from .write import WriteService

__all__ = ["AnalyseService", "ClassifyService", "EncodeService", "FactCheckMatcher", "GroupService",
           "IngestPipeline", "IngestReport", "NarrateService", "Progress", "TraceService", "WriteService"]
