from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analyzer.batch import BatchOptions, run_batch
from analyzer.labels import LABELS
from tests.conftest import EXAMPLES, write

pytestmark = pytest.mark.slow

TABLE = (
    "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n"
    "t1,0,therapist,00:00:01,What would you like to work on today?\n"
    "t1,1,client,00:00:05,\"Honestly I don't know, my doctor sent me.\"\n"
    "t1,2,therapist,00:00:09,Would it be okay if we talked about that a bit?\n"
    "t1,3,client,00:00:14,\"Fine, if we have to.\"\n"
    "t2,0,therapist,00:00:02,How did the week go with the plan we made?\n"
    "t2,1,client,00:00:06,\"Better. I walked three times, like we said.\"\n"
    "t2,2,therapist,00:00:10,That's great. Shall we set the next step together?\n"
    "t2,3,client,00:00:13,\"Yes, let's aim for four walks.\"\n"
)


def _inputs(tmp_path: Path) -> list[Path]:
    return [write(tmp_path / "in" / "table.csv", TABLE), EXAMPLES]


def test_tables_consent_filter_and_run_json(tmp_path: Path, tagger) -> None:
    out = tmp_path / "out"
    res = run_batch(_inputs(tmp_path), out, BatchOptions(consent_scope="research"), tagger)
    assert res.done == 2  # the two table sessions; examples carry non-research consent
    utts = pd.read_parquet(out / "utterances.parquet")
    assert len(utts) == 8
    assert {f"p_{lb}" for lb in LABELS} <= set(utts.columns)
    assert list(utts[utts.session_id == "t1"]["source_id"]) == ["0", "1", "2", "3"]
    sessions = pd.read_csv(out / "sessions.csv")
    assert set(sessions.session_id) == {"t1", "t2"}
    assert {"alliance_index", "episodes", "per100_collaboration"} <= set(sessions.columns)
    failures = pd.read_csv(out / "failures.csv")
    assert len(failures) == 3 and failures.error.str.contains("not research").all()
    run = json.loads((out / "run.json").read_text())
    assert run["model"]["version"] == tagger.version
    assert all(len(i["sha256"]) == 64 for i in run["inputs"])
    assert (out / "episodes.csv").is_file()


def test_rerun_skips_resume_completes_and_force_recomputes(tmp_path: Path, tagger) -> None:
    out = tmp_path / "out"
    opts = BatchOptions(consent_scope="research", table_format="csv")
    first = run_batch(_inputs(tmp_path), out, opts, tagger)
    before = pd.read_csv(out / "utterances.csv")
    again = run_batch(_inputs(tmp_path), out, opts, tagger)
    assert (again.done, again.skipped) == (0, first.done)
    pd.testing.assert_frame_equal(before, pd.read_csv(out / "utterances.csv"))
    parts = sorted((out / "parts").glob("*.json"))
    parts[0].unlink()  # as if the run had been killed before this session finished
    resumed = run_batch(_inputs(tmp_path), out, opts, tagger)
    assert (resumed.done, resumed.skipped) == (1, first.done - 1)
    pd.testing.assert_frame_equal(before, pd.read_csv(out / "utterances.csv"))
    forced = run_batch(_inputs(tmp_path), out, BatchOptions(consent_scope="research",
                                                            table_format="csv", force=True),
                       tagger)
    assert forced.done == first.done
    assert not list(out.glob(".*.tmp-*"))


def test_ray_engine_matches_local(tmp_path: Path, tagger) -> None:
    ray = pytest.importorskip("ray")
    local_out, ray_out = tmp_path / "local", tmp_path / "ray"
    run_batch(_inputs(tmp_path), local_out, BatchOptions(consent_scope="research"), tagger)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        run_batch(_inputs(tmp_path), ray_out, BatchOptions(consent_scope="research",
                                                           engine="ray"), tagger)
    finally:
        ray.shutdown()
    a = pd.read_parquet(local_out / "utterances.parquet")
    b = pd.read_parquet(ray_out / "utterances.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-5)
    pd.testing.assert_frame_equal(pd.read_csv(local_out / "sessions.csv"),
                                  pd.read_csv(ray_out / "sessions.csv"),
                                  check_exact=False, atol=1e-4)


def test_research_export_is_deidentified_by_default(tmp_path: Path, tagger) -> None:
    body = ("---\nconsent:\n  scope: research\n  attested_by: Dr Imogen Hartley\n"
            "client_name: Marcus Webb\n---\n"
            "Therapist: Hi Marcus, how was the week at Brightwater Logistics?\n"
            "Marcus: Rough. My sister Dana rang me on 07700 900123 about Mum.\n")
    src = write(tmp_path / "in" / "marcus_webb_intake.txt", body)
    out = tmp_path / "out"
    run_batch([src], out, BatchOptions(), tagger)
    utts = pd.read_parquet(out / "utterances.parquet")
    everything = (utts.to_csv() + (out / "sessions.csv").read_text()
                  + (out / "episodes.csv").read_text()
                  + "".join(p.read_text() for p in (out / "parts").glob("*.json")))
    for secret in ("Marcus", "Webb", "Dana", "07700 900123", "Brightwater", "Hartley",
                   "marcus_webb"):
        assert secret not in everything, secret
    assert "[NAME_1]" in utts.text.iloc[0]
    assert utts.session_id.iloc[0].startswith("s-")
