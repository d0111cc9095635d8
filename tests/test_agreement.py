from __future__ import annotations

import pytest

from analyzer.agreement import label_agreement


def test_perfect_and_chance_agreement() -> None:
    a = {("s", str(i)): (["repair"] if i % 5 == 0 else []) for i in range(100)}
    same = label_agreement(a, dict(a), labels=["repair"], n_boot=50)[0]
    assert same.kappa == pytest.approx(1.0)
    assert same.positives_a == same.positives_b == 20
    flipped = {k: ([] if v else ["repair"]) for k, v in a.items()}
    opposite = label_agreement(a, flipped, labels=["repair"], n_boot=50)[0]
    assert opposite.kappa is not None and opposite.kappa < 0
    assert opposite.observed == 0.0


def test_only_shared_keys_count_and_undefined_kappa() -> None:
    a = {("s", "1"): ["collaboration"], ("s", "2"): [], ("s", "3"): []}
    b = {("s", "1"): ["collaboration"], ("s", "2"): [], ("t", "9"): ["collaboration"]}
    res = {r.label: r for r in label_agreement(a, b, labels=["collaboration", "repair"],
                                                n_boot=20)}
    assert res["collaboration"].n == 2
    assert res["repair"].kappa is None  # no positives on either side
