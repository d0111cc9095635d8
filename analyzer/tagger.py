"""The fine-tuned alliance-marker tagger: model, save/load, and the pipeline step.

Architecture (hierarchical; see ``models/alliance-tagger/MODEL_CARD.md``):
1. The packaged all-MiniLM-L6-v2 encoder, fine-tuned with LoRA adapters (peft), embeds each
   utterance once, as ``"<role>: <text>"`` (long turns in sentence chunks, averaged).
2. A context layer — a bidirectional GRU over the session's utterance embeddings plus role
   embeddings — sees every preceding and following turn and produces one logit per label.
3. Per-label calibration (temperature and offset) and decision thresholds, fitted on dev.
4. Codebook role rules: withdrawal/confrontation only for clients, repair only for
   therapists; disallowed labels get probability 0.

A model directory holds ``config.json`` (base package and version, labels, thresholds,
calibration, architecture), ``adapter/`` (the LoRA weights) and ``context.safetensors``.

Pipeline step ``Tagger.__call__(session)``
reads utterance roles and text; writes ``utterance.scores``, model-origin annotations,
and ``session.analysis`` (model name, version, thresholds).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from analyzer.labels import ALLOWED_ROLES, LABELS
from analyzer.profile import ProfileNorms
from analyzer.session import AnalysisInfo, Annotation, Session

log = logging.getLogger(__name__)

ROLE_INDEX = {"therapist": 0, "client": 1, "other": 2}
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "alliance-tagger"
MODEL_NAME = "alliance-tagger"


def role_mask(roles: Sequence[str]) -> np.ndarray:
    """(n, n_labels) 1 where the codebook allows the label for the speaker's role."""
    return np.array([[float(r in ALLOWED_ROLES[label]) for label in LABELS] for r in roles],
                    dtype=np.float32)


def encoder_text(role: str, text: str) -> str:
    return f"{role}: {text}"


class ContextLayer(nn.Module):
    """BiGRU over a session's utterance embeddings (+ role embeddings) → label logits."""

    def __init__(self, dim_in: int = 384, hidden: int = 128, role_dim: int = 16,
                 n_labels: int = len(LABELS), dropout: float = 0.2):
        super().__init__()
        self.role_emb = nn.Embedding(len(ROLE_INDEX), role_dim)
        self.proj = nn.Sequential(nn.Linear(dim_in + role_dim, 2 * hidden), nn.GELU(),
                                  nn.Dropout(dropout))
        self.gru = nn.GRU(2 * hidden, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden + 2 * hidden, n_labels)

    def forward(self, emb: torch.Tensor, roles: torch.Tensor, lengths: torch.Tensor
                ) -> torch.Tensor:
        x = self.proj(torch.cat([emb, self.role_emb(roles)], dim=-1))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.gru(packed)
        ctx, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                  total_length=x.shape[1])
        return self.head(self.drop(torch.cat([ctx, x], dim=-1)))


def context_logits(layer: ContextLayer, sessions_emb: list[np.ndarray],
                   sessions_roles: list[list[str]]) -> list[np.ndarray]:
    """Run the context layer over sessions (padded batch); returns raw logits per session."""
    if not sessions_emb:
        return []
    lengths = torch.tensor([len(e) for e in sessions_emb])
    t_max = int(lengths.max())
    dim = sessions_emb[0].shape[1] if len(sessions_emb[0]) else layer.proj[0].in_features - 16
    emb = torch.zeros(len(sessions_emb), t_max, dim)
    roles = torch.zeros(len(sessions_emb), t_max, dtype=torch.long)
    for i, (e, r) in enumerate(zip(sessions_emb, sessions_roles, strict=True)):
        emb[i, : len(e)] = torch.from_numpy(e)
        roles[i, : len(r)] = torch.tensor([ROLE_INDEX.get(x, 2) for x in r])
    with torch.inference_mode():
        logits = layer(emb, roles, lengths.clamp(min=1)).numpy()
    return [logits[i, : len(e)] for i, e in enumerate(sessions_emb)]


def calibrated(logits: np.ndarray, temperatures: Sequence[float], offsets: Sequence[float],
               mask: np.ndarray) -> np.ndarray:
    """Calibrated probabilities: sigmoid(logit / T + b) per label, 0 where the role forbids it."""
    z = logits / np.asarray(temperatures, dtype=np.float32) + np.asarray(offsets, np.float32)
    return (1.0 / (1.0 + np.exp(-z))) * mask


