"""GIF colours: the shared palette keeps the travelled path green and the limbs blue/red in every frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from motion_smd.viz.animation import PATH_COLOUR, SIDE_COLOURS, write_gif
from test_viz_synthetic import walking_motion


def _count(rgb: np.ndarray, hex_colour: str, tol: int = 40) -> int:
    ref = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb.astype(np.int16) - ref).sum(axis=-1) < tol).sum())


def test_gif_keeps_path_and_limb_colours(tmp_path: Path) -> None:
    res = write_gif(walking_motion(seconds=3.0), tmp_path / "w.gif", fps=10, size=(320, 240))
    im = Image.open(res.path)
    assert im.n_frames == res.n_frames == 30
    im.seek(im.n_frames - 1)  # the whole travelled path is drawn solid in the last frame
    last = np.asarray(im.convert("RGB"))
    assert _count(last, PATH_COLOUR) > 100  # a first-frame-only palette drew it grey (0 pixels)
    assert _count(last, SIDE_COLOURS["left"]) > 30 and _count(last, SIDE_COLOURS["right"]) > 30
