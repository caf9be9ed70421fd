"""Gaussian smoothing along time, bit for bit `scipy.ndimage.gaussian_filter1d(x, sigma, axis=0, mode="nearest")`.

A process that compiles the describer's kernels (batches, the API, any long run) runs SciPy's loop compiled
(`motion_smd.signal_kernel.gaussian_nearest`, same arithmetic, without SciPy's 25–40 µs per call). A one-shot
`smd describe FILE`, which runs the kernels in the interpreter to start fast (`compiled.interpret_kernels`),
uses `numpy_gaussian_smooth` instead: importing `scipy.ndimage` costs about 0.75 s with SciPy 1.17 (its
array-API layer parses docstrings at import), five times the whole `import numpy`, and the one-shot command
needs nothing else from SciPy (issue #19's start-up profile, `benchmarks/bench_startup.py`); per call it is 2–4×
slower than SciPy's C loop (150–190 µs vs 25–75 µs for 114–2,000 frames, σ = 6 frames). It reproduces SciPy's
arithmetic exactly, so the text does not depend on the path: the same kernel
(`scipy.ndimage._filters._gaussian_kernel1d`: exp of −x²/(2σ²) over x = −r…r, r = int(truncate·σ + 0.5),
divided by its sum) and the same order of operations as SciPy's C loop for a symmetric kernel (`ni_filters.c`,
`NI_Correlate1D`: the centre sample times the centre weight, then, from the outermost pair inward, the sum of
the two samples times their weight), over the signal extended by its edge values. `tests/test_smoothing.py`
checks equality with SciPy on random signals of many lengths and widths.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from motion_smd import compiled

FloatArray = NDArray[np.float64]

TRUNCATE = 4.0
"""Kernel radius in standard deviations (SciPy's default `truncate`)."""


def gaussian_kernel(sigma: float, truncate: float = TRUNCATE) -> FloatArray:
    """The normalised Gaussian weights of `gaussian_smooth`.

    Args:
        sigma: standard deviation in samples, > 0.
        truncate: radius in standard deviations.

    Returns:
        (2r + 1,) float64 weights summing to 1, r = int(truncate·sigma + 0.5).
    """
    radius = int(truncate * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (float(sigma) * float(sigma)) * x**2)
    return np.asarray(phi / phi.sum(), dtype=np.float64)


def gaussian_smooth(values: NDArray[np.floating], sigma: float, truncate: float = TRUNCATE) -> FloatArray:
    """Gaussian low-pass along axis 0, the signal extended by its first and last values ("nearest").

    Args:
        values: (T,) or (T, C) float array (any float dtype; computed in float64).
        sigma: standard deviation in samples, > 0.
        truncate: radius in standard deviations.

    Returns:
        float64 array of the shape of `values`, equal bit for bit to
        `scipy.ndimage.gaussian_filter1d(values.astype(float64), sigma, axis=0, mode="nearest", truncate=truncate)`.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim in (1, 2) and x.shape[0] > 0 and compiled.compiling():
        from motion_smd.signal_kernel import gaussian_nearest  # SciPy's loop compiled: no per-call overhead

        out = gaussian_nearest(np.ascontiguousarray(x.reshape(x.shape[0], -1)), gaussian_kernel(sigma, truncate))
        return np.asarray(out.reshape(x.shape), dtype=np.float64)
    return numpy_gaussian_smooth(x, sigma, truncate)


def numpy_gaussian_smooth(values: NDArray[np.floating], sigma: float, truncate: float = TRUNCATE) -> FloatArray:
    """`gaussian_smooth` in NumPy alone (no SciPy import), bit for bit the same; arguments and result as there."""
    x = np.asarray(values, dtype=np.float64)
    w = gaussian_kernel(sigma, truncate)
    r = (w.shape[0] - 1) // 2
    n = x.shape[0]
    if n == 0 or r == 0:
        return x.copy()
    padded = np.pad(x, [(r, r)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    out = padded[r : r + n] * w[r]
    for j in range(r, 0, -1):  # outermost pair first, as SciPy's loop
        out += (padded[r - j : r - j + n] + padded[r + j : r + j + n]) * w[r - j]
    return out


def runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a (T,) bool mask, half-open, in time order."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask).astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


BUTTER_CUTOFF_HZ = 6.0
BUTTER_ORDER = 4
"""Detector jitter is filtered out of estimated poses (video, 2-D keypoints) with a zero-phase Butterworth
low-pass of this order and cut-off (Sports2D's default filter; Winter's 6 Hz for gait kinematics). Captured
motion (BVH, joints) is never filtered by default."""


def butterworth_low_pass(values: FloatArray, fps: float, cutoff_hz: float = BUTTER_CUTOFF_HZ) -> FloatArray:
    """A zero-phase Butterworth low-pass along time (scipy.signal.filtfilt; order BUTTER_ORDER in all, the
    cut-off capped at 0.45 × fps) of each stretch of frames where every value is finite and that is long enough
    for the filter; shorter stretches and NaN frames are kept as they are.

    Args:
        values: (T, ...) float64, any trailing shape (e.g. (T, 2) keypoints, (T, 33, 3) landmarks).
        fps: frame rate.
        cutoff_hz: cut-off frequency, Hz.

    Returns:
        Array of the same shape, float64.
    """
    from scipy.signal import butter, filtfilt  # here: importing the describer must stay cheap

    cutoff = min(cutoff_hz, 0.45 * fps)
    b, a = butter(BUTTER_ORDER // 2, cutoff / (fps / 2.0))  # filtfilt runs it twice: the order doubles
    out = np.array(values, dtype=np.float64)
    finite = np.asarray(np.isfinite(out.reshape(out.shape[0], -1)).all(axis=1))
    pad = 3 * max(len(a), len(b))
    for s0, e0 in runs(finite):
        if e0 - s0 > pad:
            out[s0:e0] = filtfilt(b, a, out[s0:e0], axis=0)
    return out
