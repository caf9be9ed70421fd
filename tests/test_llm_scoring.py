"""Option-likelihood scoring (issue #20) on a tiny locally built model: the packed one-pass scores equal a direct
per-option computation, and the chosen answer is always one of the options."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.llm

from llm_tiny import build_tiny_model, synthetic_records  # noqa: E402
from motion_smd.llm.prompts import PromptBuilder  # noqa: E402
from motion_smd.llm.scoring import choose, option_scores  # noqa: E402


@pytest.fixture(scope="module")
def model_and_builder(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, PromptBuilder]:
    from motion_smd.llm.models import load_model

    model, tok = load_model(str(build_tiny_model(tmp_path_factory.mktemp("tiny") / "m")), device="cpu")
    model.eval()
    return model, PromptBuilder(tok, max_length=512)


def _direct(model: object, builder: PromptBuilder, record: dict, option: str) -> float:
    """Σ log p of the answer tokens of `option`, from its own single-example features (no packing)."""
    import torch

    f = builder.features({**record, "answer": option, "target": option})
    ids = torch.tensor([f["input_ids"]])
    with torch.inference_mode():
        logits = model(input_ids=ids).logits[0].float()  # type: ignore[operator]
    logp = torch.log_softmax(logits[:-1], dim=-1)
    labels = torch.tensor(f["labels"][1:])
    keep = labels != -100
    return float(logp[keep].gather(1, labels[keep][:, None]).sum())


def test_packed_scores_equal_per_option_forward_passes(model_and_builder: tuple[object, PromptBuilder]) -> None:
    model, builder = model_and_builder
    for record in synthetic_records(6, "test"):
        scores = option_scores(model, builder, record)
        assert [s.option for s in scores] == record["options"]
        for s in scores:
            assert s.n_tokens >= 2  # the option and the end of turn
            assert s.logprob == pytest.approx(_direct(model, builder, record, s.option), abs=1e-4)
        for norm in ("sum", "char"):
            picked = choose(scores, norm)  # type: ignore[arg-type]
            assert picked in record["options"]
            assert max(s.score(norm) for s in scores) == next(s.score(norm) for s in scores if s.option == picked)  # type: ignore[arg-type]


def test_one_motions_questions_scored_together_equal_per_option_passes(
    model_and_builder: tuple[object, PromptBuilder],
) -> None:
    from motion_smd.llm.scoring import option_scores_many

    model, builder = model_and_builder
    recs = synthetic_records(3, "test")
    questions = ["What does the person do?", "Which action is shown?", "What is the motion?"]
    recs = [{**recs[i], "smd": recs[0]["smd"], "question": q} for i, q in enumerate(questions)]
    together = option_scores_many(model, builder, recs, pack_length=128)  # small packs: several per motion
    assert len(builder.shared_prefix_features(
        [{**r, "answer": o, "target": o} for r in recs for o in r["options"]], pack_length=128)) > 1  # fmt: skip
    for record, scores in zip(recs, together, strict=True):
        assert [s.option for s in scores] == record["options"]
        for s in scores:
            assert s.logprob == pytest.approx(_direct(model, builder, record, s.option), abs=1e-4)
    with pytest.raises(ValueError, match=r"same SMD|one motion"):
        option_scores_many(model, builder, [recs[0], synthetic_records(2, "x")[1]])


def test_scoring_needs_options(model_and_builder: tuple[object, PromptBuilder]) -> None:
    model, builder = model_and_builder
    record = {**synthetic_records(1, "test")[0], "options": None}
    with pytest.raises(ValueError, match="needs options"):
        option_scores(model, builder, record)


def test_evaluate_by_likelihood_answers_among_the_options(
    model_and_builder: tuple[object, PromptBuilder], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from motion_smd.llm import LLMError
    from motion_smd.llm.backends import TransformersBackend
    from motion_smd.llm.evaluate import evaluate

    model, builder = model_and_builder
    recs = synthetic_records(8, "test")
    out = tmp_path_factory.mktemp("ev")
    res = evaluate("qa", TransformersBackend(model, builder.tokenizer), recs, out, scoring="loglik")
    assert res["scoring"] == "loglik" and res["metrics"]["unparseable"] == []
    assert res["metrics"]["extraction"].get("exact") == len(recs)  # the prediction is an option's text
    rows = [json.loads(x) for x in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    for rec, row in zip(recs, rows, strict=True):
        lls = row["option_logliks"]
        assert len(lls) == len(rec["options"]) and row["prediction"] == rec["options"][lls.index(max(lls))]
    with pytest.raises(LLMError, match="needs --task qa"):
        evaluate(
            "caption",
            TransformersBackend(model, builder.tokenizer),
            recs,
            tmp_path_factory.mktemp("c"),
            scoring="loglik",
        )

    class TextOnly:
        name = "server"

        def generate(self, batch: object, max_new_tokens: int = 32) -> list[str]:
            raise AssertionError("not called")

    with pytest.raises(LLMError, match="needs a local model"):
        evaluate("qa", TextOnly(), recs, tmp_path_factory.mktemp("s"), scoring="loglik")  # type: ignore[arg-type]
