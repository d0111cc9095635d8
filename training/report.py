"""Rewrite the generated tables in ``training/data/README.md``: corpus statistics and agreement.

``python -m training.report`` — every number between the ``<!-- NAME:start/end -->`` markers
comes from this script (``training.check`` statistics and ``training.agreement`` kappas).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from analyzer.labels import LABELS
from training.agreement import agreement_table
from training.check import check_corpus
from training.corpus import DATA, annomi_path

README = DATA / "README.md"


def replace_block(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start not in text:
        return text.rstrip("\n") + "\n\n" + block + "\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    return pattern.sub(lambda _: block, text)


def stats_table(annomi: Path | None) -> str:
    report = check_corpus(annomi)
    cols = ["sessions", "utterances", *LABELS, "unlabelled_share"]
    lines = ["| source | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for source, stats in report.stats.items():
        lines.append(f"| {source} | " + " | ".join(str(stats.get(c, "")) for c in cols) + " |")
    lines.append("")
    lines.append(f"Near-duplicate rate of synthetic utterances longer than four words: "
                 f"{report.duplicate_rate:.2%}.")
    subs = ["| source | label:subtype | count |", "|---|---|---|"]
    for source, counts in report.subtype_counts.items():
        subs += [f"| {source} | {k} | {v} |" for k, v in sorted(counts.items())]
    return "\n".join(lines) + "\n\n" + "\n".join(subs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path, default=None)
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8") if README.exists() else "# Corpus\n"
    text = replace_block(text, "stats", stats_table(annomi_path(args.annomi)))
    table, _ = agreement_table()
    text = replace_block(text, "agreement", table)
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
