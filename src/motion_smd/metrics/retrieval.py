"""Retrieval metrics of the HumanML3D protocol: R-precision (top-1/2/3) and MM-Dist.

Source: Guo et al., "Generating Diverse and Natural 3D Human Motions from Text" (CVPR 2022),
github.com/EricGuo5513/text-to-motion `utils/metrics.py` (`euclidean_distance_matrix`,
`calculate_top_k`, `calculate_R_precision`) and `motion_loaders`/`eval_t2m` (batches of 32, 20
replications). For captioning (TM2T, Guo et al. ECCV 2022) the text side is the *generated* caption.

Math, per batch of B = 32 (text, motion) pairs in a random order:
- D[i, j] = ‖t_i − m_j‖₂ (Euclidean distance of the T2M co-embeddings);
- R@k: fraction of rows i whose own motion i is among the k nearest motions (ties broken by index,
  `np.argsort(kind="stable")`); averaged over all rows of all full batches (the last partial batch is
  dropped, as with the T2M data loader's `drop_last=True`);
- MM-Dist: mean of the diagonal D[i, i] over the same rows.
The embeddings come from the T2M evaluator, whose weights the user supplies (docs/metrics.md);
this module only does the math on (N, D) arrays, so it is testable on synthetic embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError

T2M_BATCH_SIZE = 32
"""Batch size of the T2M evaluation protocol."""


def euclidean_distance_matrix(a: NDArray[np.floating[Any]], b: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    """Pairwise Euclidean distances.

    Args:
        a: (N, D) float array.
        b: (M, D) float array.

    Returns:
        (N, M) float64 array, D[i, j] = ‖a_i − b_j‖₂ (clipped at 0 before the square root).
    """
    a64 = np.asarray(a, dtype=np.float64)
    b64 = np.asarray(b, dtype=np.float64)
    sq = (a64**2).sum(1)[:, None] - 2.0 * a64 @ b64.T + (b64**2).sum(1)[None, :]
    return np.asarray(np.sqrt(np.maximum(sq, 0.0)), dtype=np.float64)


@dataclass(frozen=True)
class RetrievalScores:
    """R-precision and MM-Dist.

    Attributes:
        r_precision: (top_k,) array; r_precision[k-1] = R@k in [0, 1].
        mm_dist: mean matched text–motion distance (embedding units).
        n: rows scored (full batches only).
        batch_size: B.
        replications: number of shuffles averaged.
        r_precision_ci95, mm_dist_ci95: 1.96 · std / sqrt(replications) over replications (0 for one).
    """

    r_precision: NDArray[np.float64]
    mm_dist: float
    n: int
    batch_size: int
    replications: int
    r_precision_ci95: NDArray[np.float64]
    mm_dist_ci95: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict with keys "R@1", "R@2", ..., "MM-Dist"."""
        d: dict[str, Any] = {f"R@{k + 1}": float(v) for k, v in enumerate(self.r_precision)}
        d["MM-Dist"] = self.mm_dist
        d.update(
            {
                "n": self.n,
                "batch_size": self.batch_size,
                "replications": self.replications,
                "R_ci95": [float(v) for v in self.r_precision_ci95],
                "MM-Dist_ci95": self.mm_dist_ci95,
            }
        )
        return d


def _one_pass(
    text: NDArray[np.float64],
    motion: NDArray[np.float64],
    order: NDArray[np.int64],
    batch_size: int,
    top_k: int,
) -> tuple[NDArray[np.float64], float, int]:
    n_batches = len(order) // batch_size
    hits = np.zeros(top_k, dtype=np.float64)
    dist_sum = 0.0
    for b in range(n_batches):
        idx = order[b * batch_size : (b + 1) * batch_size]
        d = euclidean_distance_matrix(text[idx], motion[idx])
        dist_sum += float(np.trace(d))
        rank = np.argsort(d, axis=1, kind="stable")[:, :top_k]
        correct = rank == np.arange(batch_size)[:, None]
        hits += np.cumsum(correct, axis=1).astype(bool).sum(0)
    rows = n_batches * batch_size
    return hits / rows, dist_sum / rows, rows


def r_precision(
    text_emb: NDArray[np.floating[Any]],
    motion_emb: NDArray[np.floating[Any]],
    batch_size: int = T2M_BATCH_SIZE,
    top_k: int = 3,
    replications: int = 1,
    seed: int = 0,
    shuffle: bool = True,
) -> RetrievalScores:
    """R-precision (R@1..top_k) and MM-Dist of paired embeddings, T2M protocol.

    Args:
        text_emb: (N, D) float, row i = embedding of the text of pair i.
        motion_emb: (N, D) float, row i = embedding of the motion of pair i.
        batch_size: B (32 in the protocol).
        top_k: largest k reported (3 in the protocol).
        replications: independent shuffles averaged (20 in the protocol).
        seed: seed of the shuffles (`np.random.default_rng(seed)`).
        shuffle: False keeps the given order (one replication).

    Returns:
        RetrievalScores.

    Raises:
        ConfigError: shapes differ, fewer than `batch_size` pairs, or top_k > batch_size.
    """
    t = np.asarray(text_emb, dtype=np.float64)
    m = np.asarray(motion_emb, dtype=np.float64)
    if t.ndim != 2 or t.shape != m.shape:
        raise ConfigError(f"text and motion embeddings must both be (N, D); got {t.shape} and {m.shape}.")
    if t.shape[0] < batch_size:
        raise ConfigError(f"R-precision needs at least {batch_size} pairs (one batch); got {t.shape[0]}.")
    if not 1 <= top_k <= batch_size:
        raise ConfigError(f"top_k must be in [1, {batch_size}], got {top_k}.")
    if not np.isfinite(t).all() or not np.isfinite(m).all():
        raise ConfigError("embeddings contain NaN or inf; check the evaluator outputs.")
    rng = np.random.default_rng(seed)
    reps = replications if shuffle else 1
    rs, ds = [], []
    rows = 0
    for _ in range(reps):
        order = rng.permutation(t.shape[0]) if shuffle else np.arange(t.shape[0])
        r, d, rows = _one_pass(t, m, order.astype(np.int64), batch_size, top_k)
        rs.append(r)
        ds.append(d)
    r_arr = np.array(rs)
    d_arr = np.array(ds)
    scale = 1.96 / np.sqrt(reps) if reps > 1 else 0.0
    return RetrievalScores(
        r_precision=r_arr.mean(0),
        mm_dist=float(d_arr.mean()),
        n=rows,
        batch_size=batch_size,
        replications=reps,
        r_precision_ci95=r_arr.std(0) * scale,
        mm_dist_ci95=float(d_arr.std() * scale),
    )


def load_embeddings(path: Path | str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Read paired embeddings saved as `.npz` with arrays "text" and "motion" (N, D) each.

    Raises:
        ConfigError: missing file or arrays.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such embeddings file; see docs/metrics.md (T2M evaluator).")
    with np.load(p, allow_pickle=False) as z:
        if "text" not in z or "motion" not in z:
            raise ConfigError(f"{p}: expected arrays 'text' and 'motion' (N, D); found {sorted(z.files)}.")
        return np.asarray(z["text"], dtype=np.float64), np.asarray(z["motion"], dtype=np.float64)
