"""Inference speed and memory of the shipped tagger on 2 CPU cores.

Compares, on the same AnnoMI utterances in one run:
- naive: a plain fp32 PyTorch forward of the same encoder, previous utterance as context
  (text pair), batch 64, max length 128, in file order;
- shipped: ``Tagger.predict`` (each utterance embedded once, length-sorted batches, merged
  LoRA, BiGRU context layer, calibration, role rules).
Then one 500-utterance session end to end (read, segment, tag, store) and peak memory.

Usage: python benchmarks/inference_speed.py [--annomi PATH] [--n 2000] [--out FILE]
Needs the released model in models/alliance-tagger and the AnnoMI CSV (skips if absent).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive_rate(texts: list[str], roles: list[str], batch: int = 64) -> float:
    from transformers import AutoModel, AutoTokenizer

    from analyzer.encoder import base_model_path

    tok = AutoTokenizer.from_pretrained(base_model_path(), local_files_only=True)
    model = AutoModel.from_pretrained(base_model_path(), local_files_only=True).eval()
    prev = ["", *texts[:-1]]
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(texts), batch):
            enc = tok([f"{r}: {t}" for r, t in zip(roles[i:i + batch], texts[i:i + batch],
                                                   strict=True)],
                      prev[i:i + batch], padding="max_length", truncation=True,
                      max_length=128, return_tensors="pt")
            model(**enc)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path,
                        default=ROOT.parent / "shared" / "annomi" / "AnnoMI-simple.csv")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not args.annomi.is_file():
        print(f"AnnoMI not found at {args.annomi}; nothing to benchmark")
        return
    torch.set_num_threads(args.threads)
    from analyzer.pipeline import AnalyzeOptions, analyze_paths
    from analyzer.readers import read_path
    from analyzer.storage import Store
    from analyzer.tagger import Tagger

    sessions = read_path(args.annomi)
    utts = [u for s in sessions for u in s.utterances][: args.n]
    texts, roles = [u.text for u in utts], [u.role for u in utts]
    naive = naive_rate(texts, roles)

    tagger = Tagger.load()
    picked, count = [], 0
    for s in sessions:
        if count >= args.n:
            break
        s.utterances = s.utterances[: args.n - count]
        picked.append(s)
        count += len(s.utterances)
    tagger.predict(picked[:1])  # warm-up
    start = time.perf_counter()
    tagger.predict(picked)
    shipped = count / (time.perf_counter() - start)

    # one 500-utterance session, end to end, as a user runs it
    long = next(s for s in read_path(args.annomi) if len(s.utterances) >= 250)
    rows = ["speaker,text"]
    while len(rows) <= 500:
        rows += [f"{u.role},\"{u.text.replace(chr(34), chr(39))}\"" for u in long.utterances]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "session500.csv"
        path.write_text("\n".join(rows[:501]) + "\n", encoding="utf-8")
        store = Store(f"sqlite:///{tmp}/bench.db")
        start = time.perf_counter()
        result = analyze_paths([path], AnalyzeOptions(consent_scope="research", tagger=tagger),
                               store=store)
        e2e = time.perf_counter() - start
        assert result.ok and len(result.sessions[0].utterances) == 500
    report = {
        "utterances": count, "threads": args.threads, "cpu": _cpu(),
        "naive_fp32_pair_context_utt_per_s": round(naive, 1),
        "shipped_utt_per_s": round(shipped, 1),
        "speedup": round(shipped / naive, 2),
        "session_500_end_to_end_s": round(e2e, 2),
        "peak_rss_mb": round(peak_rss_mb(), 0),
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
