"""The numba-compiled kernels (angles, segmentation) against the same code run by the interpreter.

`NUMBA_DISABLE_JIT=1` makes numba leave the kernels as Python functions: that is also the code path where
numba is not installed (`motion_smd.compiled`). Both must give the same angles (bit for bit) and SMD text.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from motion_smd import SMDOptions, smd_text
from motion_smd.angles import compute_angles
from motion_smd.io import load_motion

_SCRIPT = """
import hashlib, sys
import numpy as np
from motion_smd import smd_text, SMDOptions
from motion_smd.angles import compute_angles
from motion_smd.io import load_motion
from motion_smd.angle_kernel import angles_into
from motion_smd.segment_kernel import segment_rows
assert not hasattr(angles_into, "py_func") and not hasattr(segment_rows, "py_func"), "numba still compiles"
for path in sys.argv[1:]:
    m = load_motion(path)
    print(hashlib.sha256(compute_angles(m.joints).tobytes()).hexdigest())
    for o in (SMDOptions(), SMDOptions(cycles=False)):
        print(hashlib.sha256(smd_text(m, o).encode()).hexdigest())
"""


def _digests(paths: list[Path]) -> list[str]:
    out = []
    for p in paths:
        m = load_motion(p)
        out.append(hashlib.sha256(compute_angles(m.joints).tobytes()).hexdigest())
        for o in (SMDOptions(), SMDOptions(cycles=False)):
            out.append(hashlib.sha256(smd_text(m, o).encode()).hexdigest())
    return out


def test_compiled_kernels_match_the_interpreter_on_real_clips(smd_data_dir: Path) -> None:
    paths = (
        sorted((smd_data_dir / "bandai_namco").rglob("*walk*.bvh"))[:2]
        + sorted((smd_data_dir / "cmu").rglob("*.bvh"))[:1]
    )
    if len(paths) < 3:
        pytest.skip(f"real BVH clips (bandai_namco walks, cmu) not found under {smd_data_dir}")
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    run = subprocess.run([sys.executable, "-c", _SCRIPT, *map(str, paths)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == _digests(paths)


def test_kernel_is_compiled_when_numba_is_installed() -> None:
    pytest.importorskip("numba")
    from motion_smd.angle_kernel import angles_into
    from motion_smd.segment_kernel import segment_rows

    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("NUMBA_DISABLE_JIT=1 in this environment")
    assert hasattr(angles_into, "py_func") and hasattr(segment_rows, "py_func")


def test_angles_do_not_depend_on_the_input_memory_layout() -> None:
    from motion_smd import synthetic

    j = synthetic.walk_forward(n_steps=4).joints
    ref = compute_angles(j)
    np.testing.assert_array_equal(compute_angles(np.asfortranarray(j)), ref)
    np.testing.assert_array_equal(compute_angles(np.concatenate([j, j], axis=2)[:, :, :3]), ref)


def test_a_helper_module_change_invalidates_every_cached_kernel(tmp_path: Path) -> None:
    """numba stamps a cached function with its own file's hash only; `segment_rows` also holds the cycle
    collapse of `cycle_kernel`, so every kernel is stamped with all kernel sources (`kernel_sources_stamp`)."""
    from motion_smd import compiled

    files = [tmp_path / "a.py", tmp_path / "b.py"]
    for f in files:
        f.write_text("x = 1\n")
    before = compiled.kernel_sources_stamp(files)
    files[1].write_text("x = 2\n")
    changed = compiled.kernel_sources_stamp(files)
    assert changed != before
    # the same text split differently between the files is another source
    files[0].write_text("x = 1\nx")
    files[1].write_text(" = 2\n")
    assert compiled.kernel_sources_stamp(files) != changed

    pytest.importorskip("numba")
    if not compiled.compiling():
        pytest.skip("the kernels run in the interpreter in this process (no numba cache)")
    from motion_smd import cycle_kernel, segment_kernel

    names = {p.name for p in compiled._kernel_files()}
    assert {"segment_kernel.py", "cycle_kernel.py", "angle_kernel.py", "signal_kernel.py", "compiled.py"} <= names
    stamp = compiled.kernel_sources_stamp(compiled._kernel_files())
    for kernel in (segment_kernel.segment_rows, cycle_kernel._collapse_cycles, segment_kernel.local_extrema_into):
        assert kernel._cache._impl.locator.get_source_stamp() == stamp


def test_the_kernels_medians_and_sorts_equal_numpys() -> None:
    """`cycle_kernel` sorts (heapsort) and takes medians (quickselect) without allocating; each must give
    exactly NumPy's sorted values and median, ties and both parities included."""
    from motion_smd.cycle_kernel import _median_of, _sorted_into

    rng = np.random.default_rng(7)
    for n in [*range(1, 80), 101, 256, 257, 1000]:
        for values in (rng.normal(0, 10, n), rng.integers(0, 5, n).astype(np.float64), np.sort(rng.normal(0, 1, n))):
            padded = np.concatenate([values, [99.0]])  # entries past n are never read
            work = np.full(n + 1, np.nan)
            _sorted_into(padded, n, work)
            assert np.array_equal(work[:n], np.sort(values))
            assert _median_of(padded, n, np.full(n + 1, np.nan)) == np.median(values)
