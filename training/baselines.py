"""Baselines the fine-tuned tagger must beat, run by the same evaluation harness.

- ``KeywordBaseline``: a small hand-written lexicon per label. It exists only as a point of
  comparison in ``alliance evaluate``; keyword rules are never used to produce markers.
- ``TfidfBaseline``: word 1–2-gram TF-IDF of ``"<role>: <text>"`` + logistic regression per
  label (class-balanced).
- ``FrozenEncoderBaseline``: the packaged MiniLM, not fine-tuned, mean-pooled embeddings +
  logistic regression per label (class-balanced).
Each returns probabilities per session; role rules are applied; thresholds are tuned on dev.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from analyzer.labels import LABELS
from training.dataset import SessionData

LEXICON: dict[str, list[str]] = {
    "goal_agreement": [r"\bgoal", r"\bwork(ing)? (on|towards)\b", r"\bwhat you('d| would) "
                       r"like\b", r"\bfocus on\b", r"\bthat's what i want\b", r"\baim\b"],
    "collaboration": [r"\bwould it be (ok|okay|alright)\b", r"\bis it (ok|okay|alright)\b",
                      r"\bwhat do you think\b", r"\bshall we\b", r"\blet'?s\b", r"\bi('ll| will) "
                      r"(try|do)\b", r"\bhow about\b", r"\bwe could\b"],
    "withdrawal": [r"^\W*(i )?(dunno|don'?t know|i guess|whatever|fine|nothing)\W*$",
                   r"\bdoesn'?t matter\b", r"\bno point\b", r"\bi'?m fine\b",
                   r"\bwhatever you think\b", r"\bcan we (not|talk about something else)\b"],
    "confrontation": [r"\byou('re| are)? not listening\b", r"\byou don'?t (get|understand)\b",
                      r"\bthis (is|isn'?t) (pointless|working|helping)\b", r"\bwaste of\b",
                      r"\bi'?m not doing\b", r"\bstop\b", r"\bjust tell me\b", r"\bwhy should\b"],
    "repair": [r"\bthat'?s on me\b", r"\bi('m| am) sorry\b", r"\bmakes sense\b",
               r"\bwhat just happened\b", r"\bi (pushed|was pushing)\b", r"\byou'?re right\b",
               r"\bcan we (pause|step back)\b", r"\bi hear (you|that)\b"],
}


def _mask(data: list[SessionData]) -> list[np.ndarray]:
    return [d.mask for d in data]


class KeywordBaseline:
    name = "keyword lexicon"

    def __init__(self) -> None:
        self.patterns = {lb: [re.compile(p, re.IGNORECASE) for p in ps]
                         for lb, ps in LEXICON.items()}

    def fit(self, train: list[SessionData]) -> KeywordBaseline:
        return self

    def predict(self, data: list[SessionData]) -> list[np.ndarray]:
        out = []
        for d in data:
            texts = [u.text for u in d.session.utterances]
            hits = np.array([[sum(bool(p.search(t)) for p in self.patterns[lb]) for lb in LABELS]
                             for t in texts], dtype=np.float32).reshape(-1, len(LABELS))
            out.append(np.minimum(hits / 2.0, 1.0) * d.mask)
        return out


class _LinearBaseline:
    def _features(self, data: list[SessionData]) -> np.ndarray:
        raise NotImplementedError

    def fit(self, train: list[SessionData]) -> _LinearBaseline:
        x = self._features(train)
        gold = np.concatenate([d.gold for d in train])
        mask = np.concatenate([d.mask for d in train])
        self.models = []
        for j in range(len(LABELS)):
            keep = mask[:, j] > 0
            y = gold[keep, j]
            if y.sum() == 0:
                self.models.append(None)
                continue
            clf = LogisticRegression(max_iter=2000, class_weight="balanced", C=1.0)
            self.models.append(clf.fit(x[keep], y))
        return self

    def predict(self, data: list[SessionData]) -> list[np.ndarray]:
        x = self._features(data)
        probs = np.zeros((x.shape[0], len(LABELS)), dtype=np.float32)
        for j, clf in enumerate(self.models):
            if clf is not None:
                probs[:, j] = clf.predict_proba(x)[:, 1]
        out, start = [], 0
        for d in data:
            out.append(probs[start:start + len(d.texts)] * d.mask)
            start += len(d.texts)
        return out


class TfidfBaseline(_LinearBaseline):
    name = "TF-IDF + logistic regression"

    def fit(self, train: list[SessionData]) -> TfidfBaseline:
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.vectorizer.fit([t for d in train for t in d.texts])
        super().fit(train)
        return self

    def _features(self, data: list[SessionData]) -> np.ndarray:
        return self.vectorizer.transform([t for d in data for t in d.texts])


class FrozenEncoderBaseline(_LinearBaseline):
    name = "frozen encoder + logistic regression"

    def __init__(self) -> None:
        from analyzer.encoder import Encoder

        self.encoder = Encoder()
        self._cache: dict[tuple[str, ...], np.ndarray] = {}

    def _features(self, data: list[SessionData]) -> np.ndarray:
        key = tuple(f"{d.source}/{d.session.id}" for d in data)
        if key not in self._cache:
            self._cache[key] = self.encoder.encode([t for d in data for t in d.texts])
        return self._cache[key]
