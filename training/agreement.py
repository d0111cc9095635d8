"""Inter-annotator agreement on the double-annotated part of the corpus.

First-pass labels (``training/data/double/*_first.csv``, frozen before adjudication) are
compared with the independent second annotation (``*_second.csv``) per source and label.
``python -m training.agreement`` prints the table; ``python -m training.report`` writes it into
``training/data/README.md``.
"""

from __future__ import annotations

import argparse

from analyzer.agreement import LabelAgreement, label_agreement
from training.corpus import DATA, read_label_table

DOUBLE = DATA / "double"


def load_pair(source: str) -> tuple[dict, dict]:
    first = read_label_table(DOUBLE / f"{source}_first.csv", "key", "position")
    second = read_label_table(DOUBLE / f"{source}_second.csv", "key", "position")
    return ({(r.key, r.position): r.labels for r in first},
            {(r.key, r.position): r.labels for r in second})


def agreement_table() -> tuple[str, dict[str, list[LabelAgreement]]]:
    results: dict[str, list[LabelAgreement]] = {}
    lines = ["| source | label | utterances | positives (1st / 2nd) | raw agreement | "
             "Cohen's kappa [95% CI] |", "|---|---|---|---|---|---|"]
    for source in ("synthetic", "annomi"):
        if not (DOUBLE / f"{source}_first.csv").is_file():
            continue
        first, second = load_pair(source)
        results[source] = label_agreement(first, second)
        for r in results[source]:
            kappa = ("n/a" if r.kappa is None else
                     f"{r.kappa:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]")
            lines.append(f"| {source} | {r.label} | {r.n} | {r.positives_a} / {r.positives_b} "
                         f"| {r.observed:.3f} | {kappa} |")
    return "\n".join(lines), results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    table, _ = agreement_table()
    print(table)


if __name__ == "__main__":
    main()
