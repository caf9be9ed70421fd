"""Compilation of the describer's kernels with numba (`motion_smd.segment_kernel`, `motion_smd.cycle_kernel`,
`motion_smd.angle_kernel`).

Kernels are plain Python over NumPy arrays and scalars. With numba installed (a dependency of the package)
`jit` compiles them (`numba.njit(cache=True, nogil=True)`: the machine code is cached beside the module, or in
numba's user-wide cache when that is not writable, so only the first run on a machine compiles). Without numba,
or with the environment variable `NUMBA_DISABLE_JIT=1`, the same code runs in the interpreter: same results,
only slower. The kernel modules import numba, so `motion_smd` imports them lazily (numba's import costs about
0.2 s).

Helpers that never allocate an array use `jit_noalloc`: compiled without numba's runtime (NRT), so passing an
array to them does not update its reference count. A compiled function that passes its array arguments on to
another one increments and decrements each array's count atomically on every call; with thousands of small
helper calls per clip this cost about 30 % of the segmentation kernel (found with `perf` and `gdb`: 46 % of
the samples in `NRT_incref`/`NRT_decref`; `benchmarks/bench_describer.py` measures the effect). The option
that turns NRT off (`_nrt=False`) is numba's own, used in its test suite but not documented; when a numba
release does not accept it, `jit_noalloc` falls back to `jit` (same results, only slower). numba refuses to
compile an allocation (or `ndarray.sort`) in a `jit_noalloc` function ("NRT required but not enabled").

Developers: numba's cache does not notice when a kernel calls into another module that changed (a cached
`segment_rows` keeps the `cycle_kernel` code it was compiled with). After editing a kernel module, delete
the cache (`find src -name '*.nb[ic]' -delete`) before timing or checking text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

try:  # pragma: no cover - depends on the environment
    from numba import njit as _numba_njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False


LOG = logging.getLogger("motion_smd")

FIRST_COMPILE_MESSAGE = (
    "compiling the describer's kernels for this machine, once (under a minute; later runs load them from "
    "numba's cache)…"
)


def _announce_first_compile() -> None:
    """Log `FIRST_COMPILE_MESSAGE` (INFO, logger "motion_smd") when numba first compiles a function in this
    process, i.e. when its cache had no machine code for it; the `smd` command shows it on standard error."""
    from numba.core import event

    class _FirstCompile(event.Listener):
        announced = False

        def on_start(self, data: Any) -> None:
            if not self.announced:
                self.announced = True
                LOG.info(FIRST_COMPILE_MESSAGE)

        def on_end(self, data: Any) -> None:
            pass

    event.register("numba:compile", _FirstCompile())


def _accepts_nrt_option() -> bool:
    """Whether this numba knows the (undocumented) `_nrt` compile option."""
    try:
        from numba.core.cpu import CPUTargetOptions
    except ImportError:  # pragma: no cover - numba's internals moved
        return False
    return hasattr(CPUTargetOptions, "_nrt")


if HAVE_NUMBA:  # pragma: no branch
    _announce_first_compile()

NOALLOC_WITHOUT_NRT = HAVE_NUMBA and _accepts_nrt_option()
"""`jit_noalloc` compiles without numba's runtime (else it is `jit`)."""


def jit(fn: F) -> F:
    """`numba.njit(cache=True, nogil=True)(fn)` when numba is installed, else `fn` itself."""
    if not HAVE_NUMBA:
        return fn
    return cast(F, _numba_njit(cache=True, nogil=True)(fn))


def jit_noalloc(fn: F) -> F:
    """`jit` for a helper that allocates no array (no `np.empty`, no array copies): compiled without numba's
    runtime (`_nrt=False`), so calls to it do not update the reference counts of the arrays they pass; `jit`
    where numba does not accept that option. The helper may still read and write the arrays it is given and
    take views of them that do not outlive the call."""
    if not NOALLOC_WITHOUT_NRT:
        return jit(fn)
    without_nrt: dict[str, Any] = {"_nrt": False}  # not in numba's typed signature
    return cast(F, _numba_njit(cache=True, nogil=True, **without_nrt)(fn))
