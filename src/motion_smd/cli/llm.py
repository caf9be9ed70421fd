"""`smd train`, `smd eval` and `smd ask`: the LLM layer on the command line.

torch/transformers/peft are imported inside the commands only. Errors of the MotionSMDError family print as
one line (file, problem, fix) without a traceback and exit with status 2.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from motion_smd.cli.common import InputFormatOpt, fail, read_option_set, smd_option_set
from motion_smd.cli.fields import dataclass_options, key_values
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.io import ReadOptions
from motion_smd.llm.records import TASKS
from motion_smd.llm.training import TrainConfig
from motion_smd.options import SMDOptions

TASK_HELP = "qa (multiple-choice question answering), caption or temporal (bandai-dense timelines, spans, counts)."
MODEL_HELP = "Model directory, .gguf file or Hugging Face hub name (local cache); default: offline SmolLM2-135M."


def _task(task: str) -> Any:
    if task not in TASKS:
        raise ConfigError(f"--task must be one of {', '.join(TASKS)}, got {task!r}.")
    return task


def register(app: typer.Typer) -> None:
    """Add train, eval and ask to the `smd` app."""

    @app.command()
    @dataclass_options(
        "cfg",
        TrainConfig,
        defaults={"task": "qa", "train": "train.jsonl", "out": "runs/smd"},
    )
    def train(
        cfg: TrainConfig,
        lora: Annotated[
            list[str], typer.Option(help="Any further peft LoraConfig field, KEY=VALUE (VALUE read as JSON).")
        ] = [],  # noqa: B006 (typer needs a literal default)
        trainer: Annotated[
            list[str],
            typer.Option(help="Any further transformers TrainingArguments field, KEY=VALUE (VALUE read as JSON)."),
        ] = [],  # noqa: B006
    ) -> None:
        """Fine-tune a LoRA adapter on SMD records (answer-only loss, the model's chat template)."""
        try:
            from motion_smd.llm.training import train as run_train

            cfg = dataclasses.replace(
                cfg, lora_args=key_values(lora, "--lora"), trainer_args=key_values(trainer, "--trainer")
            )
            res = run_train(cfg)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        best = "n/a" if res.best_metric is None else f"{res.best_metric:.4f}"
        typer.echo(
            f"adapter: {res.adapter_dir}  best {res.metric}: {best}  steps: {res.global_step}  "
            f"wall: {res.wall_s:.0f}s  summary: {res.summary_path}"
        )

    @app.command(name="eval")
    def eval_cmd(
        task: Annotated[str, typer.Option(help=TASK_HELP)] = "qa",
        model: Annotated[
            str | None, typer.Option(help=MODEL_HELP + " With --base-url: the server's model name.")
        ] = None,
        adapter: Annotated[Path | None, typer.Option(help="LoRA adapter directory (omit for zero-shot).")] = None,
        records: Annotated[Path, typer.Option(help="Evaluation records (JSONL).")] = Path("test.jsonl"),
        out: Annotated[Path, typer.Option(help="Output directory (predictions.jsonl, metrics.json).")] = Path(
            "runs/eval"
        ),
        train_records: Annotated[
            Path | None, typer.Option("--train-records", help="QA: records for the majority baseline.")
        ] = None,
        backend: Annotated[str, typer.Option(help="transformers, openai or vllm.")] = "transformers",
        base_url: Annotated[
            str | None,
            typer.Option(help="OpenAI-compatible server URL (key from $SMD_API_KEY/$OPENAI_API_KEY)."),
        ] = None,
        batch_size: Annotated[int, typer.Option(help="Generation batch size (transformers).")] = 8,
        max_new_tokens: Annotated[
            int | None, typer.Option(help="Generation budget (default 24 QA, 64 caption).")
        ] = None,
        max_length: Annotated[
            int | None, typer.Option(help="Prompt token budget (SMD cut to fit); default none.")
        ] = None,
        limit: Annotated[int | None, typer.Option(help="Evaluate the first N records.")] = None,
        device: Annotated[str | None, typer.Option(help="cpu or cuda.")] = None,
        threads: Annotated[int | None, typer.Option(help="torch CPU threads.")] = None,
        scoring: Annotated[
            str,
            typer.Option(
                help="QA: generate (answer extracted from generated text), loglik (the option of the highest "
                "log-likelihood) or loglik-char (per character of the option); loglik needs --backend transformers."
            ),
        ] = "generate",
    ) -> None:
        """Evaluate a model (zero-shot, or with --adapter) on records: predictions, metrics, per type."""
        try:
            from motion_smd.llm.backends import make_backend
            from motion_smd.llm.evaluate import evaluate
            from motion_smd.llm.records import read_records

            t = _task(task)
            recs = read_records(records, t, limit)
            train_recs = read_records(train_records, t) if (train_records and t == "qa") else None
            if threads:
                import torch

                torch.set_num_threads(threads)
            be = make_backend(backend, model, adapter, base_url, device, batch_size)
            res = evaluate(
                t, be, recs, out, max_new_tokens, max_length, train_recs, chunk=max(batch_size * 4, 8), scoring=scoring
            )
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        _print_eval(res, out)

    @app.command()
    def attention(
        records: Annotated[Path, typer.Option(help="QA records (JSONL).")],
        out: Annotated[Path, typer.Option("-o", "--out", help="HTML page to write (a .json beside it).")] = Path(
            "attention.html"
        ),
        model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
        adapter: Annotated[Path | None, typer.Option(help="LoRA adapter directory (omit for the base model).")] = None,
        ids: Annotated[
            str | None, typer.Option(help="Comma-separated record ids shown on the page (default: the first 3).")
        ] = None,
        limit: Annotated[int | None, typer.Option(help="Use the first N records for the section table.")] = None,
        max_length: Annotated[int | None, typer.Option(help="Prompt token budget (SMD cut to fit).")] = 1024,
        gold: Annotated[
            bool, typer.Option(help="Attend from the gold answer instead of the model's option-likelihood choice.")
        ] = False,
        predictions: Annotated[
            Path | None,
            typer.Option(help="predictions.jsonl of `smd eval` with the same model: attend from its answers."),
        ] = None,
        device: Annotated[str | None, typer.Option(help="cpu or cuda.")] = None,
        threads: Annotated[int | None, typer.Option(help="torch CPU threads.")] = None,
    ) -> None:
        """Attention maps: how much attention each answer pays to every SMD line and section (eager
        attention); an HTML page (SMD lines shaded, a table by query type) and the numbers as JSON."""
        try:
            from motion_smd.llm.attention_run import run_attention

            if threads:
                import torch

                torch.set_num_threads(threads)
            shown = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
            table = run_attention(records, out, model, adapter, shown, limit, max_length, gold, device, predictions)
        except MotionSMDError as exc:
            raise fail(str(exc)) from None
        from motion_smd.llm.attention import table_markdown

        print(table_markdown(table))
        print(f"wrote {out} and {out.with_suffix('.json')}")

    @app.command()
    @smd_option_set
    @read_option_set
    def ask(
        smd_opts: SMDOptions,
        read_opts: ReadOptions,
        motion: Annotated[Path, typer.Argument(help="Motion file (any format `smd formats` lists).")],
        question: Annotated[str, typer.Argument(help="The question.")],
        input_format: InputFormatOpt = None,
        options: Annotated[str | None, typer.Option(help="Answer options, separated by '|' or ','.")] = None,
        model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
        adapter: Annotated[Path | None, typer.Option(help="LoRA adapter directory.")] = None,
        backend: Annotated[str, typer.Option(help="transformers, openai or vllm.")] = "transformers",
        base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL.")] = None,
        max_new_tokens: Annotated[int, typer.Option(help="Generation budget.")] = 64,
        max_length: Annotated[int | None, typer.Option(help="Prompt token budget (SMD cut to fit).")] = None,
        show_prompt: Annotated[bool, typer.Option(help="Print the SMD prompt too.")] = False,
        device: Annotated[str | None, typer.Option(help="cpu or cuda.")] = None,
    ) -> None:
        """Ask a question about one motion file (zero-shot, or with --adapter)."""
        try:
            from motion_smd import smd_text
            from motion_smd.io import load_motion
            from motion_smd.llm.backends import make_backend
            from motion_smd.llm.evaluate import predict

            m = load_motion(motion, input_format, read_opts)
            smd = smd_text(m, smd_opts)
            opts = [o.strip() for o in options.replace("|", ",").split(",") if o.strip()] if options else None
            rec = {"id": str(motion), "task": "qa", "smd": smd, "question": question, "options": opts}
            be = make_backend(backend, model, adapter, base_url, device, 1)
            (answer,) = predict(be, [rec], max_new_tokens, max_length)
            if show_prompt:
                typer.echo(smd)
            typer.echo(answer)
            if opts:
                from motion_smd.metrics.qa import extract_answer

                ext = extract_answer(answer, opts)
                typer.echo(f"option: {ext.answer if ext.answer is not None else '(unparseable)'}")
        except MotionSMDError as exc:
            raise fail(str(exc)) from None


def _print_eval(res: dict[str, Any], out: Path) -> None:
    """Print the headline numbers of an evaluation with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if res["task"] == "qa":
        table = Table(title=f"{res['model']}: {res['n']} questions")
        for col in ("group", "label", "correct", "total", "accuracy"):
            table.add_column(col)
        m = res["metrics"]
        o = m["overall"]
        table.add_row("overall", "all", str(o["correct"]), str(o["total"]), f"{o['accuracy']:.3f}")
        for kind in ("per_query_type", "per_relation_type"):
            for label, s in m[kind].items():
                table.add_row(
                    kind.removeprefix("per_"),
                    label,
                    str(s["correct"]),
                    str(s["total"]),
                    f"{s['accuracy']:.3f}",
                )
        b = res["baselines"]
        table.add_row(
            "baseline",
            f"majority ({b['majority']['answer_prior_from']})",
            str(b["majority"]["correct"]),
            str(b["majority"]["total"]),
            f"{b['majority']['accuracy']:.3f}",
        )
        table.add_row(
            "baseline",
            f"random (seed {b['random']['seed']})",
            str(b["random"]["correct"]),
            str(b["random"]["total"]),
            f"{b['random']['accuracy']:.3f}",
        )
        console.print(table)
        console.print(
            f"unparseable: {m['extraction'].get('unparseable', 0)}  extraction: {json.dumps(m['extraction'])}"
        )
    else:
        console.print(json.dumps(res["metrics"], indent=2))
    console.print(f"wrote {out / 'predictions.jsonl'} and {out / 'metrics.json'} ({res['wall_s']:.0f}s)")
