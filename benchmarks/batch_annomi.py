"""Batch throughput: all AnnoMI transcripts end to end with ``alliance batch`` on this machine.

Runs the real command in a fresh process (read, consent, roles, segmentation, tagging,
episodes, profile, tables) into a temporary folder and reports wall time, utterances per
second and the peak resident memory of the run (parent and children).
Target on 2 CPU cores: the 109 transcripts (8,403 utterances) in at most 90 s.

Usage: python benchmarks/batch_annomi.py [--annomi PATH] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path,
                        default=ROOT.parent / "shared" / "annomi" / "AnnoMI-simple.csv")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-deidentify", action="store_true",
                        help="measure without de-identification (on by default in batch)")
    args = parser.parse_args()
    if not args.annomi.is_file():
        print(f"AnnoMI not found at {args.annomi}; nothing to benchmark")
        return
    alliance = Path(sys.executable).parent / "alliance"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        start = time.perf_counter()
        subprocess.run([str(alliance), "batch", str(args.annomi), "--out", str(out),
                        "--consent", "research", "--quiet",
                        *(["--no-deidentify"] if args.no_deidentify else [])], check=True)
        seconds = time.perf_counter() - start
        utts = pd.read_parquet(out / "utterances.parquet")
        sessions = pd.read_csv(out / "sessions.csv")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = {"deidentify": not args.no_deidentify, "transcripts": len(sessions),
              "utterances": len(utts),
              "seconds": round(seconds, 1),
              "utterances_per_second": round(len(utts) / seconds, 1),
              "peak_rss_mb": round(peak)}
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
