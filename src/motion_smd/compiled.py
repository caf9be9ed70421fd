"""Compilation of the describer's kernels with numba (`motion_smd.segment_kernel`, `motion_smd.cycle_kernel`,
`motion_smd.angle_kernel`).

Kernels are plain Python over NumPy arrays and scalars. With numba installed (a dependency of the package)
`jit` compiles them (`numba.njit(cache=True, nogil=True)`: the machine code is cached beside the module, or in
numba's user-wide cache when that is not writable, so only the first run on a machine compiles). Without numba,
or with the environment variable `NUMBA_DISABLE_JIT=1`, the same code runs in the interpreter: same results,
only slower. numba is imported when the first kernel module is (its import costs about 0.3 s, and loading the
cached machine code another 0.4 s), and `motion_smd` imports the kernel modules lazily.

`interpret_kernels()`, called before any kernel module is imported, makes this process run the kernels in the
interpreter without importing numba at all: `smd describe` does so for one short file (`INTERPRET_MAX_FRAMES`),
where start-up dominates (issue #19). Whole `smd describe` processes measured on this 2-core machine
(2026-12-02, median of 3–5): a 200-frame synthetic walk 0.45 s interpreted vs 1.82 s compiled, 5,000 frames
1.27 s vs 1.87 s; a real CMU clip of 1,125 frames (BVH) 1.74 s vs 2.46 s. The text is byte-identical either way
(`tests/test_compiled.py`, `tests/test_cli_lazy.py`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

LOG = logging.getLogger("motion_smd")

FIRST_COMPILE_MESSAGE = (
    "compiling the describer's kernels for this machine, once (under a minute; later runs load them from "
    "numba's cache)…"
)

KERNEL_MODULES = (
    "motion_smd.angle_kernel",
    "motion_smd.cycle_kernel",
    "motion_smd.segment_kernel",
    "motion_smd.signal_kernel",
)
"""The modules whose functions `jit` compiles."""

INTERPRET_MAX_FRAMES = 1500
"""Longest motion (frames, after resampling) whose kernels `smd describe` runs in the interpreter when it describes
one file: below it the interpreter's per-frame cost (about 0.7 ms per frame of real motion) stays under numba's
import and cache load (about 1.2–1.4 s); see the module docstring for the measurements."""

_interpret = False
_numba: Any = None  # numba.njit once imported; False: not installed or not wanted


def interpret_kernels() -> bool:
    """Run the kernels in the interpreter in this process and never import numba for them (same results, only
    slower per frame). Takes effect only before any kernel module is imported; returns whether it did."""
    global _interpret
    if any(m in sys.modules for m in KERNEL_MODULES):
        return _interpret
    _interpret = True
    return True


def interpreting() -> bool:
    """Whether this process runs the kernels in the interpreter by choice (`interpret_kernels`)."""
    return _interpret


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


def _njit() -> Any:
    """numba's `njit`, imported on first use (with the first-compile announcement), or False when the kernels
    run in the interpreter (`interpret_kernels`, or numba not installed)."""
    global _numba
    if _numba is None:
        if _interpret:
            _numba = False
        else:
            try:  # pragma: no cover - depends on the environment
                from numba import njit

                _announce_first_compile()
                _numba = njit
            except ImportError:  # pragma: no cover
                _numba = False
    return _numba


def compiling() -> bool:
    """Whether `jit` compiles in this process: the kernels not interpreted (`interpret_kernels`) and numba
    installed; imports numba on first call, as the first kernel module does."""
    return not _interpret and bool(_njit())


def noalloc_without_nrt() -> bool:
    """Whether `jit_noalloc` compiles without numba's runtime (else it is `jit`)."""
    return bool(_njit()) and _accepts_nrt_option()


