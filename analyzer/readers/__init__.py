"""Transcript readers: one module per format, one entry point.

``read_path(path)`` returns the sessions in a file (a table can hold many). ``iter_inputs``
expands folders recursively into the supported files. Every problem raises an
``AllianceInputError`` naming the file and how to fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from analyzer.errors import UnreadablePathError, UnsupportedFormatError
from analyzer.readers._common import (
    ParsedSource,
    RawSegment,
    build_session,
    decode,
    merge_segments,
    parse_clock,
    read_bytes,
)
from analyzer.readers.jsonio import parse_json
from analyzer.readers.subrip import parse_srt
from analyzer.readers.table import parse_table
from analyzer.readers.text import parse_text
from analyzer.readers.vtt import parse_vtt
from analyzer.readers.word import parse_docx
from analyzer.session import Session

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".vtt", ".srt", ".json", ".csv", ".tsv", ".docx")

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ParsedSource",
    "RawSegment",
    "decode",
    "iter_inputs",
    "merge_segments",
    "parse_clock",
    "read_path",
]


def read_path(path: str | Path) -> list[Session]:
    """Read one transcript file into sessions (roles from role words; consent from the file)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(
            f"unsupported file type {suffix or '(none)'!r}", path=path,
            hint=f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
    data = read_bytes(path)
    if suffix == ".docx":
        return [build_session(parse_docx(data, path), path, data)]
    text = decode(data, path)
    parsed: list[ParsedSource]
    if suffix in (".txt", ".md"):
        parsed = [parse_text(text, path)]
    elif suffix == ".vtt":
        parsed = [parse_vtt(text, path)]
    elif suffix == ".srt":
        parsed = [parse_srt(text, path)]
    elif suffix == ".json":
        result = parse_json(text, path, data)
        if isinstance(result, list):
            return result
        parsed = [result]
    else:
        parsed = parse_table(text, path)
    return [build_session(p, path, data) for p in parsed]


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to read: given files as they are, folders searched recursively (sorted)."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not p.name.startswith(".") and not p.name.endswith(".consent.yaml")
                and p.name.lower() != "readme.md"
            )
            if not found:
                raise UnreadablePathError(
                    "folder holds no supported transcript", path=path,
                    hint=f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
                )
            yield from found
        else:
            yield path
