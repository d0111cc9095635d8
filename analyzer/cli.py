"""The ``alliance`` command line. It parses options, calls the library and prints; no logic."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from analyzer.cli_admin import audit, consent_app, user_app
from analyzer.errors import AllianceInputError
from analyzer.pipeline import AnalyzeOptions, Failure, analyze_paths
from analyzer.render import summary_table, to_contract
from analyzer.session import Session
from analyzer.storage import Store, default_db_url

app = typer.Typer(
    name="alliance",
    help="Tag therapeutic-alliance markers in consented session transcripts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
log = logging.getLogger("analyzer")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, show_time=False)],
        force=True,
    )


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders.")],
    therapist: Annotated[list[str] | None, typer.Option(
        "--therapist", help="Speaker who is the therapist (repeatable).")] = None,
    consent: Annotated[str | None, typer.Option(
        "--consent", help="Attest consent for every input: supervision, research or "
        "self-review.")] = None,
    attested_by: Annotated[str | None, typer.Option(
        "--attested-by", help="Who attests --consent (default: your user name).")] = None,
    manifest: Annotated[Path | None, typer.Option(
        "--manifest", help="Consent manifest CSV (file or session_id, scope).")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: SQLite in your data folder or $ALLIANCE_DB).")
    ] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not write to a database.")
                        ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")
                   ] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write output here.")
                      ] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Analyse transcripts: read, check consent, assign roles, segment, tag and store."""
    _setup_logging(verbose)
    try:
        store = None if no_store else Store(db)
        options = AnalyzeOptions(therapists=therapist or (), consent_scope=consent,
                                 attested_by=attested_by, manifest=manifest,
                                 tagger=_load_tagger())
        result = analyze_paths(paths, options, store=store)
    except AllianceInputError as exc:
        raise _fail(str(exc)) from None
    _emit(result.sessions, fmt, output)
    if store is not None and result.sessions:
        err.print(f"stored {len(result.sessions)} session(s) in {store.url}", highlight=False)
    _report_failures(result.failures)
    if result.failures:
        raise typer.Exit(1)


def _load_tagger():
    try:
        from analyzer.tagger import load_default_tagger
    except ImportError:
        return None
    return load_default_tagger()


def _emit(sessions: list[Session], fmt: OutputFormat, output: Path | None) -> None:
    if fmt is OutputFormat.json:
        text = json.dumps(to_contract(sessions), indent=2, ensure_ascii=False)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
        return
    if not sessions:
        return
    if output:
        with output.open("w", encoding="utf-8") as fh:
            Console(file=fh, width=160).print(summary_table(sessions))
    else:
        out.print(summary_table(sessions))


def _report_failures(failures: list[Failure]) -> None:
    if not failures:
        return
    if len(failures) > 1:
        err.print(f"[bold red]{len(failures)} input(s) failed:[/]")
    for f in failures:
        err.print(f"[bold red]error:[/] {f.error}", highlight=False, soft_wrap=True)


@app.command("sessions")
def list_sessions(
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """List the sessions stored in the database."""
    from rich.table import Table

    rows = Store(db).list_sessions()
    table = Table(title=f"{len(rows)} stored session(s)")
    for col in ("id", "consent", "speakers", "utterances", "updated"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], (r["consent"] or {}).get("scope", "-"),
                      ", ".join(f"{k} ({v})" for k, v in r["speakers"].items()),
                      str(r["n_utterances"]), r["updated_at"][:19])
    out.print(table)