def kernel_sources_stamp(paths: Sequence[Path]) -> str:
    """SHA-256 (hex) of the contents of `paths`, in order: the freshness stamp of every kernel's cached
    machine code.

    numba (0.59+) stamps a cached function with the hash of its own source file only, yet the machine code of
    a kernel also holds the helpers it calls from other modules (`segment_kernel.segment_rows` calls
    `cycle_kernel._collapse_cycles`). A change to a helper's module alone would then load the caller's stale
    code, e.g. after an upgrade that leaves numba's cache files in `__pycache__`. Stamping every kernel with
    all kernel modules' sources recompiles them all when any of them changes.

    Raises:
        OSError: a path that cannot be read.
    """
    digest = hashlib.sha256()
    for path in paths:
        data = Path(path).read_bytes()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _kernel_files() -> tuple[Path, ...]:
    """The source files of `KERNEL_MODULES` and of this module (found without importing them)."""
    files = [Path(__file__)]
    for name in KERNEL_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:  # pragma: no cover - a broken installation
            raise ImportError(f"{name}: its source file was not found; reinstall motion-smd.")
        files.append(Path(spec.origin))
    return tuple(files)


def _current_kernel_stamp() -> str:
    """`kernel_sources_stamp` of the kernel files as they are now: hashed again only when one of them changes
    (size or modification time, as numba's own per-file stamp), not for each of the ≈ 50 kernels loaded."""
    files = _kernel_files()
    return _stamp_of_files(files, tuple((st.st_mtime_ns, st.st_size) for st in (f.stat() for f in files)))


@lru_cache(maxsize=8)
def _stamp_of_files(files: tuple[Path, ...], stats: tuple[tuple[int, int], ...]) -> str:
    """`kernel_sources_stamp(files)`, memoised by the files' `stats` (mtime ns, size)."""
    return kernel_sources_stamp(files)


@lru_cache(maxsize=1)
def _kernel_function_cache() -> Any:
    """numba's `FunctionCache` with locators whose source stamp is `kernel_sources_stamp` of every kernel
    module (same cache folders as numba's own: $NUMBA_CACHE_DIR, `__pycache__`, the user-wide cache)."""
    from numba.core import caching

    class _AllKernelSources:
        def get_source_stamp(self) -> str:
            return _current_kernel_stamp()

    locators = [
        type(f"Kernel{base.__name__}", (_AllKernelSources, base), {})
        for base in (caching.UserProvidedCacheLocator, caching.InTreeCacheLocator, caching.UserWideCacheLocator)
    ]
    impl = type("KernelCacheImpl", (caching.CompileResultCacheImpl,), {"_locator_classes": locators})
    return type("KernelFunctionCache", (caching.FunctionCache,), {"_impl_class": impl})


def _cached(dispatcher: Any, fn: Callable[..., Any]) -> Any:
    """`dispatcher` (made with cache=True) caching through `_kernel_function_cache`; unchanged where this
    numba lacks the classes it builds on (then a helper's change needs its callers' cache cleared)."""
    try:
        cache_class = _kernel_function_cache()
    except (ImportError, AttributeError):  # pragma: no cover - numba's internals moved
        return dispatcher
    dispatcher._cache = cache_class(fn)
    return dispatcher


def jit(fn: F) -> F:
    """`numba.njit(cache=True, nogil=True)(fn)` when numba is installed and wanted, else `fn` itself; the cache
    is stamped with every kernel module's source (`kernel_sources_stamp`)."""
    njit = _njit()
    if not njit:
        return fn
    return cast(F, _cached(njit(cache=True, nogil=True)(fn), fn))


def jit_noalloc(fn: F) -> F:
    """`jit` for a helper that allocates no array (no `np.empty`, no array copies): compiled without numba's
    runtime (`_nrt=False`), so calls to it do not update the reference counts of the arrays they pass; `jit`
    where numba does not accept that option. The helper may still read and write the arrays it is given and
    take views of them that do not outlive the call."""
    if not noalloc_without_nrt():
        return jit(fn)
    without_nrt: dict[str, Any] = {"_nrt": False}  # not in numba's typed signature
    return cast(F, _cached(_njit()(cache=True, nogil=True, **without_nrt)(fn), fn))
