from __future__ import annotations

import numpy as np
import pytest

from analyzer.encoder import Encoder, base_model_path, load_encoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder()  # the real packaged model, loaded once per test session


def test_model_comes_from_the_installed_package() -> None:
    path = base_model_path()
    assert (path / "model.safetensors").is_file()
    assert "site-packages" in str(path) or "dist-packages" in str(path)


def test_one_or_many_and_order_restored(encoder: Encoder) -> None:
    texts = ["I don't want to do the worksheet.", "Okay.",
             "Could we try something different this week, maybe voice notes instead?"]
    many = encoder.encode(texts)
    assert many.shape == (3, encoder.dim)
    for i, text in enumerate(texts):
        assert np.allclose(encoder.encode(text), many[i], atol=1e-5)
    assert np.allclose(np.linalg.norm(many, axis=1), 1.0, atol=1e-5)


def test_similar_meaning_is_closer(encoder: Encoder) -> None:
    a, b, c = encoder.encode(["You are not listening to me.", "You never hear what I say.",
                              "The bus was late this morning."])
    assert a @ b > a @ c


def test_long_text_is_chunked_not_truncated(encoder: Encoder) -> None:
    head = "I keep thinking about my father and the hospital. " * 30
    tail = "Anyway the football was great on Saturday and we won four nil. " * 30
    emb_full = encoder.encode(head + tail)
    emb_head = encoder.encode(head[:500])
    emb_tail = encoder.encode(tail[:500])
    # the tail (beyond the 128-token window) still shapes the embedding
    assert emb_full @ emb_tail > 0.5 and emb_full @ emb_head > 0.5
