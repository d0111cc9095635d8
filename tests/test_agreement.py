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


def test_compare_files_kappa_alpha_f1(tmp_path) -> None:
    from analyzer.agreement import compare_files

    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    rows_a = ["session_id,index,labels"] + [
        f"s,{i},{'repair' if i % 4 == 0 else ''}" for i in range(40)]
    rows_b = ["session_id,index,labels"] + [
        f"s,{i},{'repair' if i % 4 == 0 and i != 8 else ''}" for i in range(40)]
    a.write_text("\n".join(rows_a) + "\n")
    b.write_text("\n".join(rows_b) + "\n")
    res = {r["label"]: r for r in compare_files(a, b, n_boot=100)}
    rep = res["repair"]
    assert (rep["n"], rep["positives_a"], rep["positives_b"]) == (40, 10, 9)
    assert 0.8 < rep["kappa"][0] < 1.0 and 0.8 < rep["alpha"][0] < 1.0
    assert rep["f1"][0] == pytest.approx(2 * 9 / 19)
    assert rep["kappa"][1] <= rep["kappa"][0] <= rep["kappa"][2]
    assert res["withdrawal"]["kappa"][0] is None


def test_compare_files_errors(tmp_path) -> None:
    from analyzer.agreement import compare_files
    from analyzer.errors import AllianceInputError

    a = tmp_path / "a.csv"
    a.write_text("foo,bar\n1,2\n")
    with pytest.raises(AllianceInputError, match="no key columns"):
        compare_files(a, a)
