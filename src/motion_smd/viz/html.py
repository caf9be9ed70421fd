"""Self-contained interactive HTML skeleton player (no CDN, no dependency: a small inline canvas script).

The page embeds the joints (rounded to millimetres), the SMPL-22 bones and the camera; it draws an
orthographic view with a floor grid and the pelvis path, and offers play/pause, a frame slider and
drag-to-orbit. It opens offline in any browser.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from motion_smd.motion import Motion
from motion_smd.skeleton import SMPL22_BONES
from motion_smd.viz.scene import (
    DEFAULT_FPS,
    DEFAULT_SIZE,
    SIDE_COLOURS,
    Camera,
    RenderResult,
    bone_sides,
    choose_camera,
    ensure_output_folder,
    floor_grid,
    frames_at,
)

_PLAYER_JS = r"""
(function (ID) {
  const D = JSON.parse(document.getElementById(ID + "-data").textContent);
  const canvas = document.getElementById(ID + "-canvas");
  const ctx = canvas.getContext("2d");
  const slider = document.getElementById(ID + "-slider");
  const button = document.getElementById(ID + "-play");
  const label = document.getElementById(ID + "-label");
  const T = D.frames.length;
  let az = D.camera.azimuth_deg, el = D.camera.elevation_deg, frame = 0, playing = true, last = null;
  slider.max = String(T - 1);
  function basis() {
    const a = az * Math.PI / 180, e = el * Math.PI / 180;
    const tw = [Math.cos(e) * Math.sin(a), Math.sin(e), Math.cos(e) * Math.cos(a)];
    const f = [-tw[0], -tw[1], -tw[2]];
    let r = [-f[2], 0, f[0]];  // f x (0,1,0)
    const n = Math.hypot(r[0], r[2]) || 1; r = [r[0] / n, 0, r[2] / n];
    const u = [r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]];
    return [r, u];
  }
  function scale() {
    const [r, u] = basis();
    let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    for (const fr of D.frames) for (const p of fr) {
      const x = p[0] * r[0] + p[1] * r[1] + p[2] * r[2], y = p[0] * u[0] + p[1] * u[1] + p[2] * u[2];
      lo = [Math.min(lo[0], x), Math.min(lo[1], y)]; hi = [Math.max(hi[0], x), Math.max(hi[1], y)];
    }
    const cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
    const s = Math.min(canvas.width / (hi[0] - lo[0] + 0.5), canvas.height / (hi[1] - lo[1] + 0.5));
    return [r, u, cx, cy, s];
  }
  let view = scale();
  function proj(p) {
    const [r, u, cx, cy, s] = view;
    const x = p[0] * r[0] + p[1] * r[1] + p[2] * r[2], y = p[0] * u[0] + p[1] * u[1] + p[2] * u[2];
    return [canvas.width / 2 + (x - cx) * s, canvas.height / 2 - (y - cy) * s];
  }
  function line(a, b, colour, width) {
    const p = proj(a), q = proj(b);
    ctx.strokeStyle = colour; ctx.lineWidth = width;
    ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
  }
  function draw() {
    ctx.fillStyle = "#fafafa"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const g of D.floor) line(g[0], g[1], "#dddddd", 1);
    for (let t = 1; t < T; t++) line(D.path[t - 1], D.path[t], t <= frame ? "#2e8b57" : "#bbbbbb", 2);
    const fr = D.frames[frame];
    D.bones.forEach(function (b, i) { line(fr[b[0]], fr[b[1]], D.colours[i], 4); });
    ctx.fillStyle = "#222222";
    for (const p of fr) { const q = proj(p); ctx.beginPath(); ctx.arc(q[0], q[1], 2.5, 0, 2 * Math.PI); ctx.fill(); }
    slider.value = String(frame);
    label.textContent = "t = " + (frame / D.fps).toFixed(2) + " s   frame " + (frame + 1) + "/" + T;
  }
  function tick(now) {
    if (playing) {
      if (last === null) last = now;
      const step = Math.floor((now - last) * D.fps / 1000);
      if (step > 0) { frame = (frame + step) % T; last += step * 1000 / D.fps; draw(); }
    } else { last = null; }
    window.requestAnimationFrame(tick);
  }
  button.addEventListener("click", function () {
    playing = !playing; button.textContent = playing ? "pause" : "play";
  });
  slider.addEventListener("input", function () {
    playing = false; button.textContent = "play"; frame = Number(slider.value); draw();
  });
  let drag = null;
  canvas.addEventListener("mousedown", function (e) { drag = [e.clientX, e.clientY, az, el]; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    az = drag[2] - (e.clientX - drag[0]) * 0.5;
    el = Math.max(-10, Math.min(89, drag[3] + (e.clientY - drag[1]) * 0.5));
    view = scale(); draw();
  });
  draw();
  window.requestAnimationFrame(tick);
})(ELEMENT_ID);
"""


def player_fragment(
    motion: Motion,
    element_id: str = "smd-player",
    fps: float | None = DEFAULT_FPS,
    size: tuple[int, int] = DEFAULT_SIZE,
    camera: Camera | None = None,
    title: str | None = None,
) -> tuple[str, Motion, Camera]:
    """HTML (a <div> with canvas, controls, embedded JSON data and the inline player script) to embed in
    a page.

    Args:
        motion: canonical Motion (T, 22, 3) metres, Y up.
        element_id: id prefix, unique within the page.
        fps: playback rate (≤ the motion's; None = native), see `frames_at`.
        size: canvas (width, height) pixels.
        camera: initial camera (the viewer can orbit by dragging); None = `choose_camera`.
        title: caption; None = the motion's source.

    Returns:
        (html fragment, the resampled clip that it plays, the initial camera).
    """
    clip = frames_at(motion, fps)
    cam = camera or choose_camera(clip)
    joints = np.round(clip.joints, 3)
    ground = joints[:, 0].copy()
    ground[:, 1] = 0.0
    data = {
        "fps": clip.fps,
        "frames": joints.tolist(),
        "path": np.round(ground, 3).tolist(),
        "floor": np.round(floor_grid(clip.joints), 3).tolist(),
        "bones": [list(b) for b in SMPL22_BONES],
        "colours": [SIDE_COLOURS[s] for s in bone_sides()],
        "camera": {"azimuth_deg": cam.azimuth_deg, "elevation_deg": cam.elevation_deg},
    }
    caption = html.escape(title if title is not None else Path(motion.source or "motion").name)
    w, h = size
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    script = _PLAYER_JS.replace("ELEMENT_ID", json.dumps(element_id))
    fragment = f"""<div class="smd-player" id="{element_id}">
<div class="smd-caption">{caption}</div>
<canvas id="{element_id}-canvas" width="{w}" height="{h}" style="border:1px solid #ccc"></canvas>
<div><button id="{element_id}-play" type="button">pause</button>
<input id="{element_id}-slider" type="range" min="0" max="0" value="0" style="width:{max(w - 260, 100)}px">
<span id="{element_id}-label"></span></div>
<div class="smd-hint">drag the view to orbit; left = blue, right = red, green = pelvis path so far</div>
<script type="application/json" id="{element_id}-data">{payload}</script>
<script>{script}</script>
</div>"""
    return fragment, clip, cam


def page(title: str, body: str, style: str = "") -> str:
    """A complete, self-contained HTML5 page."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:16px;color:#222}} .smd-hint{{color:#666;font-size:12px}}
{style}</style></head>
<body>
{body}
</body></html>
"""


def write_player_html(
    motion: Motion,
    path: str | Path,
    fps: float | None = DEFAULT_FPS,
    size: tuple[int, int] = DEFAULT_SIZE,
    camera: Camera | None = None,
    title: str | None = None,
) -> RenderResult:
    """Write a self-contained interactive HTML skeleton player (see module docstring).

    Returns:
        `RenderResult` (format "html", the embedded frame count and rate, canvas size, initial camera).
    """
    out = Path(path)
    ensure_output_folder(out)
    fragment, clip, cam = player_fragment(motion, "smd-player", fps, size, camera, title)
    out.write_text(page(f"motion-smd: {Path(motion.source or 'motion').name}", fragment), encoding="utf-8")
    return RenderResult(out, "html", clip.n_frames, clip.fps, size, cam)
