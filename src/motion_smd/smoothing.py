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
