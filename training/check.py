"""``alliance corpus check``: validate the annotated corpus and print its statistics.

Enforced rules (any violation makes the check fail):
- schema: every synthetic file parses as a session; every label and subtype is in the codebook
  (``analyzer.labels``); each label on an utterance has exactly one known subtype;
- role rules: withdrawal/confrontation only on client turns, repair only on therapist turns;
- minimum size: sessions, utterances and positives per label (``MINIMUMS``);
- AnnoMI: at least ``MIN_ANNOMI_TRANSCRIPTS`` labelled transcripts (role rules checked when
  the AnnoMI text is present);
- near-duplicates: utterances longer than four words whose character-n-gram TF-IDF cosine
  similarity to another utterance is at least ``DUP_THRESHOLD``, under ``MAX_DUP_RATE``;
- double annotation: at least ``MIN_DOUBLE_SHARE`` of each source's utterances annotated
  twice (``training/data/double/<source>_first.csv`` and ``_second.csv`` cover the same keys).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analyzer.labels import ALLOWED_ROLES, LABELS, SUBTYPES
from analyzer.session import Session
from training.corpus import ANNOMI_LABELS, load_annomi, load_synthetic, read_label_table

log = logging.getLogger(__name__)

MINIMUMS = {
    "sessions": 200,
    "utterances": 15_000,
    "withdrawal": 800,
    "confrontation": 800,
    "repair": 500,
    "goal_agreement": 800,
    "collaboration": 1_500,
}
MIN_ANNOMI_TRANSCRIPTS = 60
MIN_DOUBLE_SHARE = 0.10
DUP_THRESHOLD = 0.9
MAX_DUP_RATE = 0.02


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    stats: dict[str, dict[str, object]] = field(default_factory=dict)
    subtype_counts: dict[str, Counter[str]] = field(default_factory=dict)
    duplicate_rate: float = 0.0
    duplicate_examples: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def rule_problems(sessions: list[Session]) -> list[str]:
    problems = []
    for s in sessions:
        for u in s.utterances:
            seen: set[str] = set()
            for a in u.annotations:
                where = f"{s.id} utterance {u.index}"
                if a.label in seen:
                    problems.append(f"{where}: label {a.label} twice")
                seen.add(a.label)
                if u.role not in ALLOWED_ROLES[a.label]:
                    problems.append(f"{where}: {a.label} on a {u.role} turn")
                if a.subtype is None:
                    problems.append(f"{where}: {a.label} has no subtype")
                elif a.subtype not in SUBTYPES[a.label]:
                    problems.append(f"{where}: unknown subtype {a.label}:{a.subtype}")
    return problems


def source_stats(sessions: list[Session]) -> tuple[dict[str, object], Counter[str]]:
    labels: Counter[str] = Counter()
    subtypes: Counter[str] = Counter()
    n_utts = 0
    for s in sessions:
        n_utts += len(s.utterances)
        for u in s.utterances:
            for a in u.annotations:
                labels[a.label] += 1
                subtypes[f"{a.label}:{a.subtype}"] += 1
    stats: dict[str, object] = {"sessions": len(sessions), "utterances": n_utts}
    stats.update({label: labels[label] for label in LABELS})
    unlabelled = sum(1 for s in sessions for u in s.utterances if not u.annotations)
    stats["unlabelled_share"] = round(unlabelled / max(n_utts, 1), 3)
    return stats, subtypes


def _normalise(text: str) -> str:
    """Lower-case, punctuation to spaces, whitespace collapsed: 'then?' and 'then.' match."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def near_duplicates(texts: list[str], threshold: float = DUP_THRESHOLD
                    ) -> tuple[float, list[tuple[str, str]]]:
    """Share of utterances (> 4 words) with a near-duplicate elsewhere, plus a few examples."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    long_texts = [_normalise(t) for t in texts if len(t.split()) > 4]
    if len(long_texts) < 2:
        return 0.0, []
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True,
                             sublinear_tf=True).fit_transform(long_texts)
    flagged = np.zeros(len(long_texts), dtype=bool)
    examples: list[tuple[str, str]] = []
    step = 2000
    for start in range(0, len(long_texts), step):
        sims = (matrix[start:start + step] @ matrix.T).tocoo()
        for i, j, v in zip(sims.row, sims.col, sims.data, strict=True):
            a = start + i
            if a != j and v >= threshold:
                flagged[a] = True
                if len(examples) < 5 and a < j:
                    examples.append((long_texts[a], long_texts[j]))
    return float(flagged.mean()), examples


def double_problems(totals: dict[str, int]) -> list[str]:
    from training.corpus import DATA

    problems = []
    for source, total in totals.items():
        first, second = (DATA / "double" / f"{source}_{n}.csv" for n in ("first", "second"))
        if not first.is_file() or not second.is_file():
            problems.append(f"{source}: no double annotation files")
            continue
        keys_a = {(r.key, r.position) for r in read_label_table(first, "key", "position")}
        keys_b = {(r.key, r.position) for r in read_label_table(second, "key", "position")}
        if keys_a != keys_b:
            problems.append(f"{source}: double annotation files cover different utterances")
        if total and len(keys_a) / total < MIN_DOUBLE_SHARE:
            problems.append(f"{source}: {len(keys_a)} of {total} utterances double-annotated "
                            f"({len(keys_a) / total:.1%} < {MIN_DOUBLE_SHARE:.0%})")
    return problems


def check_corpus(annomi_csv: Path | None, synthetic_dir: Path | None = None) -> CheckReport:
    report = CheckReport()
    synthetic = load_synthetic(synthetic_dir) if synthetic_dir else load_synthetic()
    report.problems += rule_problems(synthetic)
    stats, subtypes = source_stats(synthetic)
    report.stats["synthetic"] = stats
    report.subtype_counts["synthetic"] = subtypes
    for key, minimum in MINIMUMS.items():
        value = int(stats[key])  # type: ignore[call-overload]
        if value < minimum:
            report.problems.append(f"synthetic: {key} {value} < minimum {minimum}")
    rate, examples = near_duplicates([u.text for s in synthetic for u in s.utterances])
    report.duplicate_rate, report.duplicate_examples = rate, examples
    if rate >= MAX_DUP_RATE:
        report.problems.append(f"synthetic: near-duplicate rate {rate:.2%} >= {MAX_DUP_RATE:.0%}")

    n_annomi = len(read_label_table(ANNOMI_LABELS, "transcript_id", "utterance_id")
                   ) if ANNOMI_LABELS.is_file() else 0
    totals = {"synthetic": int(stats["utterances"]), "annomi": n_annomi}  # type: ignore[call-overload]
    report.problems += double_problems(totals)

    if ANNOMI_LABELS.is_file():
        rows = read_label_table(ANNOMI_LABELS, "transcript_id", "utterance_id")
        transcripts = {r.key for r in rows}
        for r in rows:
            for label in r.labels:
                if label not in LABELS:
                    report.problems.append(f"annomi {r.key}/{r.position}: unknown label {label}")
                elif r.subtypes.get(label) not in SUBTYPES[label]:
                    report.problems.append(
                        f"annomi {r.key}/{r.position}: bad subtype for {label}")
        if len(transcripts) < MIN_ANNOMI_TRANSCRIPTS:
            report.problems.append(
                f"annomi: {len(transcripts)} labelled transcripts < {MIN_ANNOMI_TRANSCRIPTS}")
        annomi = load_annomi(annomi_csv) if annomi_csv else []
        if annomi:
            report.problems += rule_problems(annomi)
            stats, subtypes = source_stats(annomi)
            report.stats["annomi"] = stats
            report.subtype_counts["annomi"] = subtypes
        else:
            label_counts = Counter(label for r in rows for label in r.labels)
            report.stats["annomi (labels only)"] = {
                "sessions": len(transcripts), "utterances": len(rows),
                **{label: label_counts[label] for label in LABELS}}
    else:
        report.problems.append(f"missing {ANNOMI_LABELS}")
    return report
