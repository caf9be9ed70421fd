"""`motion_smd.smoothing.gaussian_smooth` equals SciPy's `gaussian_filter1d(..., mode="nearest")` bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from motion_smd.smoothing import gaussian_kernel, gaussian_smooth, numpy_gaussian_smooth


@pytest.mark.parametrize("n", [1, 2, 3, 7, 31, 200, 2001])
@pytest.mark.parametrize("sigma", [0.34, 0.5, 1.0, 2.5, 6.0, 20.0])
def test_equals_scipy_bit_for_bit(n: int, sigma: float) -> None:
    rng = np.random.default_rng(n * 100 + int(sigma * 10))
    for shape in ((n,), (n, 4)):
        x = np.cumsum(rng.normal(size=shape), axis=0) * rng.uniform(0.01, 300.0)
        expected = gaussian_filter1d(x, sigma, axis=0, mode="nearest")
        np.testing.assert_array_equal(numpy_gaussian_smooth(x, sigma), expected)
        np.testing.assert_array_equal(gaussian_smooth(x, sigma), expected)


def test_float32_input_is_computed_in_float64() -> None:
    x = np.linspace(0.0, 1.0, 50, dtype=np.float32) ** 2
    out = numpy_gaussian_smooth(x, 2.0)
    assert out.dtype == np.float64 and gaussian_smooth(x, 2.0).dtype == np.float64
    np.testing.assert_array_equal(out, gaussian_filter1d(x.astype(np.float64), 2.0, mode="nearest"))


def test_kernel_is_normalised_and_symmetric() -> None:
    w = gaussian_kernel(3.0)
    assert w.shape == (25,) and np.isclose(w.sum(), 1.0) and np.array_equal(w, w[::-1])
