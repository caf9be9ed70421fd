"""Compilation of the describer's kernels with numba (`motion_smd.segment_kernel`, `motion_smd.cycle_kernel`,
`motion_smd.angle_kernel`).

Kernels are plain Python over NumPy arrays and scalars. With numba installed (a dependency of the package)
`jit` compiles them (`numba.njit(cache=True, nogil=True)`: the machine code is cached beside the module, or in
numba's user-wide cache when that is not writable, so only the first run on a machine compiles). Without numba,
or with the environment variable `NUMBA_DISABLE_JIT=1`, the same code runs in the interpreter: same results,
only slower. The kernel modules import numba, so `motion_smd` imports them lazily (numba's import costs about
0.2 s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

try:  # pragma: no cover - depends on the environment
    from numba import njit as _numba_njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False


def jit(fn: F) -> F:
    """`numba.njit(cache=True, nogil=True)(fn)` when numba is installed, else `fn` itself."""
    if not HAVE_NUMBA:
        return fn
    return cast(F, _numba_njit(cache=True, nogil=True)(fn))
