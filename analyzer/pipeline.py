"""The analysis pipeline: read → consent → roles → sentences → tag → episodes → summary → store.

Every step is a function ``Session -> Session``. ``analyze_paths`` runs them over many inputs:
each session is computed in full first, then written in one transaction; a bad file or a
session without consent is recorded as a failure and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.consent import Manifest, require_consent
from analyzer.episodes import build_episodes
from analyzer.errors import AllianceInputError
from analyzer.profile import profile
from analyzer.readers import iter_inputs, read_path
from analyzer.roles import assign_roles
from analyzer.segment import split_sentences
from analyzer.session import Session
from analyzer.storage import Store
from analyzer.summary import summarize

log = logging.getLogger(__name__)

Step = Callable[[Session], Session]


@dataclass
class Failure:
    """An input that could not be analysed, with the user-facing reason."""

    path: str
    session: str | None
    error: str


@dataclass
class AnalyzeResult:
    sessions: list[Session] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class AnalyzeOptions:
    therapists: Sequence[str] = ()
    consent_scope: str | None = None
    attested_by: str | None = None
    manifest: Path | None = None
    tagger: Step | None = None  # the fine-tuned tagger, when one is installed


def analyze_session(session: Session, tagger: Step | None = None) -> Session:
    """The compute steps for one consented session with roles assigned."""
    split_sentences(session)
    if tagger is not None:
        tagger(session)
        build_episodes(session)
    summarize(session)
    if tagger is not None:
        profile(session, getattr(tagger, "norms", None))
    return session


def analyze_paths(
    paths: Iterable[str | Path],
    options: AnalyzeOptions | None = None,
    store: Store | None = None,
    on_session: Callable[[Session | None, Failure | None], None] | None = None,
) -> AnalyzeResult:
    """Analyse every session in ``paths``; store each one if ``store`` is given."""
    options = options or AnalyzeOptions()
    manifest = Manifest.load(Path(options.manifest)) if options.manifest else None
    result = AnalyzeResult()

    def fail(path: str, session: str | None, error: str) -> None:
        failure = Failure(path=path, session=session, error=error)
        result.failures.append(failure)
        log.debug("failed: %s", failure)
        if on_session:
            on_session(None, failure)

    for raw in paths:
        try:
            files = list(iter_inputs([raw]))
        except AllianceInputError as exc:
            fail(str(raw), None, str(exc))
            continue
        for path in files:
            try:
                sessions = read_path(path)
            except AllianceInputError as exc:
                fail(str(path), None, str(exc))
                continue
            for session in sessions:
                try:
                    require_consent(session, scope=options.consent_scope,
                                    attested_by=options.attested_by, manifest=manifest)
                    assign_roles(session, options.therapists)
                    analyze_session(session, options.tagger)
                    if store is not None:
                        store.save(session)
                except AllianceInputError as exc:
                    fail(str(path), session.id, str(exc))
                    continue
                result.sessions.append(session)
                if on_session:
                    on_session(session, None)
    return result


def score(
    items: str | Path | Session | Iterable[str | Path | Session],
    *,
    consent: str | None = None,
    therapists: Sequence[str] = (),
    tagger: Step | None = None,
) -> pd.DataFrame:
    """Notebook API: analyse paths and/or Session objects; one row per utterance.

    Columns: session_id, index, source_id, speaker, role, start, end, text, p_<label> for
    each label, labels. Paths go through the consent gate (``consent`` attests a scope for
    all of them); Session objects are taken as given. Nothing is stored.
    """
    from analyzer.errors import AllianceInputError
    from analyzer.tables import utterances_frame
    from analyzer.tagger import load_default_tagger

    tagger = tagger or load_default_tagger()
    if tagger is None:
        raise AllianceInputError("no tagger model installed",
                                 hint="train one with `alliance train`")
    if isinstance(items, str | Path | Session):
        items = [items]
    sessions: list[Session] = []
    paths: list[str | Path] = []
    for item in items:
        if isinstance(item, Session):
            sessions.append(analyze_session(assign_roles(item.model_copy(deep=True),
                                                         therapists), tagger))
        else:
            paths.append(item)
    if paths:
        result = analyze_paths(paths, AnalyzeOptions(therapists=therapists,
                                                     consent_scope=consent, tagger=tagger))
        if result.failures:
            raise AllianceInputError("; ".join(f.error for f in result.failures))
        sessions += result.sessions
    return utterances_frame(sessions)
