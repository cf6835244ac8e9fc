"""Stage 5: stories (and later narratives) from passage-level evidence.

Public surface: ``StoryGrouper``, ``Side``, ``same_story_score``, ``story_id_for``.
"""
from __future__ import annotations

from .similarity import Side, language_means, pair_features, same_story_score, score_features
from .stories import StoryGrouper, story_id_for

__all__ = ["Side", "language_means", "StoryGrouper", "pair_features", "same_story_score", "score_features",
           "story_id_for"]
