"""Add a session page: upload, consent attestation, speaker roles, analysis, save.

The upload is size-checked before it is parsed and staged under a private temporary folder
with a sanitised name (``analyzer.uploads``). Nothing is stored until the consent form is
submitted with the attestation ticked.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from analyzer.errors import AllianceInputError
from analyzer.labels import CONSENT_SCOPES, ROLES
from analyzer.pipeline import analyze_session
from analyzer.readers import SUPPORTED_SUFFIXES
from analyzer.render import clock
from analyzer.segment import split_sentences
from analyzer.session import Session
from analyzer.ui import common
from analyzer.uploads import check_size, prepare_upload, read_upload, upload_limit_mb

FORMATS = ("Plain text / Markdown / Word with `Therapist:` / `Client:` (or name) labels · "
           "WebVTT and SRT captions with speaker names · Whisper/WhisperX JSON with speakers · "
           "CSV/TSV with speaker and text columns · the project's session JSON")


def _read(name: str, data: bytes, file_id: str, limit_mb: int) -> list[Session]:
    """Parse an upload once per file (kept in the browser session, not on disk)."""
    cache = st.session_state.setdefault("_upload_cache", {})
    if file_id not in cache:
        cache.clear()
        with tempfile.TemporaryDirectory(prefix="alliance-upload-") as folder:
            cache[file_id] = read_upload(name, data, Path(folder), limit_mb)
    return [s.model_copy(deep=True) for s in cache[file_id]]


def _preview(session: Session) -> None:
    cols = st.columns(4)
    cols[0].metric("Utterances", len(session.utterances))
    cols[1].metric("Speakers", len(session.speakers))
    cols[2].metric("Duration", clock(session.duration))
    cols[3].metric("Roles", "inferred" if session.roles_inferred else "from labels")
    with st.expander("First turns"):
        colors = common.speaker_colors(session)
        for utt in session.utterances[:6]:
            st.markdown(f"{common.speaker_md(session, utt.speaker, colors)}: "
                        f"{common.md_escape(utt.text[:300])}")


def _analyse(session: Session) -> str:
    """Run the pipeline with a progress bar and store the session; returns its id."""
    bar = st.progress(0, text="Splitting sentences…")
    split_sentences(session)
    bar.progress(25, text="Loading the tagger model…")
    tagger = common.get_tagger()
    bar.progress(45, text="Tagging alliance markers…" if tagger else
                 "No tagger model installed: computing the summary only…")
    analyze_session(session, tagger)
    bar.progress(85, text="Saving…")
    from analyzer.ui import auth

    session.metadata.setdefault("owner", auth.user().username if auth.user() else
                                common.default_reviewer())
    session_id = common.store().save(session)
    auth.audit("add", session_id)
    bar.progress(100, text="Done")
    return session_id


def render() -> None:
    st.title("Add a session", anchor=False)
    common.show_flash()
    limit = upload_limit_mb()
    upload = st.file_uploader(
        f"Transcript (up to {limit} MB)", type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
        key="upload_file", max_upload_size=limit, help=FORMATS)
    if upload is None:
        st.caption(FORMATS)
        return
    try:
        check_size(upload.name, upload.size, limit)  # before anything parses it
        sessions = _read(upload.name, upload.getvalue(), upload.file_id, limit)
    except AllianceInputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    names = {s.id: s for s in sessions}
    chosen = (st.selectbox(f"This file holds {len(sessions)} sessions; add", list(names),
                           key="upload_session") if len(sessions) > 1 else sessions[0].id)
    session = names[str(chosen)]
    st.subheader(f"Session {session.id}", anchor=False)
    _preview(session)

    with st.form("add_session_form"):
        st.markdown("**1 · Consent attestation** — required")
        given = session.consent.scope if session.consent else None
        c = st.columns(2)
        scope = c[0].selectbox("Consent scope", CONSENT_SCOPES, key="consent_scope",
                               index=CONSENT_SCOPES.index(given) if given else 0,
                               help="What the client consented to: supervision, research "
                                    "or the therapist's self-review.")
        attested_by = c[1].text_input("Attested by", value=common.reviewer(),
                                      key="consent_by", help="Who vouches for the consent.")
        attest_ok = st.checkbox("I attest that the client gave informed consent for this "
                                "recording to be analysed for the scope above.",
                                key="consent_ok")
        st.markdown("**2 · Speakers and roles** — pre-filled, check them")
        if session.roles_inferred:
            st.caption("Roles were guessed (the speaker who asks most questions, speaks first "
                       "or has a title is taken as the therapist).")
        roles: dict[str, str] = {}
        turns = {s: [u for u in session.utterances if u.speaker == s] for s in session.speakers}
        for i, (speaker, role) in enumerate(session.speakers.items()):
            row = st.columns([2, 1, 5, 2], vertical_alignment="center")
            row[0].markdown(common.speaker_md(session, speaker))
            row[1].caption(f"{len(turns[speaker])} turns")
            first = turns[speaker][0].text[:120] if turns[speaker] else ""
            row[2].caption(common.md_escape(first))
            roles[speaker] = row[3].selectbox(
                "Role", ROLES, index=ROLES.index(role) if role in ROLES else 2,
                key=f"role-{i}", label_visibility="collapsed")
        submitted = st.form_submit_button("Analyse and save", type="primary",
                                          icon=":material/play_arrow:")
    if not submitted:
        return
    if not attest_ok:
        st.error("Tick the consent attestation: only consented sessions are analysed.")
        return
    try:
        prepare_upload(session, roles, scope, attested_by)
        session_id = _analyse(session)
    except AllianceInputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.success(f"Saved as session {session_id}.")
    common.nav_button("Open the review", "review", session_id, key="add-open", primary=True,
                      icon=":material/timeline:")
