"""Recall and precision of ``analyzer.deidentify`` on the labelled PHI test transcripts.

Reads ``benchmarks/phi/*.json`` (``{"id", "utterances": [{"speaker", "text", "entities":
[{"start", "end", "type"}]}]}``, types NAME, LOCATION, ORGANIZATION, DATE, PHONE, EMAIL, URL,
ID), builds a Session from each (speakers whose label is a therapist word or starts with
"Dr" are therapists, everyone else a client), runs ``deidentify`` on it and scores the spans
it replaced (``detect_phi``, the same detection ``deidentify`` uses):

- recall: a gold mention is found when every character of it lies inside some replaced span
  of any type; typed recall also needs a covering span of the gold type;
- exact: a replaced span has exactly the gold mention's start and end;
- precision: the share of replaced spans that overlap a gold mention (per replaced type, and
  overall).
The lower-case ASR-style transcripts are also scored on their own.

Usage: python benchmarks/deidentify_phi.py [--phi DIR] [--out FILE] [--misses]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzer.deidentify import PHI_TYPES, PhiSpan, deidentify, detect_phi, speaker_names  # noqa: E402
from analyzer.roles import THERAPIST_WORDS  # noqa: E402
from analyzer.session import Session, Utterance  # noqa: E402

log = logging.getLogger("deidentify_phi")

_KEYS = ("gold", "hit", "typed", "exact", "pred", "pred_ok")


def role_of(label: str) -> str:
    """Therapist for role words ("Therapist", "School Counselor") and "Dr ..."; else client."""
    words = re.findall(r"[a-z\-]+", label.lower())
    if re.match(r"\s*(dr\.?|doctor)\b", label, re.IGNORECASE):
        return "therapist"
    return "therapist" if any(w in THERAPIST_WORDS - {"t", "th", "coach"} for w in words) \
        else "client"


def load_session(path: Path) -> tuple[Session, list[list[dict[str, Any]]]]:
    """A Session from one labelled transcript, and the gold entities per utterance."""
    data = json.loads(path.read_text(encoding="utf-8"))
    utts, gold = [], []
    for i, row in enumerate(data["utterances"]):
        utts.append(Utterance(index=i, speaker=row["speaker"], role=role_of(row["speaker"]),
                              text=row["text"]))
        gold.append(row.get("entities", []))
    session = Session(id=str(data.get("id", path.stem)), source=str(path),
                      speakers={u.speaker: u.role for u in utts}, utterances=utts)
    return session, gold


def covered(start: int, end: int, spans: list[PhiSpan], kind: str | None = None) -> bool:
    """Every character of [start, end) lies inside some span (of ``kind`` when given)."""
    chosen = [s for s in spans if kind is None or s.type == kind]
    return all(any(s.start <= c < s.end for s in chosen) for c in range(start, end))


def score_session(session: Session, gold: list[list[dict[str, Any]]],
                  misses: list[str]) -> dict[str, Counter[str]]:
    names = [n for label in session.speakers for n in speaker_names(label)]
    found = detect_phi([u.text for u in session.utterances], names=names)
    c: dict[str, Counter[str]] = {k: Counter() for k in
                                  _KEYS}
    for utt, ents, spans in zip(session.utterances, gold, found, strict=True):
        for e in ents:
            kind = e["type"]
            c["gold"][kind] += 1
            if covered(e["start"], e["end"], spans):
                c["hit"][kind] += 1
            else:
                misses.append(f"{session.id} MISS {kind:12} {utt.text[e['start']:e['end']]!r}"
                              f"  <- {utt.text[max(0, e['start'] - 40):e['end'] + 20]!r}")
            if covered(e["start"], e["end"], spans, kind):
                c["typed"][kind] += 1
            elif covered(e["start"], e["end"], spans):
                got = {s.type for s in spans if s.start < e["end"] and e["start"] < s.end}
                misses.append(f"{session.id} TYPE {kind:12} {utt.text[e['start']:e['end']]!r}"
                              f" replaced as {'/'.join(sorted(got))}")
            if any(s.start == e["start"] and s.end == e["end"] for s in spans):
                c["exact"][kind] += 1
        for s in spans:
            c["pred"][s.type] += 1
            if any(s.start < e["end"] and e["start"] < s.end for e in ents):
                c["pred_ok"][s.type] += 1
            else:
                misses.append(f"{session.id} FP   {s.type:12} {utt.text[s.start:s.end]!r}"
                              f"  ({s.source})")
    return c


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def is_asr_style(session: Session) -> bool:
    """Lower-case, unpunctuated transcripts (most utterances have no capital letters)."""
    lower = [u.text == u.text.lower() for u in session.utterances if len(u.text.split()) > 2]
    return bool(lower) and sum(lower) > len(lower) / 2


def table(total: dict[str, Counter[str]]) -> dict[str, dict[str, Any]]:
    """Per type and overall: gold count, recall, typed and exact-span recall, precision."""
    def row(keys: tuple[str, ...]) -> dict[str, Any]:
        n = {k: sum(total[k][t] for t in keys) for k in _KEYS}
        return {"gold": n["gold"], "recall": ratio(n["hit"], n["gold"]),
                "typed_recall": ratio(n["typed"], n["gold"]),
                "exact_recall": ratio(n["exact"], n["gold"]),
                "replaced": n["pred"], "precision": ratio(n["pred_ok"], n["pred"])}

    rows = {kind: row((kind,)) for kind in PHI_TYPES}
    rows["overall"] = row(PHI_TYPES)
    return rows


def print_table(title: str, rows: dict[str, dict[str, Any]]) -> None:
    print(title)
    print(f"{'type':14}{'gold':>6}{'recall':>9}{'typed':>9}{'exact':>9}{'replaced':>10}"
          f"{'precision':>11}")
    for kind, r in rows.items():
        print(f"{kind:14}{r['gold']:>6}{fmt(r['recall']):>9}{fmt(r['typed_recall']):>9}"
              f"{fmt(r['exact_recall']):>9}{r['replaced']:>10}{fmt(r['precision']):>11}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phi", type=Path, default=ROOT / "benchmarks" / "phi")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    parser.add_argument("--misses", action="store_true",
                        help="print every missed gold mention and unmatched replacement")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    files = sorted(args.phi.glob("*.json"))
    if not files:
        print(f"no labelled transcripts in {args.phi}")
        return
    totals = {name: {k: Counter() for k in _KEYS} for name in ("all", "asr")}
    misses: list[str] = []
    asr_ids = []
    started = time.perf_counter()
    for path in files:
        session, gold = load_session(path)
        result = deidentify(session)  # the real step, whose replacements are scored below
        scores = score_session(session, gold, misses)
        replaced = sum(result.metadata["deidentified"]["counts"].values())
        if replaced != sum(scores["pred"].values()):
            log.warning("%s: deidentify replaced %d spans, detect_phi found %d", session.id,
                        replaced, sum(scores["pred"].values()))
        subsets = ["all"] + (["asr"] if is_asr_style(session) else [])
        if "asr" in subsets:
            asr_ids.append(session.id)
        for name in subsets:
            for key, counter in scores.items():
                totals[name][key].update(counter)
    seconds = time.perf_counter() - started

    results = {name: table(total) for name, total in totals.items()}
    print_table(f"{len(files)} transcripts, {seconds:.1f} s (detection runs twice: "
                "deidentify + scoring)", results["all"])
    if asr_ids:
        print()
        print_table(f"ASR-style subset ({', '.join(asr_ids)})", results["asr"])
    if args.misses:
        print("\n" + "\n".join(misses))
    if args.out:
        args.out.write_text(json.dumps({"transcripts": len(files), "seconds": round(seconds, 1),
                                        "asr_style": asr_ids, "types": results["all"],
                                        "asr_types": results["asr"]}, indent=2) + "\n",
                            encoding="utf-8")


if __name__ == "__main__":
    main()
