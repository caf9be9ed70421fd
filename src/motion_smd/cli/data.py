"""Dataset commands: `smd qa-options`, `smd records`, `smd bandai-qa`, `smd metrics qa|caption`.

pycocoevalcap, bert-score and the describer are imported inside the commands. Errors of the
MotionSMDError family print as one line (file, problem, fix) and exit with status 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from motion_smd.cli.common import READ_FLAGS, read_help, smd_option_set
from motion_smd.errors import ConfigError, MotionSMDError
from motion_smd.options import SMDOptions

QA_DATASETS = ("babel-qa", "humman-qa")
RECORD_DATASETS = (*QA_DATASETS, "humanml3d")


@contextmanager
def _errors() -> Iterator[None]:
    """Turn MotionSMDError into one 'error: …' line on stderr and exit status 2."""
    try:
        yield
    except MotionSMDError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _load_qa(dataset: str, root: Path | None) -> Any:
    from motion_smd.datasets import load_babel_qa, load_humman_qa

    if dataset == "babel-qa":
        return load_babel_qa(root)
    if dataset == "humman-qa":
        return load_humman_qa(root)
    raise ConfigError(f"unknown QA dataset {dataset!r}; choose one of {', '.join(QA_DATASETS)}.")


def _splits(split: str) -> list[str] | None:
    return None if split == "all" else [s.strip() for s in split.split(",") if s.strip()]


def _write_json(path: Path, obj: Any) -> None:
    from motion_smd.files import atomic_write_text

    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n")


def _temporal_inputs(
    predictions: Path, records: Path, query_types: tuple[str, ...]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The temporal records of `query_types` and id → prediction (every prediction line needs id and
    prediction; a record without one scores as unanswered).

    Raises:
        ConfigError: a file is missing or not JSONL, a line lacks its id (or a record its answer), or no record
            of those query types is in `records` (each message names the file and line).
    """
    from motion_smd.files import iter_jsonl
    from motion_smd.metrics.qa import prediction_text

    recs = []
    for n, r in iter_jsonl(records, ConfigError):
        if (r.get("meta") or {}).get("query_type") in query_types:
            if "id" not in r or "answer" not in r:
                raise ConfigError(f"{records}:{n}: a temporal record needs an id and an answer; rebuild the file "
                                  "with `smd bandai-dense`.")  # fmt: skip
            recs.append(r)
    if not recs:
        raise ConfigError(f"{records}: no {' or '.join(query_types)} records; build them with `smd bandai-dense`.")
    preds = {}
    for n, d in iter_jsonl(predictions, ConfigError):
        if "id" not in d:
            raise ConfigError(
                f'{predictions}:{n}: the line has no "id"; each line needs a record id and its prediction.'
            )
        preds[str(d["id"])] = prediction_text(d, f"{predictions}:{n}")
    return recs, preds


