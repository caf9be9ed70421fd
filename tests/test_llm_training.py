"""LoRA training on CPU with a tiny locally built model: train, checkpoint, resume, best adapter, reload,
evaluate (no hub, no real data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")
pytestmark = pytest.mark.llm

from llm_tiny import build_tiny_model, synthetic_records, write_records  # noqa: E402
from motion_smd.errors import ConfigError  # noqa: E402
from motion_smd.llm.training import TrainConfig, answer_metrics, pad_collate, train  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny")
    return {
        "model": build_tiny_model(root / "model"),
        "train": write_records(root / "train.jsonl", synthetic_records(40, "train")),
        "val": write_records(root / "val.jsonl", synthetic_records(10, "val", seed=1)),
    }


def _config(tiny: dict[str, Path], out: Path, max_steps: int) -> TrainConfig:
    return TrainConfig(
        task="qa", train=str(tiny["train"]), val=str(tiny["val"]), out=str(out), model=str(tiny["model"]),
        lr=5e-3, max_steps=max_steps, eval_steps=3, effective_batch=4, batch_size=2, logging_steps=1,
        max_length=256, lora_r=4, lora_alpha=8, threads=1, seed=0,
    )  # fmt: skip


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]


def test_pad_collate_masks_padding() -> None:
    feats = [
        {"input_ids": [5, 6, 7], "attention_mask": [1, 1, 1], "labels": [-100, 6, 7]},
        {"input_ids": [8], "attention_mask": [1], "labels": [-100]},
    ]
    b = pad_collate(feats, pad_id=0)
    assert b["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert b["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert b["labels"].tolist() == [[-100, 6, 7], [-100, -100, -100]]


def test_kept_logits_give_the_same_loss(tiny: dict[str, Path]) -> None:
    """Left padding + logits only on answer positions = right padding + full logits (same loss)."""
    import torch

    from motion_smd.llm.models import load_model
    from motion_smd.llm.prompts import PromptBuilder
    from motion_smd.llm.training import supports_logits_to_keep

    model, tok = load_model(str(tiny["model"]), device="cpu")
    assert supports_logits_to_keep(model)
    recs = synthetic_records(3, "x")
    recs[1]["smd"] += "\nextra line to make the rows differ in length"
    feats = [PromptBuilder(tok, max_length=256).features(r) for r in recs]
    full = pad_collate(feats, tok.pad_token_id)
    kept = pad_collate(feats, tok.pad_token_id, keep_logits=True)
    assert kept["labels"].shape[1] == kept["logits_to_keep"] < full["input_ids"].shape[1]
    assert (kept["labels"] != -100).sum() == (full["labels"] != -100).sum()
    with torch.no_grad():
        torch.testing.assert_close(model(**kept).loss, model(**full).loss, atol=1e-5, rtol=1e-5)


def test_answer_metrics_shifted_comparison() -> None:
    # position t predicts token t+1: row 0 gets both answer tokens, row 1 one of two
    labels = [[-100, -100, 4, 5], [-100, -100, 4, 5]]
    preds = [[0, 4, 5, 9], [0, 4, 7, 9]]
    m = answer_metrics(preds, labels)
    assert m["answer_exact"] == pytest.approx(0.5)
    assert m["answer_token_acc"] == pytest.approx(0.75)


def test_config_rejects_bad_values(tiny: dict[str, Path], tmp_path: Path) -> None:
    cfg = _config(tiny, tmp_path, 1)
    cfg.effective_batch, cfg.batch_size = 6, 4
    with pytest.raises(ConfigError, match="multiple"):
        cfg.check()
    with pytest.raises(ConfigError, match="task"):
        TrainConfig(task="xx", train="a", out="b").check()  # type: ignore[arg-type]


def test_train_resume_best_adapter_reload_and_evaluate(tiny: dict[str, Path], tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    from motion_smd.llm.backends import TransformersBackend
    from motion_smd.llm.evaluate import evaluate
    from motion_smd.llm.models import load_model
    from motion_smd.llm.records import read_records

    out = tmp_path / "run"
    res = train(_config(tiny, out, max_steps=6))
    assert res.global_step == 6
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["checkpoint-3", "checkpoint-6"]
    log = _log(out)
    losses = [r["loss"] for r in log if "loss" in r]
    assert len(losses) == 6 and losses[-1] < losses[0]  # it learns
    evals = [r for r in log if "eval_answer_exact" in r]
    assert [r["step"] for r in evals] == [3, 6]
    summary = json.loads(res.summary_path.read_text())
    assert summary["grad_accum"] == 2 and summary["per_device_batch"] == 2
    assert summary["tokens_per_example"]["max"] <= 256

    # resume: the same command with more steps continues from checkpoint-6
    res2 = train(_config(tiny, out, max_steps=9))
    assert res2.global_step == 9
    starts = [r for r in _log(out) if r.get("event") == "start"]
    assert starts[-1]["resume_from"].endswith("checkpoint-6")
    assert [r["step"] for r in _log(out) if "loss" in r][-3:] == [7, 8, 9]

    # the saved adapter is the best checkpoint's adapter: best answer_exact, ties to the lower validation loss
    summary2 = json.loads(res2.summary_path.read_text())
    evals2 = [r for r in _log(out) if "eval_answer_exact" in r]
    top = max(evals2, key=lambda r: (r["eval_answer_exact"], -r["eval_loss"], -r["step"]))
    assert summary2["best_checkpoint"].endswith(f"checkpoint-{top['step']}")
    assert summary2["best_metric"] == top["eval_answer_exact"]
    best_dir = Path(summary2["best_checkpoint"])
    saved = load_file(out / "adapter" / "adapter_model.safetensors")
    best = load_file(best_dir / "adapter_model.safetensors")
    assert saved.keys() == best.keys()
    assert all(torch.equal(saved[k], best[k]) for k in saved)

    # reload: adapter changes the outputs; merged and unmerged adapters agree
    base, tok = load_model(str(tiny["model"]), device="cpu")
    lora, _ = load_model(str(tiny["model"]), device="cpu", adapter=out / "adapter")
    merged, _ = load_model(str(tiny["model"]), device="cpu", adapter=out / "adapter", merge=True)
    ids = torch.tensor([tok("Question: What does the person do?")["input_ids"]])
    with torch.no_grad():
        lb, ll, lm = base(ids).logits, lora(ids).logits, merged(ids).logits
    assert not torch.allclose(lb, ll, atol=1e-4)
    torch.testing.assert_close(ll, lm, atol=1e-4, rtol=1e-4)

    # evaluate with the adapter: one prediction per record, metrics and baselines written
    recs = read_records(tiny["val"], "qa")
    backend = TransformersBackend.load(str(tiny["model"]), adapter=out / "adapter", device="cpu", batch_size=4)
    ev = evaluate("qa", backend, recs, tmp_path / "eval", max_new_tokens=4, max_length=256)
    preds = (tmp_path / "eval" / "predictions.jsonl").read_text().splitlines()
    assert len(preds) == len(recs) == ev["n"]
    assert ev["metrics"]["overall"]["total"] == len(recs)
    correct = sum(json.loads(p)["correct"] for p in preds)
    assert ev["metrics"]["overall"]["correct"] == correct
    assert set(ev["metrics"]["per_relation_type"]) == {"before", "none"}
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["accuracy"] == ev["accuracy"]


def test_train_without_validation_keeps_last(tiny: dict[str, Path], tmp_path: Path) -> None:
    cfg = _config(tiny, tmp_path / "noval", max_steps=2)
    cfg.val = None
    res = train(cfg)
    assert res.best_metric is None and res.global_step == 2
    assert (res.adapter_dir / "adapter_config.json").is_file()


def test_lora_on_last_layers_only(tiny: dict[str, Path], tmp_path: Path) -> None:
    from safetensors.torch import load_file

    cfg = _config(tiny, tmp_path / "top", max_steps=1)
    cfg.val, cfg.lora_layers = None, 1
    res = train(cfg)
    keys = list(load_file(res.adapter_dir / "adapter_model.safetensors"))
    assert keys and all(".layers.1." in k for k in keys)  # the tiny model has layers 0 and 1
    assert {k.split(".layers.1.")[1].split(".")[1] for k in keys} >= {"q_proj", "down_proj"}


def _one_motion_records(tiny: dict[str, Path]) -> list[dict]:
    recs = [json.loads(line) for line in tiny["train"].read_text().splitlines()]
    for r in recs:  # drop the per-record "clip i" line: records with one answer now share one SMD text
        r["smd"] = r["smd"].rsplit("\nclip", 1)[0]
    return recs


@pytest.mark.parametrize("keep_logits", [False, True])
def test_shared_prefix_pack_gives_the_separate_examples_logits(tiny: dict[str, Path], keep_logits: bool) -> None:
    import torch

    from motion_smd.llm.models import load_model
    from motion_smd.llm.prompts import PromptBuilder

    model, tok = load_model(str(tiny["model"]), device="cpu", dtype=torch.float32)
    model.eval()
    recs = [r for r in _one_motion_records(tiny) if r["smd"] == _one_motion_records(tiny)[0]["smd"]][:3]
    b = PromptBuilder(tok, max_length=4096)
    (pack,) = b.shared_prefix_features(recs)
    other = b.features(synthetic_records(1, "z", seed=2)[0])  # an unpacked row in the same batch
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def answer_logprobs(batch: dict, row: int) -> list[float]:
        kw = {k: v for k, v in batch.items() if k != "labels"}
        with torch.no_grad():
            logits = model(**kw).logits[row]
        lab = batch["labels"][row]
        lp = torch.log_softmax(logits[:-1], -1)
        tgt = lab[1:]
        keep = tgt != -100
        return lp[keep].gather(-1, tgt[keep][:, None]).squeeze(-1).tolist()

    if keep_logits:  # the LM head runs on the answer positions only, and the loss is unchanged
        index_kept, full = pad_collate([pack, other], pad, True), pad_collate([pack, other], pad, False)
        assert index_kept["logits_to_keep"].shape[0] < index_kept["input_ids"].shape[1] // 2
        with torch.no_grad():
            torch.testing.assert_close(model(**index_kept).loss, model(**full).loss, atol=1e-5, rtol=1e-5)
    packed = answer_logprobs(pad_collate([pack, other], pad, keep_logits), 0)
    separate = [x for r in recs for x in answer_logprobs(pad_collate([b.features(r)], pad, keep_logits), 0)]
    assert len(packed) == len(separate) > 3
    assert max(abs(x - y) for x, y in zip(packed, separate, strict=True)) < 1e-4
    alone = answer_logprobs(pad_collate([other], pad, keep_logits), 0)
    mixed = answer_logprobs(pad_collate([pack, other], pad, keep_logits), 1)
    assert max(abs(x - y) for x, y in zip(alone, mixed, strict=True)) < 1e-4


def test_pack_questions_trains_on_packs(tiny: dict[str, Path], tmp_path: Path) -> None:
    recs = _one_motion_records(tiny)
    packed = tmp_path / "packed.jsonl"
    packed.write_text("".join(json.dumps(r) + "\n" for r in recs))
    cfg = _config(tiny, tmp_path / "pack", max_steps=1)
    cfg.train, cfg.val, cfg.pack_questions, cfg.max_length = str(packed), None, True, 4096
    res = train(cfg)
    summary = json.loads(res.summary_path.read_text())
    n_motions = len({r["smd"] for r in recs})
    assert summary["n_train_records"] == len(recs) and summary["n_train"] == n_motions < len(recs)
    assert (res.adapter_dir / "adapter_config.json").is_file()


def test_pack_length_keeps_one_motions_questions_behind_one_prefix(tiny: dict[str, Path]) -> None:
    from motion_smd.llm.models import load_tokenizer
    from motion_smd.llm.prompts import PromptBuilder
    from motion_smd.llm.training import _features

    recs = _one_motion_records(tiny)
    group = [r for r in recs if r["smd"] == recs[0]["smd"]]
    assert len(group) >= 3
    tok = load_tokenizer(str(tiny["model"]))
    wide = PromptBuilder(tok, max_length=4096)
    (one,) = wide.shared_prefix_features(group)
    longest = max(len(wide.features(r)["input_ids"]) for r in group)
    b = PromptBuilder(tok, max_length=longest + 8)  # no record cut (features reserve answer + 8), several packs
    split = _features(b, group, pack=True)
    joined = _features(b, group, pack=True, pack_length=len(one["input_ids"]))
    assert len(split) > 1 and len(joined) == 1
    assert joined[0]["input_ids"] == one["input_ids"] and joined[0]["labels"] == one["labels"]
    cfg = TrainConfig(task="qa", train="t.jsonl", out="o", pack_length=2048)
    with pytest.raises(ConfigError, match="pack-questions"):
        cfg.check()
    cfg.pack_questions, cfg.pack_length = True, 512
    with pytest.raises(ConfigError, match="max-length"):
        cfg.check()


@pytest.mark.parametrize("keep_logits", [False, True])
def test_cached_trunk_gives_the_full_models_loss_and_gradients(tiny: dict[str, Path], keep_logits: bool) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    from motion_smd.llm.models import load_model
    from motion_smd.llm.prompts import PromptBuilder
    from motion_smd.llm.trunk import TRUNK_KEY, skip_trunk, trunk_states

    def lora_model(cache: bool, feats: list[dict]) -> tuple:
        model, tok = load_model(str(tiny["model"]), device="cpu", dtype=torch.float32)
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        if cache:  # layer 0 is the trunk; LoRA on layer 1
            states = trunk_states(model, feats, 1, lambda fs: pad_collate(fs, pad, keep_logits))
            feats = [{**f, TRUNK_KEY: h} for f, h in zip(feats, states, strict=True)]
            skip_trunk(model, 1)
        torch.manual_seed(0)
        cfg = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"],
                         layers_to_transform=[1], init_lora_weights=False, lora_dropout=0.0)  # fmt: skip
        return get_peft_model(model, cfg), feats, pad

    _, tok = load_model(str(tiny["model"]), device="cpu", dtype=torch.float32)
    b = PromptBuilder(tok, max_length=4096)
    recs = _one_motion_records(tiny)
    (pack,) = b.shared_prefix_features([r for r in recs if r["smd"] == recs[0]["smd"]][:3])
    feats = [pack, b.features(synthetic_records(1, "z", seed=2)[0])]  # a pack and a plain row, padded together
    results = []
    for cache in (False, True):
        model, fs, pad = lora_model(cache, feats)
        batch = pad_collate(fs, pad, keep_logits)
        assert ("inputs_embeds" in batch) is cache and ("input_ids" in batch) is not cache
        loss = model(**batch).loss
        loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
        results.append((loss.item(), grads))
    (loss_full, g_full), (loss_cached, g_cached) = results
    assert g_full.keys() == g_cached.keys() and all(".layers.1." in n for n in g_full)
    assert abs(loss_full - loss_cached) < 1e-5
    assert max((g_full[n] - g_cached[n]).abs().max().item() for n in g_full) < 1e-5
    assert max(g.abs().max().item() for g in g_full.values()) > 1e-3  # the gradients are not trivially zero


def test_cache_trunk_trains_and_its_adapter_loads_into_the_full_model(tiny: dict[str, Path], tmp_path: Path) -> None:
    from safetensors.torch import load_file

    cfg = _config(tiny, tmp_path / "cached", max_steps=2)
    cfg.lora_layers, cfg.cache_trunk = 1, True
    res = train(cfg)
    keys = list(load_file(res.adapter_dir / "adapter_model.safetensors"))
    assert keys and all(".layers.1." in k for k in keys)
    summary = json.loads(res.summary_path.read_text())
    assert summary["trunk_cache_s"] is not None and summary["global_step"] == 2
    bad = _config(tiny, tmp_path / "bad", max_steps=1)
    bad.cache_trunk = True
    with pytest.raises(ConfigError, match="--lora-layers"):
        bad.check()


def test_bf16_autocast_on_cpu_trains_in_mixed_precision(tiny: dict[str, Path], tmp_path: Path) -> None:
    losses = {}
    for bf16 in (False, True):
        cfg = _config(tiny, tmp_path / f"bf16_{bf16}", max_steps=1)
        cfg.val, cfg.bf16, cfg.logging_steps, cfg.device = None, bf16, 1, "cpu"
        res = train(cfg)
        summary = json.loads(res.summary_path.read_text())
        assert summary["bf16"] is bf16 and summary["dtype"] == "float32"  # weights stay fp32: autocast only
        losses[bf16] = next(row["loss"] for row in _log(tmp_path / f"bf16_{bf16}") if "loss" in row)
    # same weights, same batch: the loss moves only by bf16 rounding, so autocast did run
    assert losses[True] != losses[False] and abs(losses[True] - losses[False]) < 0.05 * losses[False]


def test_max_minutes_stops_and_keeps_the_last_step(tiny: dict[str, Path], tmp_path: Path) -> None:
    cfg = _config(tiny, tmp_path / "budget", max_steps=50)
    cfg.max_minutes = 0.001  # passed before the second step ends: stop there, validated and saved
    res = train(cfg)
    summary = json.loads(res.summary_path.read_text())
    assert summary["global_step"] == 2 < summary["max_steps_planned"] == 50
    assert (tmp_path / "budget/checkpoints/checkpoint-2").is_dir()
    assert any(row.get("step") == 2 and "eval_loss" in row for row in _log(tmp_path / "budget"))


def test_validation_ties_go_to_the_lower_loss() -> None:
    from motion_smd.llm.training import TIE_BREAK_KEY, _tie_break_callback

    cb = _tie_break_callback()
    early = {"eval_answer_exact": 0.484375, "eval_loss": 0.4766}
    late = {"eval_answer_exact": 0.484375, "eval_loss": 0.3915}
    better = {"eval_answer_exact": 0.5, "eval_loss": 9.0}
    for m in (early, late, better):
        cb.on_evaluate(None, None, None, metrics=m)
    assert late[TIE_BREAK_KEY] > early[TIE_BREAK_KEY]  # equal answers: the lower loss wins
    assert better[TIE_BREAK_KEY] > late[TIE_BREAK_KEY]  # one more right answer in 64 outweighs any loss
