"""Caption metrics against pycocoevalcap computed directly, BERTScore labelling, retrieval math."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from motion_smd.errors import ConfigError
from motion_smd.metrics.captions import caption_metrics, simple_tokenize, tokenize_all
from motion_smd.metrics.retrieval import euclidean_distance_matrix, load_embeddings, r_precision

PREDS = {
    "m1": "a person walks forward.",
    "m2": "someone jumps up and down",
    "m3": "a man waves his right hand",
}
REFS = {
    "m1": ["a person walks forward slowly.", "the man walks ahead"],
    "m2": ["a person jumps in place", "someone hops up and down twice"],
    "m3": ["a person waves with the right hand", "a man waves hello"],
}

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="Java not installed (PTB tokenizer, METEOR)")


def test_hand_checkable_bleu1_simple_tokenizer() -> None:
    # one caption, one reference, no Java: BLEU@1 = clipped unigram precision × brevity penalty
    # cand "a man walks" vs ref "a man walks fast": precision 3/3, BP = exp(1 - 4/3)
    s = caption_metrics({"x": "A man walks."}, {"x": ["a man walks fast"]}, meteor=False, use_ptb=False)
    assert s.tokenizer == "simple"
    assert s.scores["BLEU@1"] == pytest.approx(np.exp(1 - 4 / 3), rel=1e-6)
    # ROUGE-L: LCS 3, P = 1, R = 3/4, beta 1.2 → F = (1 + b²) P R / (R + b² P)
    b2 = 1.2**2
    assert s.scores["ROUGE-L"] == pytest.approx((1 + b2) * 0.75 / (0.75 + b2), rel=1e-6)
    assert simple_tokenize("Hello, World!  it's") == "hello world it's"


@needs_java
def test_caption_metrics_equal_pycocoevalcap_direct() -> None:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    s = caption_metrics(PREDS, REFS, meteor=True)
    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{"caption": r} for r in v] for k, v in REFS.items()})
    res = tok.tokenize({k: [{"caption": v}] for k, v in PREDS.items()})
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    assert [s.scores[f"BLEU@{k}"] for k in (1, 2, 3, 4)] == pytest.approx(bleu, abs=1e-12)
    assert s.scores["ROUGE-L"] == pytest.approx(Rouge().compute_score(gts, res)[0], abs=1e-12)
    assert s.scores["CIDEr"] == pytest.approx(Cider().compute_score(gts, res)[0], abs=1e-12)
    assert s.scores["METEOR"] == pytest.approx(Meteor().compute_score(gts, res)[0], abs=1e-9)
    assert s.tokenizer == "ptb" and any("SPICE" in n for n in s.notes)
    assert s.as_percent()["CIDEr"] == pytest.approx(100 * s.scores["CIDEr"])
    # the whole set at once: CIDEr of the set differs from the mean of per-caption CIDEr (IDF over the set)
    whole = caption_metrics(PREDS, REFS, meteor=False, use_ptb=False).scores["CIDEr"]
    single = [caption_metrics({k: PREDS[k]}, {k: REFS[k]}, meteor=False, use_ptb=False).scores["CIDEr"] for k in PREDS]
    assert not np.isclose(np.mean(single), whole)


def test_caption_input_errors() -> None:
    with pytest.raises(ConfigError, match="no reference"):
        tokenize_all({"a": "x"}, {}, use_ptb=False)
    with pytest.raises(ConfigError, match="empty"):
        tokenize_all({}, {}, use_ptb=False)


@pytest.mark.slow
def test_bertscore_minilm_offline_labelled() -> None:
    from motion_smd.metrics.captions import bertscore, minilm_bertscore

    cfg = minilm_bertscore()
    r = bertscore(PREDS, REFS, cfg, device="cpu")
    assert not r.comparable and "NOT comparable" in r.label
    assert 0.5 < r.f1 <= 1.0
    # identical candidate and reference score 1 (without IDF: with one reference every IDF weight is 0)
    same = bertscore({"a": "a person walks"}, {"a": ["a person walks"]}, replace(cfg, idf=False), device="cpu")
    assert same.f1 == pytest.approx(1.0, abs=1e-4)
    assert r.f1 < same.f1


def test_paper_bertscore_setting() -> None:
    from motion_smd.metrics.captions import PAPER_BERTSCORE, minilm_model_dir

    assert (PAPER_BERTSCORE.model, PAPER_BERTSCORE.num_layers) == ("roberta-large", 17)
    assert PAPER_BERTSCORE.idf and PAPER_BERTSCORE.rescale_with_baseline and PAPER_BERTSCORE.comparable
    assert (minilm_model_dir() / "model.safetensors").is_file()


# ---------- retrieval math on synthetic embeddings ----------


def test_distance_matrix() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(6, 4))
    ref = np.linalg.norm(a[:, None] - b[None], axis=-1)
    assert np.allclose(euclidean_distance_matrix(a, b), ref)


def test_r_precision_perfect_and_hand_case() -> None:
    rng = np.random.default_rng(1)
    m = rng.normal(size=(64, 8))
    s = r_precision(m, m, replications=3)
    assert np.allclose(s.r_precision, 1.0) and s.mm_dist == pytest.approx(0.0, abs=1e-6) and s.n == 64
    # hand case, batch of 4 on a line: motions at 0, 1, 2, 3; texts at 0.4, 0.6, 2.0, 10 →
    # row0 nearest 0 (hit@1); row1 nearest 1 (|0.6-1|=0.4 < 0.6) hit@1; row2 hit@1; row3 nearest 3 hit@1
    # swap texts 0 and 1 positions: t = 0.6, 0.4 → row0 nearest motion 1 (0.4) then 0 (0.6): hit@2
    t = np.array([[0.6], [0.4], [2.0], [10.0]])
    mo = np.array([[0.0], [1.0], [2.0], [3.0]])
    s = r_precision(t, mo, batch_size=4, top_k=3, shuffle=False)
    # row0: rank of 0 is 2; row1: nearest 0 (0.4) then 1 (0.6) → rank 2; rows 2, 3: rank 1
    assert s.r_precision.tolist() == [0.5, 1.0, 1.0]
    assert s.mm_dist == pytest.approx((0.6 + 0.6 + 0.0 + 7.0) / 4)


def test_r_precision_random_matches_chance() -> None:
    rng = np.random.default_rng(2)
    t, m = rng.normal(size=(3200, 16)), rng.normal(size=(3200, 16))
    s = r_precision(t, m, replications=2, seed=0)
    assert s.r_precision == pytest.approx(np.array([1, 2, 3]) / 32, abs=0.015)
    again = r_precision(t, m, replications=2, seed=0)
    assert np.array_equal(s.r_precision, again.r_precision)  # deterministic under the seed
    with pytest.raises(ConfigError, match="at least 32"):
        r_precision(t[:10], m[:10])
    with pytest.raises(ConfigError, match=r"\(N, D\)"):
        r_precision(t, m[:, :3])


def test_cli_metrics_caption(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motion_smd.cli import app

    preds = tmp_path / "p.jsonl"
    recs = tmp_path / "r.jsonl"
    preds.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n" for k, v in PREDS.items()))
    recs.write_text("".join(json.dumps({"id": k, "references": v}) + "\n" for k, v in REFS.items()))
    rng = np.random.default_rng(0)
    e = rng.normal(size=(40, 8))
    np.savez(tmp_path / "emb.npz", text=e, motion=e)
    assert load_embeddings(tmp_path / "emb.npz")[0].shape == (40, 8)
    out = tmp_path / "s.json"
    res = CliRunner().invoke(
        app,
        [
            "metrics",
            "caption",
            str(preds),
            "--records",
            str(recs),
            "--no-meteor",
            "--embeddings",
            str(tmp_path / "emb.npz"),
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text())
    direct = caption_metrics(PREDS, REFS, meteor=False)
    assert d["scores"]["CIDEr"] == pytest.approx(direct.scores["CIDEr"])
    assert d["retrieval"]["R@1"] == 1.0 and "R@1 1.000" in res.output