def register(app: typer.Typer) -> None:
    """Add the dataset and metrics commands to the `smd` app."""

    @app.command("qa-options")
    def qa_options(
        dataset: Annotated[str, typer.Argument(help="babel-qa or humman-qa.")],
        output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")],
        root: Annotated[
            Path | None, typer.Option(help="Dataset folder (default: $SMD_DATA_DIR/<babel_qa|humman_qa>).")
        ] = None,
        max_options: Annotated[int, typer.Option(help="Most options per question (answer included).")] = 10,
        seed: Annotated[int, typer.Option(help="Seed of the distractor draw and shuffle.")] = 0,
        split: Annotated[str, typer.Option(help="train, val, test, a comma list, or all.")] = "all",
    ) -> None:
        """Standardise QA questions to n options (answer + same-type distractors), deterministic by seed."""
        with _errors():
            from motion_smd.datasets.options import standardise, write_mc_json

            ds = _load_qa(dataset, root)
            items = standardise(ds, max_options=max_options, seed=seed, splits=_splits(split))
            write_mc_json(
                output,
                items,
                {"dataset": ds.name, "max_options": max_options, "seed": seed, "split": split},
            )
            counts = ds.counts()
            for s, c in counts.items():
                typer.echo(f"{s}: {c['total']} questions " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
            typer.echo(f"wrote {len(items)} questions with ≤{max_options} options to {output}")

    @app.command("records")
    @smd_option_set
    def records(
        smd_opts: SMDOptions,
        dataset: Annotated[str, typer.Argument(help="babel-qa, humman-qa or humanml3d.")],
        joints: Annotated[
            Path | None,
            typer.Option(help="Folder of <id>.npy (T, 22, 3) joints (humanml3d default: ROOT/new_joints)."),
        ] = None,
        output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write.")] = Path("records.jsonl"),
        root: Annotated[Path | None, typer.Option(help="Dataset folder (questions or HumanML3D root).")] = None,
        split: Annotated[str, typer.Option(help="train, val, test, a comma list, or all.")] = "test",
        max_options: Annotated[int, typer.Option(help="QA: options per question.")] = 10,
        seed: Annotated[int, typer.Option(help="QA: seed of the options.")] = 0,
        fps: Annotated[
            float | None,
            typer.Option(READ_FLAGS["source_fps"], help=read_help("source_fps") + " Default: per dataset."),
        ] = None,
        up: Annotated[str | None, typer.Option(help=read_help("up") + " Default: per dataset.")] = None,
        segments: Annotated[bool, typer.Option(help="humanml3d: also sub-segment captions.")] = False,
    ) -> None:
        """Build JSONL training/eval records (id, SMD, question/options or references, target)."""
        with _errors():
            from motion_smd.datasets import humanml3d
            from motion_smd.datasets.records import write_records

            opts = smd_opts
            if up not in (None, "y", "z"):
                raise ConfigError(f"--up must be y or z, got {up!r}.")
            if dataset == "humanml3d":
                if root is None:
                    raise ConfigError("humanml3d needs --root: the HumanML3D folder with texts/ and split files.")
                recs: list[Any] = []
                for s in _splits(split) or list(humanml3d.SPLITS):
                    cs = humanml3d.load_humanml3d_captions(root, s, include_segments=segments)
                    r, skipped = humanml3d.caption_records(cs, joints or root / "new_joints", opts)
                    recs.extend(r)
                    if skipped:
                        first = next(iter(skipped.items()))
                        typer.echo(f"{s}: {len(skipped)} items left out (first {first[0]}: {first[1]})", err=True)
                n = write_records(output, recs)
                typer.echo(f"wrote {n} caption records ({opts.variant}) to {output}")
                return
            from motion_smd.datasets import babel_qa, humman_qa
            from motion_smd.datasets.options import standardise
            from motion_smd.datasets.qa_common import npy_smd_reader
            from motion_smd.datasets.records import qa_records

            if joints is None:
                raise ConfigError(f"{dataset} needs --joints: the folder of <sequence_id>.npy (T, 22, 3) files.")
            ds = _load_qa(dataset, root)
            mod = babel_qa if dataset == "babel-qa" else humman_qa
            reader = npy_smd_reader(opts, fps or mod.FPS, up or mod.UP)  # type: ignore[arg-type]
            items = standardise(ds, max_options=max_options, seed=seed, splits=_splits(split))
            aliases = humman_qa.sequence_aliases if dataset == "humman-qa" else (lambda sid: ())
            recs_qa, report = qa_records(items, joints, reader, opts.variant, aliases)
            typer.echo(report.text(joints), err=bool(report.missing_questions))
            n = write_records(output, recs_qa)
            typer.echo(f"wrote {n} QA records ({opts.variant}) to {output}")

    @app.command("bandai-qa")
    @smd_option_set
    def bandai_qa_cmd(
        smd_opts: SMDOptions,
        output: Annotated[Path, typer.Argument(help="Folder to build the set in.")],
        data_dir: Annotated[
            Path | None, typer.Option(help="Folder holding bandai_namco/ (default: $SMD_DATA_DIR).")
        ] = None,
        seed: Annotated[int, typer.Option(help="Seed of sequence composition and options.")] = 0,
        max_options: Annotated[int, typer.Option(help="Options per question.")] = 10,
        split_by: Annotated[
            str,
            typer.Option(
                help="style: test on performance styles never trained on; take: train on take 001, test on "
                "take 002 of the same actions and styles."
            ),
        ] = "style",
        train_questions_per_sequence: Annotated[
            int,
            typer.Option(
                min=1,
                help="Questions per training sequence (validation and test keep 4); more add supervision at "
                "little token cost with `smd train --pack-questions`.",
            ),
        ] = 4,
        mirror_train: Annotated[
            bool,
            typer.Option(
                help="Add the left-right mirror image of every training sequence (left and right swapped in its "
                "labels, questions and answers); validation and test are unchanged."
            ),
        ] = False,
    ) -> None:
        """Build the real-motion QA set from the Bandai-Namco clips (joints, questions, records per split)."""
        with _errors():
            from motion_smd.datasets.bandai_qa import build_bandai_qa

            summary = build_bandai_qa(
                output,
                data_dir=data_dir,
                seed=seed,
                max_options=max_options,
                smd_options=smd_opts,
                split_by=split_by,
                train_questions_per_sequence=train_questions_per_sequence,
                mirror_train=mirror_train,
            )
            for line in summary.lines():
                typer.echo(line)

    @app.command("bandai-dense")
    @smd_option_set
    def bandai_dense_cmd(
        smd_opts: SMDOptions,
        output: Annotated[Path, typer.Argument(help="Folder to build the set in.")],
        data_dir: Annotated[
            Path | None, typer.Option(help="Folder holding bandai_namco/ (default: $SMD_DATA_DIR).")
        ] = None,
        seed: Annotated[int, typer.Option(help="Seed of sequence composition and the random baseline.")] = 0,
    ) -> None:
        """Build real motion with exact temporal ground truth: joined and repeated Bandai-Namco clips, with
        dense-captioning, localisation and counting records and the baselines' predictions and scores."""
        with _errors():
            from motion_smd.datasets.bandai_dense import build_bandai_dense

            summary = build_bandai_dense(output, data_dir=data_dir, seed=seed, smd_options=smd_opts)
            for line in summary.lines():
                typer.echo(line)

    metrics_app = typer.Typer(
        help="Score predictions: QA accuracy, caption metrics, dense captioning and localisation, counting.",
        no_args_is_help=True,
    )
    app.add_typer(metrics_app, name="metrics")

    @metrics_app.command("qa")
    def metrics_qa(
        predictions: Annotated[Path, typer.Argument(help="JSONL with id and prediction (model output).")],
        records: Annotated[
            Path | None, typer.Option(help="QA records JSONL (options, answer, labels) to join by id.")
        ] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON.")] = None,
    ) -> None:
        """QA accuracy overall, per query type and per relation type (with the answer extractor)."""
        with _errors():
            from motion_smd.metrics.qa import load_qa_items, report_table, score_qa

            report = score_qa(load_qa_items(predictions, records))
            for kind, label, c, t, acc in report_table(report):
                typer.echo(f"{kind:14s} {label:18s} {c:5d}/{t:<5d} {100 * acc:6.2f}%")
            typer.echo("extraction: " + ", ".join(f"{k} {v}" for k, v in report.methods.items()))
            if report.unparseable:
                shown = ", ".join(report.unparseable[:10])
                typer.echo(f"{len(report.unparseable)} unparseable answers counted wrong: {shown}")
            if json_out is not None:
                _write_json(json_out, report.to_dict())

    @metrics_app.command("dense")
    def metrics_dense(
        predictions: Annotated[Path, typer.Argument(help="JSONL with id and prediction (model output).")],
        records: Annotated[Path, typer.Option(help="Temporal records JSONL (smd bandai-dense) to join by id.")],
        captions: Annotated[bool, typer.Option(help="Caption metrics of matched events (pycocoevalcap).")] = True,
        failures: Annotated[int, typer.Option(help="Show this many timelines with their references.")] = 3,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON.")] = None,
    ) -> None:
        """Dense captioning (P/R/F1 at tIoU 0.3–0.9, per action, caption metrics of matched events) and
        localisation (mean tIoU, R@1 at tIoU 0.3/0.5/0.7) of the records' "dense" and "localise" questions."""
        with _errors():
            from motion_smd.metrics import dense

            recs, preds = _temporal_inputs(predictions, records, ("dense", "localise"))
            report = dense.temporal_report(recs, preds, captions=captions)
            if "dense" in report:
                d = report["dense"]
                typer.echo(f"dense captioning: {d['n']} timelines, {len(d['unparseable'])} unparseable")
                for t, v in d["scores"].items():
                    lab = d["labelled"][t]
                    typer.echo(
                        f"  tIoU {t}: precision {v['precision']:.3f} recall {v['recall']:.3f} F1 {v['f1']:.3f}; "
                        f"with the action named right: F1 {lab['f1']:.3f}"
                    )
                typer.echo("  F1 at tIoU 0.5 per action:")
                for action, per in d["per_action"].items():
                    v = per["0.5"]
                    typer.echo(
                        f"    {action:22s} F1 {v['f1']:.3f} (P {v['precision']:.3f}, R {v['recall']:.3f}, "
                        f"{v['references']:.0f} references)"
                    )
                if d["captions"]:
                    typer.echo("  matched-event captions (mean over tIoU): " + ", ".join(
                        f"{k} {v:.3f}" for k, v in d["captions"].items()
                    ))  # fmt: skip
                dense_recs = [r for r in recs if r["meta"]["query_type"] == "dense"]
                for r in dense_recs[: max(failures, 0)]:
                    typer.echo(f"  {r['id']}\n    reference:  {r['answer']}\n    prediction: {preds.get(r['id'], '')}")
            if "localise" in report:
                loc = report["localise"]
                typer.echo(
                    f"localisation: {loc['n']} questions, mean tIoU {loc['mean_tiou']:.3f}, "
                    + ", ".join(f"R@1 tIoU {t} {v:.3f}" for t, v in loc["r_at_1"].items())
                    + f", {len(loc['unparseable'])} unparseable"
                )
            if json_out is not None:
                _write_json(json_out, report)

    @metrics_app.command("count")
    def metrics_count(
        predictions: Annotated[Path, typer.Argument(help="JSONL with id and prediction (model output).")],
        records: Annotated[Path, typer.Option(help="Temporal records JSONL (smd bandai-dense) to join by id.")],
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON.")] = None,
    ) -> None:
        """Repetition counting: exact accuracy, MAE (÷ true count) and off-by-one accuracy, per true count."""
        with _errors():
            from motion_smd.metrics import dense

            recs, preds = _temporal_inputs(predictions, records, ("count",))
            c = dense.temporal_report(recs, preds)["count"]
            typer.echo(
                f"counting: {c['n']} questions, exact {c['exact']:.3f}, MAE {c['mae']:.3f}, OBO {c['obo']:.3f}, "
                f"{len(c['unparseable'])} unparseable"
            )
            for k, v in c["per_count"].items():
                typer.echo(f"  true count {k}: {v['n']:.0f} questions, exact {v['exact']:.3f}, OBO {v['obo']:.3f}")
            if json_out is not None:
                _write_json(json_out, c)

    @metrics_app.command("probe")
    def metrics_probe(
        train_records: Annotated[Path, typer.Option("--train", help="Training QA records JSONL.")],
        test_records: Annotated[Path, typer.Option("--test", help="Test QA records JSONL.")],
        ngram_max: Annotated[int, typer.Option(min=1, help="Longest n-gram, tokens.")] = 3,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON.")] = None,
    ) -> None:
        """Text-probe baseline: a bag-of-n-grams classifier on question + SMD text, beside the majority answer."""
        with _errors():
            from motion_smd.llm.records import read_records
            from motion_smd.metrics.text_probe import text_probe

            report = text_probe(read_records(train_records, "qa"), read_records(test_records, "qa"), ngram_max)
            rows = [*report.per_type.items(), ("overall", report.overall)]
            for name, sc in rows:
                typer.echo(
                    f"{name:18s} {sc.correct:5d}/{sc.total:<5d} probe {100 * sc.accuracy:6.2f}%   "
                    f"majority {100 * sc.majority_accuracy:6.2f}%"
                )
            if json_out is not None:
                _write_json(json_out, report.to_dict())

    @metrics_app.command("caption")
    def metrics_caption(
        predictions: Annotated[Path, typer.Argument(help="JSONL with id and prediction (generated caption).")],
        records: Annotated[Path | None, typer.Option(help="Caption records JSONL (references) to join by id.")] = None,
        meteor: Annotated[bool, typer.Option(help="Run METEOR (needs Java).")] = True,
        bertscore: Annotated[
            str,
            typer.Option(
                help="none, minilm (offline, not comparable), paper (roberta-large L17 idf rescaled), "
                "or a model name/folder."
            ),
        ] = "none",
        bertscore_layer: Annotated[int | None, typer.Option(help="Layer for a custom BERTScore model.")] = None,
        embeddings: Annotated[
            Path | None, typer.Option(help=".npz with T2M evaluator embeddings 'text' and 'motion' (N, D).")
        ] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the scores as JSON.")] = None,
    ) -> None:
        """BLEU@1/4, ROUGE-L, CIDEr, METEOR (pycocoevalcap), optional BERTScore and R-precision/MM-Dist."""
        with _errors():
            from motion_smd.metrics import captions
            from motion_smd.metrics.qa import prediction_text, read_jsonl

            preds_raw = read_jsonl(predictions)
            preds = {str(d["id"]): prediction_text(d, str(predictions)) for d in preds_raw}
            refs: dict[str, list[str]] = {}
            source = read_jsonl(records) if records is not None else preds_raw
            for d in source:
                if d.get("references"):
                    refs[str(d["id"])] = [str(r) for r in d["references"]]
            java = captions.java_available()
            scores = captions.caption_metrics(preds, refs, meteor=meteor and java)
            out: dict[str, Any] = scores.to_dict()
            for k, v in scores.as_percent().items():
                typer.echo(f"{k:8s} {v:7.2f}")
            for note in scores.notes:
                typer.echo(f"note: {note}")
            if bertscore != "none":
                if bertscore == "minilm":
                    cfg = captions.minilm_bertscore()
                elif bertscore == "paper":
                    cfg = captions.PAPER_BERTSCORE
                else:
                    cfg = captions.BERTScoreConfig(
                        model=bertscore, num_layers=bertscore_layer, idf=True, rescale_with_baseline=False
                    )
                bs = captions.bertscore(preds, refs, cfg)
                typer.echo(f"{bs.label}: F1 {bs.f1:.4f} (P {bs.precision:.4f}, R {bs.recall:.4f})")
                out["bertscore"] = bs.to_dict()
            if embeddings is not None:
                from motion_smd.metrics.retrieval import load_embeddings, r_precision

                t, m = load_embeddings(embeddings)
                rs = r_precision(t, m, replications=20)
                typer.echo(
                    "R-precision "
                    + " ".join(f"R@{k + 1} {v:.3f}" for k, v in enumerate(rs.r_precision))
                    + f", MM-Dist {rs.mm_dist:.3f}"
                )
                out["retrieval"] = rs.to_dict()
            if json_out is not None:
                _write_json(json_out, out)