class Tagger:
    """A trained tagger loaded from a model directory. ``tagger(session)`` tags in place."""

    def __init__(self, config: dict[str, Any], encoder: Any, context: ContextLayer):
        self.config = config
        self.encoder = encoder
        self.context = context.eval()
        self.labels: list[str] = list(config["labels"])
        self.thresholds = np.array([config["thresholds"][lb] for lb in self.labels])
        cal = config["calibration"]
        self.temperatures = [cal[lb]["temperature"] for lb in self.labels]
        self.offsets = [cal[lb]["offset"] for lb in self.labels]
        norms = config.get("profile_norms")
        self.norms = ProfileNorms(**norms) if norms else None
        self.path: Path | None = None  # the model directory, when loaded from one

    # -- persistence -----------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_DIR) -> Tagger:
        from peft import PeftModel
        from safetensors.torch import load_file

        from analyzer.encoder import Encoder

        path = Path(path)
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        encoder = Encoder(max_tokens=config["encoder"]["max_tokens"])
        if (path / "adapter").is_dir():
            peft_model = PeftModel.from_pretrained(encoder.model, path / "adapter")
            encoder.model = peft_model.merge_and_unload().eval()  # no adapter cost at inference
        arch = config["context"]
        context = ContextLayer(dim_in=encoder.dim, hidden=arch["hidden"],
                               role_dim=arch["role_dim"], dropout=arch["dropout"])
        context.load_state_dict(load_file(str(path / "context.safetensors")))
        log.info("loaded %s %s from %s", config.get("name"), config.get("version"), path)
        tagger = cls(config, encoder, context)
        tagger.path = path
        return tagger

    @property
    def version(self) -> str:
        return str(self.config.get("version", "unknown"))

    # -- inference -------------------------------------------------------------------------
    def predict(self, sessions: Session | Sequence[Session]) -> list[np.ndarray]:
        """Calibrated probabilities (n_utterances, n_labels) per session, in input order."""
        items = [sessions] if isinstance(sessions, Session) else list(sessions)
        texts = [encoder_text(u.role, u.text) for s in items for u in s.utterances]
        emb = self.encoder.encode(texts) if texts else np.zeros((0, self.encoder.dim))
        per_session, start = [], 0
        for s in items:
            per_session.append(emb[start:start + len(s.utterances)])
            start += len(s.utterances)
        roles = [[u.role for u in s.utterances] for s in items]
        logits = context_logits(self.context, per_session, roles)
        return [calibrated(lg, self.temperatures, self.offsets, role_mask(r))
                for lg, r in zip(logits, roles, strict=True)]

    def __call__(self, session: Session) -> Session:
        return self.tag([session])[0]

    def tag(self, sessions: Sequence[Session]) -> list[Session]:
        """Fill scores and model annotations; reviewer annotations are left untouched."""
        for session, probs in zip(sessions, self.predict(sessions), strict=True):
            for utt, row in zip(session.utterances, probs, strict=True):
                utt.scores = {lb: float(p) for lb, p in zip(self.labels, row, strict=True)
                              if p > 0 or utt.role in ALLOWED_ROLES[lb]}
                keep = [a for a in utt.annotations if a.origin != "model"]
                model = [Annotation(label=lb, probability=float(p), origin="model")
                         for lb, p, t in zip(self.labels, row, self.thresholds, strict=True)
                         if p >= t]
                utt.annotations = model + keep
            session.analysis = AnalysisInfo(
                model_name=self.config.get("name", MODEL_NAME), model_version=self.version,
                thresholds={lb: float(t) for lb, t in zip(self.labels, self.thresholds,
                                                          strict=True)},
                base_model=self.config.get("base_model"),
                code_version=_code_version(),
            )
        return list(sessions)


def _code_version() -> str:
    from analyzer import __version__

    return __version__


@lru_cache(maxsize=1)
def load_default_tagger() -> Tagger | None:
    """The released tagger in ``models/alliance-tagger`` (or ``$ALLIANCE_MODEL``), if present."""
    import os

    path = Path(os.environ.get("ALLIANCE_MODEL", DEFAULT_MODEL_DIR))
    if not (path / "config.json").is_file():
        log.warning("no tagger model at %s: markers are not computed", path)
        return None
    return Tagger.load(path)
