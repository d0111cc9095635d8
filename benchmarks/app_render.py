"""Time to render the Session review page for a 500-utterance session (target: under 2 s).

Builds a synthetic, hand-tagged 500-utterance session (markers, episodes, profile, a few
reviews) in a temporary database, then runs the app with ``streamlit.testing.v1.AppTest``:

- one warm-up run (imports, the cached store and, when installed, the cached tagger model),
- ``--runs`` timed full runs of the Session review page (frame, sidebar, header, timeline,
  filters, transcript window) with the review panel open on a focused turn, and the same
  with 50 turns per page; then again with the session and timeline caches cleared before
  each run (the first render after a save),
- the page's library steps alone (load, review state, timeline spec, turn filter).

With ``--browser`` it also starts ``streamlit run`` and measures, in headless Chromium
(/usr/bin/chromium), the time from navigation until the timeline and a marker chip are
drawn (warm server, median of 3 page loads).

Usage: python benchmarks/app_render.py [--utterances 500] [--runs 10] [--browser] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 2.0
LINES = {
    "therapist": ["How did the week go with the plan we made?",
                  "It sounds like that was hard. What would make it easier?",
                  "I may have pushed that too fast. Can we slow down?",
                  "Shall we try a smaller step together this week?"],
    "client": ["Fine. Busy.", "I didn't really do it, to be honest.",
               "That exercise felt pointless and a bit patronising.",
               "Maybe I could try it on the train in the mornings."],
}


def build_session(n: int) -> Any:
    """A deterministic tagged session of ``n`` turns, 9 s each."""
    from analyzer.episodes import build_episodes
    from analyzer.labels import ALLOWED_ROLES, LABELS
    from analyzer.profile import ProfileNorms, profile
    from analyzer.session import (
        AnalysisInfo,
        Annotation,
        ConsentRecord,
        Session,
        Utterance,
    )
    from analyzer.summary import summarize

    rng = random.Random(7)
    utts = []
    for i in range(n):
        role = "therapist" if i % 2 == 0 else "client"
        text = " ".join(rng.sample(LINES[role], 2))
        cut = text.index("?") + 1 if "?" in text[:-1] else len(text) // 2
        utt = Utterance(index=i, speaker="Dr. Lee" if role == "therapist" else "Alex",
                        role=role, start=i * 9.0, end=i * 9.0 + 8, text=text,  # type: ignore[arg-type]
                        sentences=[(0, cut), (cut, len(text))])
        for label in LABELS:
            if role in ALLOWED_ROLES[label]:
                p = round(rng.random(), 3)
                utt.scores[label] = p
                if p > 0.8:
                    utt.annotations.append(Annotation(label=label, probability=p))
        utts.append(utt)
    session = Session(id="bench-500", source="bench:500",
                      consent=ConsentRecord(scope="research", source="cli", attested_by="bench"),
                      speakers={"Dr. Lee": "therapist", "Alex": "client"}, utterances=utts,
                      analysis=AnalysisInfo(model_name="alliance-tagger", model_version="bench"))
    build_episodes(session)
    summarize(session)
    return profile(session, ProfileNorms(20.0, 8.0, 8.0, 4.0, 50, "bench"))


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_s": round(statistics.median(ordered), 3), "min_s": round(ordered[0], 3),
            "max_s": round(ordered[-1], 3),
            "p90_s": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 3)}


def apptest_timings(runs: int) -> dict[str, Any]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analyzer.ui.common import get_tagger

    t0 = time.perf_counter()
    get_tagger()  # the model (when installed) is loaded and cached before timing
    tagger_s = time.perf_counter() - t0
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["reviewer"] = "bench"
    at.session_state["session"] = "bench-500"
    at.session_state["_goto"] = "review"
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"the review page failed: {at.exception[0].value}")
    assert at.title[0].value == "Session bench-500"
    at.number_input(key="goto_utterance").set_value(251)  # focus a turn: review panel open
    at.run()
    result: dict[str, Any] = {"warmup_run_s": round(first, 3),
                              "tagger_load_s": round(tagger_s, 3)}
    for per_page in (20, 50):
        at.selectbox(key="flt_per_page").set_value(per_page)
        at.run()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        shown = sum(1 for b in at.button if b.key and b.key.startswith("focus-"))
        result[f"review_page_{per_page}_turns"] = {**_stats(times), "turns_rendered": shown}
    times = []
    for _ in range(runs):  # as right after a save: session and timeline spec not cached
        st.cache_data.clear()
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    result["review_page_50_turns_uncached"] = _stats(times)
    return result


def library_timings(session_id: str, runs: int) -> dict[str, float]:
    from analyzer.review import filter_turns, review_state
    from analyzer.storage import Store
    from analyzer.ui.timeline import timeline_spec

    store = Store()
    steps: dict[str, list[float]] = {"load": [], "review_state": [], "timeline_spec": [],
                                     "filter_turns": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        session = store.load(session_id)
        t1 = time.perf_counter()
        state = review_state(session, store.reviews(session_id))  # type: ignore[arg-type]
        t2 = time.perf_counter()
        timeline_spec(session)  # type: ignore[arg-type]
        t3 = time.perf_counter()
        filter_turns(session, state, min_confidence=0.5, marked_only=True)  # type: ignore[arg-type]
        t4 = time.perf_counter()
        for key, dt in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            steps[key].append(dt)
    return {f"{k}_s": round(statistics.median(v), 4) for k, v in steps.items()}


def browser_timings(db_url: str) -> dict[str, Any]:
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
         str(port), "--server.address", "localhost", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "ALLIANCE_DB": db_url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://localhost:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            for attempt in range(4):  # the first load warms the server's imports
                t0 = time.perf_counter()
                page.goto(f"{base}/review?session=bench-500")
                page.locator("[data-testid='stVegaLiteChart'] canvas, "
                             "[data-testid='stVegaLiteChart'] svg").first.wait_for(timeout=60000)
                page.locator(".st-key-turn-0").wait_for(timeout=60000)
                if attempt:
                    times.append(time.perf_counter() - t0)
            browser.close()
        return {"page_load_to_timeline_and_turns": _stats(times)}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also time headless Chromium")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["ALLIANCE_DB"] = db_url
        from analyzer.storage import Store

        store = Store(db_url)
        session = build_session(args.utterances)
        store.save(session)
        for i in range(1, 60, 3):  # some review history, as on a session in review
            store.add_review(session.id, i, "bench", "comment", comment="note")
        report: dict[str, Any] = {
            "utterances": args.utterances,
            "model_markers": sum(len(u.annotations) for u in session.utterances),
            "episodes": len(session.episodes), "target_s": TARGET_S,
            "apptest": apptest_timings(args.runs),
            "library_steps_median": library_timings(session.id, args.runs),
        }
        if args.browser:
            report["browser"] = browser_timings(db_url)
    worst = max(v["median_s"] for k, v in report["apptest"].items() if k.startswith("review"))
    report["within_target"] = worst < TARGET_S
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
