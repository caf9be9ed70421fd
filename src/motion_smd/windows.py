"""Long motions in timestamped windows (issue #15, deliverable 3): a motion too long for a model's context is
described window by window, each window's header giving its absolute time span.

Windows tile the motion exactly: n windows of equal length (frames split at round(k · T / n)), window k
covering frames [a_k, a_{k+1}) and times a_k / fps to a_{k+1} / fps, so one window ends where the next begins.
The number of windows is the smallest that meets both limits: `window_s` (no window longer) and `max_tokens`
(no window's text longer, by the given token counter, header included). Each window is described as a motion
of its own in its own frame (the body's pelvis at the origin and facing +Z at the window's first frame, floor
kept from the whole motion), so its segment times count from the window's start; the header says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from motion_smd import smd_text  # the package imports the describer (SciPy, numba) on first use only
from motion_smd.errors import ConfigError, where
from motion_smd.motion import Motion
from motion_smd.options import SMDOptions


@dataclass(frozen=True)
class WindowOptions:
    """How to cut a long motion (see `describe_windows`): `window_s` longest window, seconds; `max_tokens` most
    tokens of one window's text; `tokenizer` the model whose tokenizer counts them (a name or path
    `motion_smd.llm.models.load_tokenizer` accepts; None = SmolLM2-135M-Instruct). `active` is False when
    neither limit is set (the motion is described whole, without a window header)."""

    window_s: float | None = None
    max_tokens: int | None = None
    tokenizer: str | None = None

    @property
    def active(self) -> bool:
        """True when a limit is set."""
        return self.window_s is not None or self.max_tokens is not None


WHOLE = WindowOptions()
"""No windows: the motion is described whole."""


@lru_cache(maxsize=4)
def token_counter(tokenizer: str | None) -> Callable[[str], int]:
    """text → number of tokens of that model's tokenizer (loaded once per process; needs the [llm] extra).

    Raises:
        motion_smd.llm.LLMError: the tokenizer cannot be loaded.
    """
    from motion_smd.llm.models import load_tokenizer

    tok = load_tokenizer(tokenizer)
    return lambda text: len(tok(text).input_ids)


def windows_text(motion: Motion, options: SMDOptions, windows: WindowOptions) -> str:
    """The SMD text of `motion`: whole when `windows` is inactive, else its windows (each headed) separated by
    a blank line."""
    if not windows.active:
        return smd_text(motion, options)
    count = token_counter(windows.tokenizer) if windows.max_tokens is not None else None
    parts = describe_windows(motion, options, windows.window_s, windows.max_tokens, count)
    return "\n\n".join(w.text for w in parts)


MIN_WINDOW_S = 2.0
"""Windows are never made shorter than this to meet a token budget (a budget that needs it is refused)."""


@dataclass(frozen=True)
class Window:
    """One window of a long motion.

    Attributes:
        index: 1-based position; count: number of windows.
        start_frame, end_frame: frames [start_frame, end_frame) of the whole motion.
        start_s, end_s: the same span in seconds of the whole motion (start_frame / fps, end_frame / fps).
        text: the window's header line and its SMD text.
    """

    index: int
    count: int
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    text: str


def window_bounds(n_frames: int, n_windows: int) -> list[tuple[int, int]]:
    """[(a, b)) frame ranges of `n_windows` near-equal windows tiling `n_frames` frames exactly.

    Raises:
        ConfigError: n_windows < 1 or more windows than frames.
    """
    if not 1 <= n_windows <= n_frames:
        raise ConfigError(f"cannot cut {n_frames} frames into {n_windows} windows.")
    cuts = [round(k * n_frames / n_windows) for k in range(n_windows + 1)]
    return list(pairwise(cuts))


def _window_motion(motion: Motion, a: int, b: int) -> Motion:
    """Frames [a, b) in their own frame: pelvis XZ at the origin and facing +Z at frame a; heights kept (the
    whole canonical motion's floor stays at y = 0)."""
    return Motion(motion.joints[a:b], motion.fps, source=motion.source).canonicalize(floor_m=0.0)


def _header(k: int, n: int, start_s: float, end_s: float, total_s: float) -> str:
    return (
        f"Window {k} of {n}: {start_s:.1f}s–{end_s:.1f}s of a {total_s:.1f}s motion "
        f"(times below count from {start_s:.1f}s; positions from where the body stands at {start_s:.1f}s)"
    )


def describe_windows(
    motion: Motion,
    options: SMDOptions | None = None,
    window_s: float | None = None,
    max_tokens: int | None = None,
    count_tokens: Callable[[str], int] | None = None,
) -> list[Window]:
    """Describe a canonical motion in the fewest equal windows that keep each within `window_s` seconds and
    `max_tokens` tokens.

    Args:
        motion: canonical Motion, (T, 22, 3) metres, Y up.
        options: SMD options for every window (default `SMDOptions()`).
        window_s: longest window, seconds (> 0); None = no limit.
        max_tokens: most tokens of one window's text, header included (> 0); None = no limit.
        count_tokens: text → token count (e.g. `len(tokenizer(text).input_ids)`); required with max_tokens.

    Returns:
        The windows in time order (one window, headed "Window 1 of 1", when the motion fits).

    Raises:
        ConfigError: a limit ≤ 0, max_tokens without count_tokens, or a token budget that would need windows
            shorter than MIN_WINDOW_S.
    """
    opts = options or SMDOptions()
    if window_s is not None and not window_s > 0:
        raise ConfigError(f"--window-s must be > 0 seconds, got {window_s}.")
    if max_tokens is not None and (max_tokens <= 0 or count_tokens is None):
        raise ConfigError("--max-tokens needs a positive budget and a tokenizer to count with.")
    n_frames, fps = motion.n_frames, motion.fps
    total_s = n_frames / fps
    n = 1 if window_s is None else max(1, math.ceil(total_s / window_s - 1e-9))
    while True:
        windows = []
        for k, (a, b) in enumerate(window_bounds(n_frames, n), start=1):
            start_s, end_s = a / fps, b / fps
            smd = smd_text(_window_motion(motion, a, b), opts)
            text = _header(k, n, start_s, end_s, total_s) + "\n" + smd
            windows.append(Window(k, n, a, b, start_s, end_s, text))
        if max_tokens is None or count_tokens is None:
            return windows
        worst = max(count_tokens(w.text) for w in windows)
        if worst <= max_tokens:
            return windows
        if total_s / (n + 1) < MIN_WINDOW_S:
            raise ConfigError(
                f"{where(motion.source)}a window's text needs {worst} tokens with {n} window(s); fitting "
                f"{max_tokens} would need windows under {MIN_WINDOW_S:g} s. Raise --max-tokens, or use --top-k to "
                "print fewer angles."
            )
        n += 1  # one more at a time: the result is the fewest windows that fit
