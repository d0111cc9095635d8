"""Session-level train/dev/test splits, fixed in ``training/data/splits.json``.

A session is never split. Synthetic sessions are stratified by author (each writer's style
appears in every split); AnnoMI transcripts are stratified by whether they contain rupture
labels, and have their own test portion so real-language results are always reported apart.
``python -m training.splits`` writes the file; existing assignments are kept, so adding
sessions never moves old ones between splits.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from training.corpus import ANNOMI_LABELS, SPLITS, SYNTHETIC_DIR, read_label_table

RATIOS = {"synthetic": (0.70, 0.15), "annomi": (0.60, 0.15)}  # train, dev; test is the rest
SEED = 13


def _assign(groups: dict[str, list[str]], ratios: tuple[float, float], rng: random.Random
            ) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in sorted(groups):
        ids = sorted(groups[key])
        rng.shuffle(ids)
        n_train = round(len(ids) * ratios[0])
        n_dev = round(len(ids) * ratios[1])
        for i, sid in enumerate(ids):
            out[sid] = "train" if i < n_train else "dev" if i < n_train + n_dev else "test"
    return out


def synthetic_groups(folder: Path = SYNTHETIC_DIR) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for path in folder.glob("*.json"):
        author = path.stem.rsplit("-", 1)[0]  # syn-a-001 -> syn-a
        groups[author].append(path.stem)
    return groups


def annomi_groups(labels: Path = ANNOMI_LABELS) -> dict[str, list[str]]:
    rupture: dict[str, bool] = defaultdict(bool)
    for row in read_label_table(labels, "transcript_id", "utterance_id"):
        rupture[row.key] |= any(x in ("withdrawal", "confrontation") for x in row.labels)
    groups: dict[str, list[str]] = defaultdict(list)
    for key, has in rupture.items():
        groups["rupture" if has else "calm"].append(f"annomi-{key}")
    return groups


def make_splits(existing: dict[str, dict[str, str]] | None = None) -> dict[str, dict[str, str]]:
    existing = existing or {}
    rng = random.Random(SEED)
    result: dict[str, dict[str, str]] = {}
    for source, groups in (("synthetic", synthetic_groups()), ("annomi", annomi_groups())):
        old = existing.get(source, {})
        fresh = {k: [s for s in v if s not in old] for k, v in groups.items()}
        assigned = dict(old)
        assigned.update(_assign(fresh, RATIOS[source], rng))
        present = {s for v in groups.values() for s in v}
        result[source] = {k: assigned[k] for k in sorted(assigned) if k in present}
    return result


def load_splits(path: Path = SPLITS) -> dict[str, dict[str, str]]:
    return json.loads(path.read_text(encoding="utf-8"))["assignments"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="ignore existing assignments")
    args = parser.parse_args(argv)
    existing = None if args.rebuild or not SPLITS.exists() else load_splits()
    splits = make_splits(existing)
    counts = {src: {part: sum(v == part for v in a.values()) for part in ("train", "dev", "test")}
              for src, a in splits.items()}
    SPLITS.write_text(json.dumps({"seed": SEED, "ratios": RATIOS, "counts": counts,
                                  "assignments": splits}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
