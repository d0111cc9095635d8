"""CSV/TSV utterance tables, including the AnnoMI layout.

One row per utterance. Columns are matched by name (case-insensitive):
- text (required): ``utterance_text``, ``text``, ``utterance``, ``transcript``, ``content``
- speaker (required): ``speaker``, ``interlocutor``, ``role``, ``speaker_name``
- session (optional): ``transcript_id``, ``session_id``, ``session``, ``conversation_id``
- utterance id (optional): ``utterance_id``, ``id``, ``turn_id``, ``turn``
- times (optional): ``start``/``timestamp``/``start_time`` and ``end``/``end_time``
A multi-session table yields one session per session id, and that id is the session id.
Rows stay one-to-one with utterances (no merging) and keep their id as ``source_id``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from analyzer.errors import EmptyInputError, MalformedTranscriptError, MissingColumnError
from analyzer.readers._common import ParsedSource, RawSegment, parse_clock, slug
from analyzer.roles import role_from_label

TEXT_COLUMNS = ("utterance_text", "text", "utterance", "transcript", "content")
SPEAKER_COLUMNS = ("speaker", "interlocutor", "speaker_name", "role")
SESSION_COLUMNS = ("transcript_id", "session_id", "session", "conversation_id")
ID_COLUMNS = ("utterance_id", "id", "turn_id", "turn")
START_COLUMNS = ("start", "timestamp", "start_time", "begin")
END_COLUMNS = ("end", "end_time", "stop")


def _pick(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in columns:
            return columns[name]
    return None


def _sort_key(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def parse_table(text: str, path: Path) -> list[ParsedSource]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = reader.fieldnames or []
    columns = {h.strip().lower(): h for h in header if h}
    text_col = _pick(columns, TEXT_COLUMNS)
    if text_col is None:
        raise MissingColumnError(
            f"table has no text column (expected one of: {', '.join(TEXT_COLUMNS)})",
            path=path, hint=f"columns found: {', '.join(header) or 'none'}",
        )
    speaker_col = _pick(columns, SPEAKER_COLUMNS)
    if speaker_col is None:
        raise MissingColumnError(
            f"table has no speaker column (expected one of: {', '.join(SPEAKER_COLUMNS)})",
            path=path, hint=f"columns found: {', '.join(header)}",
        )
    session_col = _pick(columns, SESSION_COLUMNS)
    id_col = _pick(columns, ID_COLUMNS)
    start_col = _pick(columns, START_COLUMNS)
    end_col = _pick(columns, END_COLUMNS)
    role_col = columns.get("role") if speaker_col != columns.get("role") else None

    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    try:
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise MalformedTranscriptError(
                    f"line {line}: more fields than the header has", path=path,
                    hint="quote text that contains the delimiter",
                )
            key = (row.get(session_col) or "").strip() if session_col else ""
            groups.setdefault(key, []).append((line, row))
    except csv.Error as exc:
        raise MalformedTranscriptError(f"broken table ({exc})", path=path) from None
    if not groups:
        raise EmptyInputError("table has a header but no rows", path=path)

    sources: list[ParsedSource] = []
    for key, rows in groups.items():
        if id_col:
            rows = sorted(rows, key=lambda r: _sort_key(r[1].get(id_col) or ""))
        segments = []
        for line, row in rows:
            speaker = (row.get(speaker_col) or "").strip()
            if not speaker:
                raise MalformedTranscriptError(
                    f"line {line}: empty speaker", path=path,
                    hint=f"fill the '{speaker_col}' column",
                )
            role = (row.get(role_col) or "").strip().lower() if role_col else ""
            segments.append(
                RawSegment(
                    speaker=speaker,
                    text=(row.get(text_col) or "").strip(),
                    start=parse_clock(row.get(start_col) or "") if start_col else None,
                    end=parse_clock(row.get(end_col) or "") if end_col else None,
                    source_id=(row.get(id_col) or "").strip() or str(line) if id_col else str(line),
                    role=role_from_label(role) if role else None,
                )
            )
        multi = len(groups) > 1 or bool(key)
        session_id = slug(key) if key else slug(path.stem)
        sources.append(
            ParsedSource(segments=segments, session_id=session_id, keep_segments=True,
                         source_key=key if multi else "",
                         metadata={"transcript_id": key} if key else {})
        )
    return sources
