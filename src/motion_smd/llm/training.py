"""LoRA fine-tuning of any causal LM on SMD records (peft + transformers Trainer).

Protocol of the original work: LoRA on SMD+question → answer (QA) or SMD → caption (captioning), learning
rate 1e-4, 5 epochs, effective batch 8; the loss covers the answer tokens only (prompt labels = -100,
see `motion_smd.llm.prompts.PromptBuilder.features`), prompts use the model's own chat template.

Device policy: bf16 weights/compute and gradient checkpointing on a GPU, fp32 on CPU (`bf16=True`: fp32
weights with bf16 autocast, on CPU too). Multi-GPU data parallelism comes from the Trainer when launched with
`torchrun --nproc_per_node N $(which smd) train …` or `accelerate launch`. Checkpoints (adapter + optimizer +
scheduler + RNG state) go to OUT/checkpoints and a rerun of the same command resumes from the last one; the best
checkpoint by the validation metric is saved as OUT/adapter. Every log line is appended to OUT/train_log.jsonl;
OUT/train_summary.json closes the run.

Validation metric: "answer_exact" (QA default) = fraction of validation records whose answer tokens are all
predicted correctly by teacher-forced greedy argmax (one forward pass per record, no generation), or "loss"
(caption default) = validation loss on the answer tokens. Ties in answer_exact (a 64-question validation set
moves in steps of 1/64) are broken by the lower validation loss (`TIE_BREAK_KEY`): without it the Trainer kept
the first of equal checkpoints, e.g. step 40 (1.1 epochs, loss 0.477) over step 207 (5.9 epochs, loss 0.392)
in the 2026-12-06 bandai-qa run.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from motion_smd.errors import ConfigError
from motion_smd.llm.records import TASKS, RecordDict, Task, read_records
from motion_smd.llm.trunk import TRUNK_KEY, skip_trunk, trunk_states

IGNORE_INDEX = -100


def _with_overrides(cls: Any, derived: dict[str, Any], overrides: dict[str, Any], flag: str) -> dict[str, Any]:
    """`derived` keyword arguments of the dataclass `cls` updated by the user's `overrides`.

    Raises:
        ConfigError: an override names no field of `cls`.
    """
    import dataclasses

    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"{flag} {', '.join(unknown)}: not a field of {cls.__name__}; check the spelling.")
    return {**derived, **overrides}


def _opt(default: Any, help: str) -> Any:
    """A TrainConfig field with its default and its help (the `smd train` option is generated from both)."""
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """Everything `train` needs; each field's meaning is its `metadata["help"]` (`smd train` options are
    generated from the fields, `motion_smd.cli.fields`). Defaults follow the original work (lr 1e-4,
    5 epochs, effective batch 8).

    `lora_args` and `trainer_args` pass any further `peft.LoraConfig` / `transformers.TrainingArguments`
    field by name (they override the values derived here); `extra` holds free-form notes stored in
    train_summary.json (e.g. the SMD variant of the records).
    """

    task: Task = field(
        metadata={"help": "qa (multiple-choice question answering), caption or temporal (bandai-dense)."}
    )
    train: str = field(metadata={"help": "Training records (JSONL)."})
    out: str = field(metadata={"help": "Output directory (checkpoints/, adapter/, train_log.jsonl)."})
    val: str | None = _opt(None, "Validation records (JSONL); picks the best adapter (none: the last is kept).")
    model: str | None = _opt(
        None, "Model directory, .gguf file or Hugging Face hub name (local cache); default: offline SmolLM2-135M."
    )
    lr: float = _opt(1e-4, "Peak learning rate (linear decay after a warm-up of warmup_ratio).")
    epochs: float = _opt(5.0, "Training epochs (ignored when max_steps > 0).")
    max_steps: int = _opt(-1, "Stop after N optimizer steps (-1: by epochs).")
    effective_batch: int = _opt(8, "Examples per optimizer step over all devices (batch × accumulation × world).")
    batch_size: int = _opt(8, "Examples per device per forward pass.")
    max_length: int = _opt(1024, "Token budget of prompt + answer (the SMD text is cut at line boundaries).")
    lora_r: int = _opt(16, "LoRA rank.")
    lora_alpha: int = _opt(32, "LoRA scaling numerator (alpha).")
    lora_dropout: float = _opt(0.05, "LoRA dropout.")
    target_modules: str = _opt("all-linear", "all-linear or comma-separated module names (e.g. q_proj,v_proj).")
    lora_layers: int | None = _opt(
        None, "LoRA on the last N transformer layers only (backpropagation stops there; faster); default all."
    )
    pack_questions: bool = _opt(
        False,
        "QA: training records that share an SMD text are packed behind one copy of their common prompt prefix "
        "(same loss, SMD encoded once per motion; validation stays one record per question).",
    )
    pack_length: int | None = _opt(
        None,
        "With --pack-questions: the longest pack in tokens (default max_length); a larger value keeps more "
        "questions of one motion behind a single copy of its SMD text.",
    )
    cache_trunk: bool = _opt(
        False,
        "With --lora-layers N: compute the frozen first layers once per example and train the last N layers on "
        "those cached states (exact; each step runs N layers instead of all; motion_smd.llm.trunk).",
    )
    max_minutes: float | None = _opt(
        None,
        "Stop when another step would pass this many minutes since the start (loading and caching included); "
        "the last step is validated and saved.",
    )
    eval_steps: int | None = _opt(None, "Validate and checkpoint every N optimizer steps (default: once per epoch).")
    metric: str | None = _opt(None, "answer_exact or loss (default: answer_exact for QA, loss for captions).")
    train_limit: int | None = _opt(None, "Use only the first N training records.")
    val_limit: int | None = _opt(None, "Use only the first N validation records.")
    seed: int = _opt(0, "Seed of LoRA init, shuffling and dropout.")
    device: str | None = _opt(None, "cpu or cuda (default: GPU when available).")
    gradient_checkpointing: bool | None = _opt(None, "Gradient checkpointing (default: on for GPU, off for CPU).")
    bf16: bool | None = _opt(
        None,
        "bf16 mixed precision (autocast through accelerate; weights and LoRA stay in their dtype, optimizer in "
        "fp32); default: on for a GPU with bf16 weights, off on CPU. On a CPU with avx512_bf16 it makes a "
        "step about 15-20 % faster; cached trunk states stay fp32 (docs/performance-llm.md).",
    )
    resume: bool = _opt(True, "Resume from the last checkpoint in OUT/checkpoints when one exists.")
    warmup_ratio: float = _opt(0.03, "Fraction of the steps of linear warm-up.")
    logging_steps: int = _opt(5, "Log the training loss every N steps.")
    threads: int | None = _opt(None, "torch CPU threads (default: torch's).")
    save_total_limit: int = _opt(2, "Checkpoints kept on disk (the best one is always kept).")
    keep_logits: bool = _opt(
        True, "LM head only on the answer positions (faster; off for models whose forward lacks logits_to_keep)."
    )
    lora_args: dict[str, Any] = field(default_factory=dict)
    trainer_args: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """Validate the values.

        Raises:
            ConfigError: a value out of range (the message names the option).
        """
        if self.task not in TASKS:
            raise ConfigError(f"--task must be one of {', '.join(TASKS)}, got {self.task!r}.")
        if self.lr <= 0 or self.epochs <= 0 or self.effective_batch < 1 or self.batch_size < 1:
            raise ConfigError("--lr, --epochs, --effective-batch and --batch-size must be positive.")
        if self.effective_batch % min(self.batch_size, self.effective_batch):
            raise ConfigError(
                f"--effective-batch {self.effective_batch} must be a multiple of --batch-size {self.batch_size}."
            )
        if self.lora_r < 1 or self.lora_alpha <= 0 or not 0 <= self.lora_dropout < 1:
            raise ConfigError("--lora-r >= 1, --lora-alpha > 0 and 0 <= --lora-dropout < 1 are required.")
        if self.max_length < 32:
            raise ConfigError(f"--max-length {self.max_length} is too small for a prompt; use at least 32.")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ConfigError(f"--max-minutes must be positive, got {self.max_minutes}.")
        if self.pack_length is not None and (not self.pack_questions or self.pack_length < self.max_length):
            raise ConfigError(
                f"--pack-length {self.pack_length} needs --pack-questions and at least --max-length {self.max_length}."
            )
        if self.cache_trunk and self.lora_layers is None:
            raise ConfigError("--cache-trunk needs --lora-layers N (the layers before the last N are cached).")
        if self.metric not in (None, "answer_exact", "loss"):
            raise ConfigError(f"--metric must be answer_exact or loss, got {self.metric!r}.")


@dataclass
class TrainResult:
    """Outcome of `train`.

    Attributes:
        adapter_dir: the saved best (or last) LoRA adapter.
        best_metric: validation metric of that adapter (None without validation).
        metric: the metric's name.
        global_step: optimizer steps done.
        wall_s: wall time of this call, seconds.
        summary_path: OUT/train_summary.json.
    """

    adapter_dir: Path
    best_metric: float | None
    metric: str
    global_step: int
    wall_s: float
    summary_path: Path


def pad_collate(
    features: list[dict[str, Any]], pad_id: int, keep_logits: bool = False, mask_dtype: Any = None
) -> dict[str, Any]:
    """Pad a batch of token features into tensors.

    Args:
        features: dicts with "input_ids", "attention_mask", "labels" lists (variable length).
        pad_id: token id used for padding input_ids.
        keep_logits: left-pad and compute logits only where the loss needs them: the batch gets
            ``logits_to_keep = K`` (the longest answer + 1 positions at the end of the rows) and labels cut
            to those K positions, so the LM head (vocabulary × hidden per position, the largest single matrix
            of small models) runs on K positions instead of the whole prompt. Explicit ``position_ids``
            (0 at each row's first real token) make left padding equivalent to right padding.
        mask_dtype: floating dtype of the model's activations; used for the additive 4-D mask of shared-prefix
            packs (default float32).

    Shared-prefix packs (features with "segment_ids" and "position_ids", see
    `motion_smd.llm.prompts.PromptBuilder.shared_prefix_features`): the batch gets an additive 4-D
    "attention_mask" (B, 1, L_max, L_max) in `mask_dtype`, 0 where token j may attend to token k (k ≤ j, both
    real, and k in the shared prefix or in j's own branch) and the dtype's minimum elsewhere (padding attends
    to itself only, so no softmax row is empty), and the features' own position ids. Rows without segment ids
    in such a batch are plain causal rows.

    Features with cached trunk states (`motion_smd.llm.trunk.TRUNK_KEY`, a (T, hidden) tensor each) give
    "inputs_embeds" (B, L_max, hidden) in `mask_dtype` (zeros on padding) instead of "input_ids".

    Returns:
        {"input_ids", "attention_mask", "labels"} (B, L_max) int64 tensors with -100 on padded labels;
        with `keep_logits` also "position_ids" (B, L_max) and "logits_to_keep" (int), labels (B, K); with packs
        "position_ids" and the 4-D mask described above.
    """
    import torch

    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(features), width), dtype=torch.long)
    labels = torch.full((len(features), width), IGNORE_INDEX, dtype=torch.long)
    seg = torch.full((len(features), width), -1, dtype=torch.long)  # -1 padding, 0 shared prefix, k branch k
    given_positions: list[tuple[int, slice, list[int]]] = []  # packs carry their own position ids
    for i, f in enumerate(features):
        n = len(f["input_ids"])
        sl = slice(width - n, width) if keep_logits else slice(0, n)
        ids[i, sl] = torch.tensor(f["input_ids"])
        mask[i, sl] = 1
        labels[i, sl] = torch.tensor(f["labels"])
        seg[i, sl] = torch.tensor(f.get("segment_ids", [0] * n))
        if "position_ids" in f:
            given_positions.append((i, sl, f["position_ids"]))
    batch: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    if TRUNK_KEY in features[0]:  # cached trunk states replace the tokens (motion_smd.llm.trunk)
        hidden = features[0][TRUNK_KEY].shape[-1]
        embeds = torch.zeros((len(features), width, hidden), dtype=mask_dtype or torch.float32)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            embeds[i, slice(width - n, width) if keep_logits else slice(0, n)] = f[TRUNK_KEY]
        batch[TRUNK_KEY] = embeds
        del batch["input_ids"]
    packed = any("segment_ids" in f for f in features)
    if keep_logits or packed:
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        for i, sl, pos in given_positions:
            positions[i, sl] = torch.tensor(pos)
        if packed:
            real = seg >= 0
            causal = torch.ones(width, width, dtype=torch.bool).tril()
            same = (seg[:, :, None] == seg[:, None, :]) | (seg[:, None, :] == 0)
            allowed = causal & same & real[:, :, None] & real[:, None, :]
            allowed |= torch.eye(width, dtype=torch.bool) & ~real[:, :, None]  # padding: itself only
            dtype = mask_dtype if mask_dtype is not None else torch.float32
            add = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)
            batch["attention_mask"] = add[:, None]
        batch["position_ids"] = positions
    if keep_logits and packed:  # answers spread over the branches: the LM head on their positions only
        batch["logits_to_keep"], batch["labels"] = _answer_positions(labels)
    elif keep_logits:
        answer_start = [
            next((j for j, lab in enumerate(f["labels"]) if lab != IGNORE_INDEX), len(f["labels"])) for f in features
        ]
        keep = min(width, max(len(f["labels"]) - a + 1 for f, a in zip(features, answer_start, strict=True)))
        batch["labels"] = labels[:, width - keep :]
        batch["logits_to_keep"] = keep
    return batch


def _answer_positions(labels: Any) -> tuple[Any, Any]:
    """Index form of `logits_to_keep` for a (B, W) label batch: the sorted positions K that predict a labelled
    token (p with labels[:, p + 1] set, in any row) and those labelled tokens' own positions, with the labels
    gathered there, labels[:, K]. The model's shifted loss scores the logits at K[j] against labels[:, K[j + 1]]:
    the target of K[j] when K[j + 1] = K[j] + 1, and otherwise a position that is never labelled (a labelled
    position's predecessor is always in K), so the loss equals the full-logits loss (tested)."""
    import torch

    p = torch.nonzero((labels[:, 1:] != IGNORE_INDEX).any(dim=0)).flatten()
    keep = torch.unique(torch.cat([p, p + 1]))  # sorted
    return keep, labels[:, keep]


def supports_logits_to_keep(model: Any) -> bool:
    """Whether the (base) model's forward accepts `logits_to_keep` (transformers ≥ 4.50 causal LMs)."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def answer_metrics(pred_ids: Any, labels: Any) -> dict[str, float]:
    """Teacher-forced answer accuracy from argmax predictions.

    Args:
        pred_ids: (N, L) int array, argmax of the logits at each position (position t predicts token t+1);
            padding may be -100.
        labels: (N, L) int array, -100 outside the answer tokens.

    Returns:
        {"answer_exact": fraction of rows whose answer tokens are all right,
         "answer_token_acc": fraction of answer tokens right}.
    """
    import numpy as np

    pred = np.asarray(pred_ids)[:, :-1]
    lab = np.asarray(labels)[:, 1:]
    keep = lab != IGNORE_INDEX
    hit = (pred == lab) & keep
    rows = keep.any(axis=1)
    exact = (hit.sum(axis=1) == keep.sum(axis=1)) & rows
    return {
        "answer_exact": float(exact.sum() / max(rows.sum(), 1)),
        "answer_token_acc": float(hit.sum() / max(keep.sum(), 1)),
    }


def _make_callbacks(log_path: Path) -> tuple[Any, Any]:
    """A JSONL logging callback and a progress bar that shows the latest loss."""
    from transformers import TrainerCallback
    from transformers.trainer_callback import ProgressCallback

    class JsonlLogCallback(TrainerCallback):
        """Append every Trainer log (loss, lr, eval metrics) with step, epoch and time to a JSONL file."""

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if not state.is_world_process_zero or not logs:
                return
            row = {"step": state.global_step, "epoch": state.epoch, "time": round(time.time(), 3), **logs}
            with open(log_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row, sort_keys=True) + "\n")

    class LossProgressCallback(ProgressCallback):
        """The Trainer's tqdm bar with the latest training loss and validation metric as postfix."""

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if state.is_world_process_zero and self.training_bar is not None and logs:
                post = {k: f"{v:.4g}" for k, v in logs.items() if k in ("loss", "eval_loss", "eval_answer_exact")}
                if post:
                    self.training_bar.set_postfix(post, refresh=False)
            super().on_log(args, state, control, logs=logs, **kw)

    return JsonlLogCallback(), LossProgressCallback()


TIE_BREAK_KEY = "eval_answer_exact_then_loss"
"""The best-checkpoint metric for answer_exact: answer_exact − TIE_BREAK_WEIGHT × validation loss."""
TIE_BREAK_WEIGHT = 1e-4
"""Small enough never to reorder two different answer_exact values (steps of ≥ 1/1000 with a loss below 10)."""


def _tie_break_callback() -> Any:
    """A callback that adds TIE_BREAK_KEY to each validation's metrics (the Trainer picks the best checkpoint
    from the same dict after the callbacks ran)."""
    from transformers import TrainerCallback

    class TieBreakCallback(TrainerCallback):
        def on_evaluate(
            self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None, **kw: Any
        ) -> None:
            if metrics is not None and "eval_answer_exact" in metrics and "eval_loss" in metrics:
                metrics[TIE_BREAK_KEY] = metrics["eval_answer_exact"] - TIE_BREAK_WEIGHT * metrics["eval_loss"]

    return TieBreakCallback()


def _time_budget_callback(t0: float, budget_s: float) -> Any:
    """A callback that ends training once another optimizer step plus a final validation and save would not fit
    in `budget_s` seconds from `t0` (the start of `train`, so loading and trunk caching count): the last step
    is then validated and saved, so the best-checkpoint choice sees it. The step time is the mean since the
    first step; the validation + save time is that of the latest one (none reserved before the first)."""
    from transformers import TrainerCallback

    class TimeBudgetCallback(TrainerCallback):
        def __init__(self) -> None:
            self.first_step: tuple[int, float] | None = None
            self.eval_started: float | None = None
            self.eval_s = 0.0

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            now = time.time()
            if self.first_step is None:
                self.first_step = (state.global_step, now)
                return
            step0, time0 = self.first_step
            per_step = (now - time0) / max(1, state.global_step - step0)
            if now - t0 + per_step + self.eval_s > budget_s:
                control.should_training_stop = True
                control.should_evaluate = True
                control.should_save = True
            if control.should_evaluate or control.should_save:
                self.eval_started = now

        def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.eval_started is not None:
                self.eval_s = time.time() - self.eval_started
                self.eval_started = None

    return TimeBudgetCallback()


def _last_layers(model: Any, n: int | None) -> list[int] | None:
    """Indices of the last `n` transformer layers (None when `n` is None or covers every layer)."""
    total = int(getattr(model.config, "num_hidden_layers", 0))
    if n is None or total == 0 or n >= total:
        return None
    if n < 1:
        raise ConfigError(f"--lora-layers must be >= 1, got {n}.")
    return list(range(total - n, total))


def _features(
    builder: Any, records: list[RecordDict], pack: bool = False, pack_length: int | None = None
) -> list[dict[str, list[int]]]:
    """One feature dict per record, or with `pack` one per shared-prefix pack (of at most `pack_length` tokens,
    default the builder's max_length) of the records sharing an SMD text (groups in order of first
    appearance, records in their order)."""
    if not pack:
        return [builder.features(r) for r in records]
    groups: dict[str, list[RecordDict]] = {}
    for r in records:
        groups.setdefault(str(r["smd"]), []).append(r)
    return [f for group in groups.values() for f in builder.shared_prefix_features(group, pack_length)]


def train(config: TrainConfig) -> TrainResult:
    """Fine-tune a LoRA adapter on SMD records (see module docstring).

    Args:
        config: the run's configuration.

    Returns:
        TrainResult with the adapter directory and the best validation metric.

    Raises:
        ConfigError: bad options.
        LLMError: records or model cannot be read.
    """
    t0 = time.time()
    trunk_s: float | None = None
    config.check()
    import numpy as np
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments, set_seed
    from transformers.trainer_callback import ProgressCallback
    from transformers.trainer_utils import get_last_checkpoint

    from motion_smd.llm.models import default_dtype, load_model, pick_device
    from motion_smd.llm.prompts import PromptBuilder

    if config.threads:
        torch.set_num_threads(config.threads)
    set_seed(config.seed)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_dir = out / "checkpoints"
    device = pick_device(config.device)
    on_gpu = device.startswith("cuda")
    metric = config.metric or ("answer_exact" if config.task == "qa" else "loss")

    train_recs = read_records(config.train, config.task, config.train_limit)
    val_recs = read_records(config.val, config.task, config.val_limit) if config.val else []
    dtype = default_dtype(device)
    model, tok = load_model(config.model, device="cpu", dtype=dtype)  # the Trainer places it (DDP-safe)
    builder = PromptBuilder(tok, max_length=config.max_length)
    train_ds = _features(builder, train_recs, pack=config.pack_questions, pack_length=config.pack_length)
    val_ds = _features(builder, val_recs)
    lengths = np.array([len(f["input_ids"]) for f in train_ds])

    targets: str | list[str] = config.target_modules
    if config.target_modules != "all-linear":
        targets = [t.strip() for t in config.target_modules.split(",") if t.strip()]
    layers = _last_layers(model, config.lora_layers)
    if layers is not None and targets == "all-linear":  # peft needs explicit names with layers_to_transform
        targets = sorted(
            {n.rsplit(".", 1)[-1] for n, mod in model.named_modules() if isinstance(mod, torch.nn.Linear)} - {"lm_head"}
        )
    lora = LoraConfig(
        **_with_overrides(
            LoraConfig,
            {
                "r": config.lora_r,
                "lora_alpha": config.lora_alpha,
                "lora_dropout": config.lora_dropout,
                "target_modules": targets,
                "layers_to_transform": layers,
                "task_type": "CAUSAL_LM",
                "bias": "none",
            },
            config.lora_args,
            "--lora",
        )
    )
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    keep_logits = config.keep_logits and supports_logits_to_keep(model)
    collate = functools.partial(pad_collate, pad_id=pad_id, keep_logits=keep_logits, mask_dtype=dtype)
    if config.cache_trunk and layers is not None:
        t_cache = time.time()
        train_ds = [{**f, TRUNK_KEY: h} for f, h in zip(train_ds, trunk_states(model, train_ds, layers[0], collate))]
        val_ds = [{**f, TRUNK_KEY: h} for f, h in zip(val_ds, trunk_states(model, val_ds, layers[0], collate))]
        skip_trunk(model, layers[0])
        trunk_s = time.time() - t_cache
    model = get_peft_model(model, lora)
    model.config.use_cache = False

    world = int(os.environ.get("WORLD_SIZE", "1"))
    per_device = min(config.batch_size, max(1, config.effective_batch // world))
    accum = max(1, config.effective_batch // (per_device * world))
    steps_per_epoch = max(1, math.ceil(len(train_ds) / (per_device * accum * world)))
    eval_steps = config.eval_steps or steps_per_epoch
    grad_ckpt = on_gpu if config.gradient_checkpointing is None else config.gradient_checkpointing
    use_bf16 = (on_gpu and dtype == torch.bfloat16) if config.bf16 is None else config.bf16
    args = TrainingArguments(
        **_with_overrides(
            TrainingArguments,
            {
                "output_dir": str(ckpt_dir),
                "per_device_train_batch_size": per_device,
                "per_device_eval_batch_size": per_device,
                "gradient_accumulation_steps": accum,
                "learning_rate": config.lr,
                "num_train_epochs": config.epochs,
                "max_steps": config.max_steps,
                "lr_scheduler_type": "linear",
                "warmup_steps": int(
                    config.warmup_ratio
                    * (config.max_steps if config.max_steps > 0 else steps_per_epoch * config.epochs)
                ),
                "logging_steps": config.logging_steps,
                "eval_strategy": "steps" if val_ds else "no",
                "eval_steps": eval_steps if val_ds else None,
                "save_strategy": "steps",
                "save_steps": eval_steps,
                "save_total_limit": config.save_total_limit,
                "load_best_model_at_end": bool(val_ds),
                "metric_for_best_model": (
                    (TIE_BREAK_KEY if metric == "answer_exact" else f"eval_{metric}") if val_ds else None
                ),
                "greater_is_better": (metric != "loss") if val_ds else None,
                "bf16": use_bf16,
                "fp16": on_gpu and dtype == torch.float16 and not use_bf16,
                "gradient_checkpointing": grad_ckpt,
                "gradient_checkpointing_kwargs": {"use_reentrant": False} if grad_ckpt else None,
                "use_cpu": not on_gpu,
                "seed": config.seed,
                "data_seed": config.seed,
                "report_to": [],
                "remove_unused_columns": False,
                "dataloader_num_workers": 0,
                "save_only_model": False,
                "disable_tqdm": False,
            },
            config.trainer_args,
            "--trainer",
        )
    )

    def preprocess(logits: Any, labels: Any) -> Any:
        if isinstance(logits, tuple):
            logits = logits[0]
        return logits.argmax(dim=-1)

    def compute(eval_pred: Any) -> dict[str, float]:
        return answer_metrics(eval_pred.predictions, eval_pred.label_ids)

    log_path = out / "train_log.jsonl"
    jsonl_cb, bar_cb = _make_callbacks(log_path)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds or None,
        data_collator=collate,
        compute_metrics=compute if val_ds else None,
        preprocess_logits_for_metrics=preprocess if val_ds else None,
        callbacks=[jsonl_cb, _tie_break_callback()]
        + ([_time_budget_callback(t0, 60.0 * config.max_minutes)] if config.max_minutes else []),
    )
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(bar_cb)
    last = get_last_checkpoint(str(ckpt_dir)) if (config.resume and ckpt_dir.is_dir()) else None
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "event": "start",
                    "time": round(time.time(), 3),
                    "resume_from": last,
                    "n_train": len(train_ds),
                    "n_train_records": len(train_recs),
                    "n_val": len(val_ds),
                }
            )
            + "\n"
        )
    train_out = trainer.train(resume_from_checkpoint=last)

    adapter_dir = out / "adapter"
    if trainer.is_world_process_zero():
        model.save_pretrained(str(adapter_dir))  # the peft model (best weights loaded at the end)
        tok.save_pretrained(str(adapter_dir))
    state = trainer.state
    best = state.best_metric
    if best is not None and metric == "answer_exact" and state.best_model_checkpoint:  # report the metric itself
        step = int(Path(state.best_model_checkpoint).name.rsplit("-", 1)[-1])
        best = next(
            (h["eval_answer_exact"] for h in state.log_history if h.get("step") == step and "eval_answer_exact" in h),
            best,
        )
    summary = {
        "config": asdict(config),
        "metric": metric,
        "best_metric": best,
        "best_checkpoint": state.best_model_checkpoint,
        "global_step": state.global_step,
        "max_steps_planned": state.max_steps,
        "steps_per_epoch": steps_per_epoch,
        "per_device_batch": per_device,
        "grad_accum": accum,
        "world_size": world,
        "device": device,
        "keep_logits": keep_logits,
        "dtype": str(dtype).replace("torch.", ""),
        "bf16": use_bf16,
        "n_train": len(train_ds),
        "n_train_records": len(train_recs),
        "n_val": len(val_ds),
        "tokens_per_example": {
            "mean": float(lengths.mean()),
            "max": int(lengths.max()),
            "min": int(lengths.min()),
        },
        "train_runtime_s": train_out.metrics.get("train_runtime"),
        "trunk_cache_s": trunk_s,
        "wall_s": time.time() - t0,
        "resumed_from": last,
        "adapter_dir": str(adapter_dir),
    }
    summary_path = out / "train_summary.json"
    if trainer.is_world_process_zero():
        summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str), encoding="utf-8")
    return TrainResult(adapter_dir, best, metric, state.global_step, time.time() - t0, summary_path)