@app.command()
def show(
    session_id: Annotated[str, typer.Argument(help="Stored session id.")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Print one stored session as JSON (the analyze --format json contract)."""
    session = Store(db).load(session_id)
    if session is None:
        raise _fail(f"no stored session {session_id!r} — see `alliance sessions`")
    sys.stdout.write(json.dumps(to_contract([session]), indent=2, ensure_ascii=False) + "\n")


@app.command()
def report(
    session_id: Annotated[str, typer.Argument(help="Stored session id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Write a one-page HTML report: timeline, episodes with quoted evidence, summary."""
    from analyzer.report import render_report

    session = Store(db).load(session_id)
    if session is None:
        raise _fail(f"no stored session {session_id!r} — see `alliance sessions`")
    output.write_text(render_report(session), encoding="utf-8")
    err.print(f"wrote {output}", highlight=False)


@app.command()
def trends(
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
    dyad: Annotated[str | None, typer.Option("--dyad", help="Only this dyad.")] = None,
) -> None:
    """Per client/therapist dyad: the alliance profile across sessions; flagged sessions
    (departures from the dyad's own baseline) are listed first."""
    from rich.table import Table

    from analyzer.trends import trajectories

    dyads = trajectories(Store(db).list_sessions())
    if dyad:
        dyads = {k: v for k, v in dyads.items() if k == dyad}
        if not dyads:
            raise _fail(f"no dyad {dyad!r} — run `alliance trends` to list them")
    flagged = [(k, i) for k, items in dyads.items() for i in items if i["flags"]]
    if flagged:
        out.print("[bold]Flagged sessions[/]")
        for k, i in flagged:
            out.print(f"  {k}: {i['session']} ({i['date']}): {', '.join(i['flags'])}",
                      highlight=False)
    for name, items in dyads.items():
        table = Table(title=f"Dyad {name}")
        for col in ("session", "date", "alliance index", "episodes", "resolved",
                    "unresolved", "rupture share", "flags"):
            table.add_column(col)
        for i in items:
            table.add_row(i["session"], i["date"], *(
                "-" if i[k] is None else str(i[k]) for k in
                ("alliance_index", "episodes", "resolved", "unresolved", "rupture_share")),
                ", ".join(i["flags"]))
        out.print(table)


class TableFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


@app.command()
def batch(
    inputs: Annotated[list[Path], typer.Argument(help="Files, folders or multi-session tables.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for the tables.")],
    consent: Annotated[str | None, typer.Option(
        "--consent", help="Attest research consent for every session in this run.")] = None,
    manifest: Annotated[Path | None, typer.Option(
        "--manifest", help="Consent manifest CSV (file or session_id, scope).")] = None,
    therapist: Annotated[list[str] | None, typer.Option("--therapist")] = None,
    engine: Annotated[str, typer.Option("--engine", help="local or ray.")] = "local",
    address: Annotated[str | None, typer.Option(
        "--address", help="Ray cluster address (e.g. ray://head:10001 or auto).")] = None,
    deidentify: Annotated[bool, typer.Option(
        "--deidentify/--no-deidentify",
        help="Replace identifiers in exported text, speakers, ids and paths (default on: "
        "research exports never carry the original text).")] = True,
    force: Annotated[bool, typer.Option("--force", help="Recompute finished sessions.")
                     ] = False,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Utterance table format.")
                   ] = TableFormat.parquet,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Score a corpus into tidy tables (resumable; rerun to continue an interrupted run)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from analyzer.batch import BatchOptions, run_batch

    _setup_logging(False)
    if engine not in ("local", "ray"):
        raise _fail("--engine must be local or ray")
    tagger = _load_tagger()
    if tagger is None:
        raise _fail("no tagger model installed in models/alliance-tagger — run `alliance train`")
    options = BatchOptions(consent_scope=consent, manifest=manifest,
                           therapists=tuple(therapist or ()), deidentify=deidentify,
                           force=force, table_format=fmt.value, engine=engine, address=address)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn(
        "{task.completed} sessions · {task.fields[rate]:.2f}/s"), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=quiet) as bar:
        task = bar.add_task("scoring", total=None, rate=0.0)
        started = time.perf_counter()

        def tick(done: int, skipped: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done + skipped, rate=rate)

        try:
            result = run_batch(list(inputs), out_dir, options, tagger, progress=tick)
        except AllianceInputError as exc:
            raise _fail(str(exc)) from None
    if not quiet:
        err.print(f"{result.done} scored, {result.skipped} already done, "
                  f"{len(result.failures)} failed, in {result.seconds:.1f} s → {out_dir}",
                  highlight=False)
    _report_failures(result.failures)


@app.command()
def agreement(
    first: Annotated[Path, typer.Argument(help="Annotation file A (CSV or parquet).")],
    second: Annotated[Path, typer.Argument(help="Annotation file B (CSV or parquet).")],
    n_boot: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples.")] = 1000,
) -> None:
    """Per-label Cohen's kappa, Krippendorff's alpha and F1 (B against A) with 95% bootstrap
    intervals, over the utterances both files annotate."""
    from rich.table import Table

    from analyzer.agreement import compare_files

    try:
        rows = compare_files(first, second, n_boot=n_boot)
    except AllianceInputError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"Agreement: {first.name} vs {second.name}")
    for col in ("label", "n", "pos A", "pos B", "kappa [95% CI]", "alpha [95% CI]",
                "F1 [95% CI]"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["label"], str(r["n"]), str(r["positives_a"]), str(r["positives_b"]),
                      *(_ci(r[m]) for m in ("kappa", "alpha", "f1")))
    out.print(table)


