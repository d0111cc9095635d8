"""alliance-analyzer: therapeutic-alliance markers in consented session transcripts."""

from __future__ import annotations

from analyzer.labels import LABELS
from analyzer.pipeline import (
    AnalyzeOptions,
    AnalyzeResult,
    analyze_paths,
    analyze_session,
    score,
)
from analyzer.readers import read_path
from analyzer.session import Annotation, ConsentRecord, Session, Utterance

__version__ = "0.1.0"

__all__ = [
    "LABELS",
    "AnalyzeOptions",
    "AnalyzeResult",
    "Annotation",
    "ConsentRecord",
    "Session",
    "Utterance",
    "__version__",
    "analyze_paths",
    "analyze_session",
    "read_path",
    "score",
]
