"""Word (.docx) transcripts, read with python-docx, then parsed with the plain-text rules."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError

from analyzer.errors import MalformedTranscriptError
from analyzer.readers._common import ParsedSource
from analyzer.readers.text import parse_text


def docx_lines(data: bytes, path: Path) -> list[str]:
    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise MalformedTranscriptError(
            "not a valid .docx file", path=path, hint="save it again from Word as .docx"
        ) from None
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:  # some tools export speaker | text tables
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) >= 2 and cells[0] and cells[-1]:
                lines.append(f"{cells[0]}: {cells[-1]}")
    return [line for chunk in lines for line in chunk.split("\n")]


def parse_docx(data: bytes, path: Path) -> ParsedSource:
    return parse_text("\n".join(docx_lines(data, path)), path)