def _ci(values: list[float | None]) -> str:
    v, lo, hi = values
    return "n/a" if v is None else f"{v:.2f} [{lo:.2f}, {hi:.2f}]"


@app.command("app")
def run_app(
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
    port: Annotated[int, typer.Option("--port")] = 8501,
) -> None:
    """Start the review app on http://localhost:PORT (bound to localhost)."""
    import os

    env = dict(os.environ, ALLIANCE_DB=db or default_db_url())
    app_py = Path(__file__).resolve().parent.parent / "app.py"
    if not app_py.exists():
        raise _fail(f"app.py not found next to the package ({app_py})")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_py),
           "--server.address", "localhost", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.headless", "true",
           "--server.maxUploadSize", "20", "--client.toolbarMode", "minimal"]
    # run from the project folder so .streamlit/config.toml applies wherever it is started
    raise typer.Exit(subprocess.call(cmd, env=env, cwd=app_py.parent))


app.add_typer(user_app, name="user")
app.add_typer(consent_app, name="consent")
app.command("audit")(audit)

corpus_app = typer.Typer(help="The annotated training corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("check")
def corpus_check(
    annomi: Annotated[Path | None, typer.Option(
        "--annomi", help="AnnoMI-simple.csv to join labels to (default: "
        "../shared/annomi/AnnoMI-simple.csv when present).")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Validate the corpus (schema, role rules, minimum counts, near-duplicates); print stats."""
    from rich.table import Table

    from analyzer.labels import LABELS
    from training.check import MAX_DUP_RATE, check_corpus
    from training.corpus import annomi_path

    _setup_logging(verbose)
    report = check_corpus(annomi_path(annomi))
    table = Table(title="Corpus statistics")
    cols = ["source", "sessions", "utterances", *LABELS, "unlabelled_share"]
    for col in cols:
        table.add_column(col)
    for source, stats in report.stats.items():
        table.add_row(source, *(str(stats.get(c, "-")) for c in cols[1:]))
    out.print(table)
    for source, counts in report.subtype_counts.items():
        sub = Table(title=f"Subtypes ({source})")
        sub.add_column("label:subtype")
        sub.add_column("count")
        for key, n in sorted(counts.items()):
            sub.add_row(key, str(n))
        out.print(sub)
    out.print(f"near-duplicate rate (utterances > 4 words): {report.duplicate_rate:.2%} "
              f"(limit {MAX_DUP_RATE:.0%})")
    for a, b in report.duplicate_examples:
        out.print(f"  e.g. {a!r} ~ {b!r}", highlight=False)
    if report.problems:
        for problem in report.problems[:50]:
            err.print(f"[bold red]problem:[/] {problem}", highlight=False, soft_wrap=True)
        if len(report.problems) > 50:
            err.print(f"... and {len(report.problems) - 50} more")
        raise typer.Exit(1)
    out.print("[bold green]corpus check passed[/]")


@app.command("train")
def train_cmd(
    config: Annotated[Path | None, typer.Option(
        "--config", help="Training config (YAML/JSON) for training.config.TrainConfig.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Model directory to write (default: models/alliance-tagger).")] = None,
    annomi: Annotated[Path | None, typer.Option(
        "--annomi", help="AnnoMI-simple.csv (default: ../shared/annomi when present).")] = None,
    tiny: Annotated[bool, typer.Option(
        "--tiny", help="A few sessions and one short epoch: proves the training path.")] = False,
) -> None:
    """Fine-tune the tagger on the corpus splits (LoRA encoder + context layer), calibrate,
    tune thresholds on dev, and save the model directory."""
    from pydantic import ValidationError

    from training.config import TrainConfig
    from training.train import train

    _setup_logging(True)
    try:
        cfg = TrainConfig.from_file(config) if config else TrainConfig()
        updates: dict[str, object] = {}
        if output:
            updates["output_dir"] = output
        if annomi:
            updates["annomi"] = annomi
        if tiny:
            updates.update(max_sessions_per_split=3, encoder_epochs=1, context_epochs=2)
        cfg = TrainConfig.model_validate({**cfg.model_dump(), **updates})
    except ValidationError as exc:
        raise _fail(f"invalid training config: {exc.errors()[0]['msg']}") from None
    except FileNotFoundError:
        raise _fail(f"no such config file: {config}") from None
    path = train(cfg)
    err.print(f"model saved to {path}", highlight=False)


@app.command("evaluate")
def evaluate_cmd(
    model: Annotated[Path | None, typer.Option("--model", help="Model directory.")] = None,
    annomi: Annotated[Path | None, typer.Option("--annomi", help="AnnoMI-simple.csv.")] = None,
    baselines: Annotated[bool, typer.Option(help="Also run the three baselines.")] = True,
    errors: Annotated[bool, typer.Option(
        "--errors", help="Print false positives/negatives on a test split (see --source); "
        "nothing is written.")] = False,
    source: Annotated[str, typer.Option(
        "--source", help="Test split for --errors: synthetic or annomi (needs the AnnoMI "
        "text; printed locally, never stored).")] = "synthetic",
) -> None:
    """Evaluate the tagger and the baselines; write metrics.json and MODEL_CARD.md."""
    from analyzer.tagger import DEFAULT_MODEL_DIR
    from training.evaluate import error_examples, evaluate, write_outputs

    _setup_logging(False)
    model_dir = model or DEFAULT_MODEL_DIR
    if not (model_dir / "config.json").is_file():
        raise _fail(f"no model at {model_dir} — run `alliance train` first")
    if errors:
        if source not in ("synthetic", "annomi"):
            raise _fail(f"unknown --source {source!r}: use synthetic or annomi")
        lines = error_examples(model_dir, source=source, annomi=annomi)
        if not lines:
            raise _fail(f"no {source} test sessions found (AnnoMI text missing? use --annomi)")
        for line in lines:
            out.print(line, highlight=False, markup=False)
        return
    results = evaluate(model_dir, annomi, baselines=baselines)
    write_outputs(results, model_dir)
    for source, m in results["model"].items():
        out.print(f"{source}: macro-F1 {m['macro_f1']:.3f}")
    err.print(f"wrote {model_dir / 'metrics.json'} and {model_dir / 'MODEL_CARD.md'}")


def main() -> None:
    try:
        app()
    except AllianceInputError as exc:  # last line of defence: never a traceback for bad input
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
