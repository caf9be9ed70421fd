"""Issue #17's acceptance numbers on the shared data: retrieval recall, composition checks, seam quality,
the BVH round trip through bvhio, and the edit checks.

    python benchmarks/library_eval.py [DATA_DIR] [--lib /tmp/smd_lib] [--out results.json] [--figures docs/images]

Retrieval: QUERIES holds paraphrased text queries, three per Bandai-Namco content label (none equal to a file
name; written before any result was seen and not tuned to them). A hit is right when its content label is
the query's. recall@k = share of queries with a right clip among the first k, for each search mode (labels
only, the SMD only, combined), on a library of Bandai-Namco and CMU (whose clips carry CMU descriptions, no
content label: a CMU "run/jog" first for "a person jogs forward" counts as a miss) and on Bandai-Namco alone.
Composition: REQUESTS holds multi-action requests; each is composed, written as BVH (or .npy for mixed rigs),
described again and checked (`motion_smd.library.check`). Seams: root jump (< 1 cm), peak joint acceleration
within ±0.25 s over the source clips' peak (≤ 1.5×), foot sliding at seams vs inside the sources.
Edit: every edit on a set of real clips, each step checked by describing its input and output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

QUERIES: dict[str, list[str]] = {
    "walk": [
        "a person strolls ahead at an easy pace",
        "someone walking normally in a straight line",
        "an ordinary walk forward",
    ],
    "run": ["a person jogs forward", "someone running at a steady pace", "the person runs ahead"],
    "bow": ["a person bows politely", "someone bends forward at the waist to greet", "a respectful bow"],
    "bye": ["a person says goodbye with one wave of the hand", "someone bids farewell", "a quick goodbye gesture"],
    "byebye": ["waving bye-bye repeatedly", "someone keeps waving farewell with a raised hand", "a long bye bye wave"],
    "dash": ["a person sprints a short burst", "someone dashes quickly forward", "a fast short sprint"],
    "guide": [
        "a person gestures to show the way",
        "someone guides others by pointing the direction",
        "showing someone where to go",
    ],
    "walk-back": ["a person walks backwards", "someone steps back while facing forward", "walking in reverse"],
    "walk-left": ["a person walks toward their left", "someone moves to the left on foot", "walking leftwards"],
    "walk-right": ["a person walks toward their right", "someone moves to the right on foot", "walking rightwards"],
    "raise-up-both-hands": [
        "a person lifts both arms up",
        "someone raises two hands above the head",
        "both hands go up",
    ],
    "raise-up-left-hand": [
        "a person lifts the left arm",
        "someone puts up their left hand",
        "raising the left hand as if to answer",
    ],
    "raise-up-right-hand": [
        "a person lifts the right arm",
        "someone puts up their right hand",
        "raising the right hand to ask a question",
    ],
    "walk-turn-left": [
        "a person walks and turns to the left",
        "someone walking makes a left turn",
        "walking then turning left",
    ],
    "walk-turn-right": [
        "a person walks and turns to the right",
        "someone walking makes a right turn",
        "walking then turning right",
    ],
    "wave-both-hands": [
        "a person waves with both hands",
        "someone waves two arms in the air",
        "waving both hands to get attention",
    ],
    "wave-left-hand": ["a person waves with the left hand", "someone waves their left arm", "left-handed waving hello"],
    "wave-right-hand": [
        "a person waves with the right hand",
        "someone waves their right arm",
        "right-handed waving hello",
    ],
    "call": ["a person calls someone over", "someone beckons another person to come", "a gesture calling somebody"],
    "punch": ["a person throws a punch", "someone hits forward with a fist", "a boxing strike"],
    "slash": ["a person slashes with a sword", "someone makes a cutting stroke with a blade", "a sword swing"],
    "dance-short": ["a person dances briefly", "someone does a short dance", "a few dance moves"],
    "kick": ["a person kicks with the leg", "someone kicks forward", "a kicking motion"],
    "respond": [
        "a person responds with a gesture",
        "someone answers with a nod and a hand gesture",
        "reacting to someone with a reply gesture",
    ],
}

REQUESTS: list[str] = [
    "walk forward 3 m, turn left, then wave with the right hand",
    "walk forward 2 m, then turn right",
    "bow, then wave with the left hand",
    "raise the right hand, then raise the left hand",
    "walk backward 1 m, then bow",
    "wave with both hands 3 times, then walk forward 2 m",
    "run forward 4 m, then turn left",
    "turn right, then walk forward 2 m",
    "walk forward 1.5 m, turn left, walk forward 1.5 m",
    "wave with the right hand twice, then raise both hands",
    "raise both hands, then bow",
    "walk forward 2 m, then kick",
    "punch, then walk backward 1 m",
    "walk forward 3 m, turn right, then raise the left hand",
    "bow, walk forward 2 m, then wave with the left hand",
    "turn left, then turn left again",
    "wave with the left hand, then wave with the right hand",
    "walk forward 4 m, then bow",
    "dash forward, then turn right",
    "walk slowly forward 2 m, then wave with both hands",
    "raise the left hand, turn right, then walk forward 2 m",
    "walk backward 1 m, then walk forward 2 m",
    "run forward 3 m, then walk forward 2 m",
    "wave with the right hand 3 times, then bow",
    "turn left, then raise the right hand",
    "walk forward 2 m, turn left, walk forward 2 m, turn left",
    "bow, then raise both hands",
    "kick, then punch",
    "walk forward 2.5 m, then wave with the left hand twice",
    "raise the right hand, then walk backward 1 m",
    "turn right 90 degrees, then wave with both hands",
    "walk forward 3 m, then turn around",
    "walk to the left 2 m, then bow",
]
"""Composition requests, written before any was run (the last two ask for what the library lacks: a 180°
turn, a sideways walk)."""

EDIT_CLIPS = (
    "bandai_namco/dataset-1/data/dataset-1_walk_normal_001.bvh",
    "bandai_namco/dataset-2/data/dataset-2_wave-right-hand_normal_001.bvh",
    "bandai_namco/dataset-2/data/dataset-2_walk-turn-left_normal_001.bvh",
    "bandai_namco/dataset-1/data/dataset-1_bow_normal_001.bvh",
    "bandai_namco/dataset-2/data/dataset-2_raise-up-left-hand_normal_001.bvh",
    "cmu/bvh/002_01.bvh",
    "cmu/bvh/006_10.bvh",
    "cmu/bvh/007_12.bvh",
)
EDITS: list[dict[str, Any]] = [
    {"speed": 0.5}, {"speed": 1.5}, {"mirror": True}, {"repeat": 3}, {"trim": "0.5:2.0"}, {"reverse": True},
    {"scale_joint": ["right_knee_flexion=1.3"]}, {"scale_joint": ["left_elbow_flexion=0.7"]},
]  # fmt: skip


def retrieval(lib: Any) -> dict[str, Any]:
    from motion_smd.library.search import MODES, search_text

    out: dict[str, Any] = {"n_queries": sum(len(v) for v in QUERIES.values()), "n_labels": len(QUERIES)}
    misses: list[dict[str, Any]] = []
    for mode in MODES:
        at1 = at5 = 0
        for label, queries in QUERIES.items():
            for q in queries:
                hits = search_text(lib, q, 5, mode)
                labels = [h.row["content"] for h in hits]
                at1 += labels[0] == label
                at5 += label in labels
                if mode == "combined" and labels[0] != label:
                    misses.append({"query": q, "label": label, "top1": labels[0] or hits[0].row["caption"]})
        out[mode] = {"recall@1": at1 / out["n_queries"], "recall@5": at5 / out["n_queries"]}
    out["combined_misses"] = misses
    return out


def like_precision(lib: Any) -> dict[str, Any]:
    """--like: for every labelled clip, the share of its 3 nearest other clips (SMD features) with its label."""
    from motion_smd.describer import describe
    from motion_smd.library.features import feature_vector
    from motion_smd.library.search import search_like

    same = total = 0
    for row in (r for r in lib.rows if r["content"]):
        hits = [
            h
            for h in search_like(lib, feature_vector(describe(lib.motion(row))), 4)
            if h.row["clip_id"] != row["clip_id"]
        ]
        same += sum(h.row["content"] == row["content"] for h in hits[:3])
        total += 3
    counts: dict[str, int] = {}
    for r in lib.rows:
        if r["content"]:
            counts[r["content"]] = counts.get(r["content"], 0) + 1
    n = sum(counts.values())
    prior = sum((c / n) * ((c - 1) / (n - 1)) for c in counts.values())
    return {"precision@3": same / total, "clips": total // 3, "chance": prior}


def composition(lib: Any, work: Path) -> dict[str, Any]:
    import bvhio

    from motion_smd.io.bvh import forward_kinematics, parse_bvh
    from motion_smd.library.check import check_actions
    from motion_smd.library.compose import compose

    rows = []
    seams: list[dict[str, Any]] = []
    roundtrip_err = 0.0
    for n, request in enumerate(REQUESTS):
        t0 = time.perf_counter()
        c = compose(lib, request)
        seconds = time.perf_counter() - t0
        parts = list(c.parts)
        checks = check_actions(
            c.motion, [p.action for p in parts], [(p.out_start, p.out_stop) for p in parts], [p.row for p in parts], lib
        )
        suffix = ".bvh" if c.bvh is not None else ".npy"
        path = c.write(work / f"compose_{n:02d}{suffix}")
        if suffix == ".bvh":  # round trip: bvhio's world positions against this project's forward kinematics
            ours = forward_kinematics(parse_bvh(path))
            root = bvhio.readAsHierarchy(str(path))
            frames = [0, len(ours) // 2, len(ours) - 1]
            for f in frames:
                root.loadPose(f)
                theirs = np.array([list(j.PositionWorld) for j, _, _ in root.layout()])
                roundtrip_err = max(roundtrip_err, float(np.abs(theirs - ours[f]).max()))
        rows.append(
            {
                "request": request,
                "passed": all(ch.passed for ch in checks),
                "format": suffix,
                "seconds": round(seconds, 2),
                "duration_s": round(c.motion.duration_s, 2),
                "parts": [p.to_dict(c.motion.fps) for p in parts],
                "check": [ch.line() for ch in checks],
            }
        )
        seams += [s.to_dict() | {"request": n} for s in c.seams]
    jumps = np.array([s["root_jump_cm"] for s in seams])
    ratios = np.array([s["acceleration_ratio"] for s in seams])
    slide = np.array([s["foot_slide_m_s"] for s in seams])
    ref = np.array([s["reference_foot_slide_m_s"] for s in seams])
    return {
        "n_requests": len(rows),
        "passed": sum(r["passed"] for r in rows),
        "bvh_outputs": sum(r["format"] == ".bvh" for r in rows),
        "seconds_median": float(np.median([r["seconds"] for r in rows])),
        "n_seams": len(seams),
        "root_jump_cm": {"max": float(jumps.max()), "median": float(np.median(jumps)),
                         "share_below_1cm": float((jumps < 1).mean())},
        "acceleration_ratio": {"max": float(ratios.max()), "median": float(np.median(ratios)),
                               "share_within_1.5": float((ratios <= 1.5).mean())},
        "foot_slide_m_s": {"seam_median": float(np.median(slide)), "source_median": float(np.median(ref)),
                           "seam_mean": float(slide.mean()), "source_mean": float(ref.mean())},
        "bvhio_roundtrip_max_abs_cm": roundtrip_err,
        "requests": rows,
        "seams": seams,
    }  # fmt: skip


def edits(data: Path) -> dict[str, Any]:
    from motion_smd.library.edit import edit, parse_steps
    from motion_smd.library.source import open_clip

    results = []
    for rel in EDIT_CLIPS:
        clip = open_clip(data / rel)
        for kw in EDITS:
            base: dict[str, Any] = {
                "trim": None,
                "reverse": False,
                "mirror": False,
                "scale_joint": [],
                "speed": None,
                "repeat": None,
            }
            base.update(kw)
            _, checks = edit(clip, parse_steps(**base))
            results += [{"clip": rel, "check": c.line(), "passed": c.passed} for c in checks]
    return {
        "n_checks": len(results),
        "passed": sum(r["passed"] for r in results),
        "failures": [r for r in results if not r["passed"]],
    }


def figures(lib: Any, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from motion_smd.library.compose import compose
    from motion_smd.library.seams import joint_acceleration
    from motion_smd.skeleton import PELVIS

    c = compose(lib, REQUESTS[0])
    j = c.motion.joints
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2))
    for p in c.parts:
        seg = j[p.out_start : p.out_stop, PELVIS]
        ax0.plot(seg[:, 0], seg[:, 2], lw=2, label=f"{p.action.text} ← {p.row['content']}")
    for s in c.seams:
        ax0.plot(j[s.frame, PELVIS, 0], j[s.frame, PELVIS, 2], "ko", ms=5)
    ax0.set_aspect("equal")
    ax0.invert_xaxis()  # seen from above, walking up the page: the subject's left (+x) on the left
    ax0.set_xlabel("x (m, + = the initial left)")
    ax0.set_ylabel("z (m, initial facing)")
    ax0.set_title("pelvis path, top view (dots: seams)")
    ax0.legend(fontsize=7, loc="best")
    t = np.arange(len(j)) / c.motion.fps
    ax1.plot(t, joint_acceleration(c.world_joints, c.motion.fps), lw=0.8, color="0.3")
    for s in c.seams:
        ax1.axvline(s.time_s, color="r", ls="--", lw=1)
    ax1.set_xlabel("time (s)")
    ax1.set_ylabel("peak joint acceleration (m/s²)")
    ax1.set_title("acceleration; red: seams")
    fig.suptitle(f"smd compose: '{REQUESTS[0]}'", fontsize=10)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "compose_example.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [str(path)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", default=os.environ.get("SMD_DATA_DIR", "../shared/data"))
    parser.add_argument("--lib", default=None, help="Library folder (built if missing; default: a temporary folder).")
    parser.add_argument("--out", default=None, help="Write the results as JSON here.")
    parser.add_argument("--figures", default=None, help="Write the example figure into this folder.")
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "bandai_namco").is_dir():
        sys.exit(f"{data}: no bandai_namco folder; pass the shared data folder.")
    from motion_smd.library.index import build_library
    from motion_smd.library.search import Library

    with tempfile.TemporaryDirectory() as tmp:
        lib_dir = Path(args.lib or Path(tmp) / "lib")
        t0 = time.perf_counter()
        report = build_library([data / "bandai_namco", data / "cmu"], lib_dir)
        build_s = time.perf_counter() - t0
        lib = Library(lib_dir)
        result: dict[str, Any] = {
            "library": {"clips": len(lib.rows), "build": report.line(), "build_seconds": round(build_s, 1)}
        }
        result["retrieval"] = retrieval(lib)
        only = Path(tmp) / "lib_bandai"  # the same queries with the CMU clips (right content, no label) left out
        build_library([data / "bandai_namco"], only)
        result["retrieval_bandai_only"] = retrieval(Library(only))
        result["like_bandai_only"] = like_precision(Library(only))
        result["composition"] = composition(lib, Path(tmp))
        result["edit"] = edits(data)
        if args.figures:
            result["figures"] = figures(lib, Path(args.figures))
    summary = {
        "retrieval": {m: result["retrieval"][m] for m in ("labels", "smd", "combined")},
        "retrieval_bandai_only": {m: result["retrieval_bandai_only"][m] for m in ("labels", "smd", "combined")},
        "like_bandai_only": result["like_bandai_only"],
        "composition": {k: v for k, v in result["composition"].items() if k not in ("requests", "seams")},
        "edit": {k: result["edit"][k] for k in ("n_checks", "passed")},
    }
    print(json.dumps(summary, indent=1))
    for r in result["composition"]["requests"]:
        if not r["passed"]:
            print("FAILED:", r["request"], "|", " / ".join(c for c in r["check"] if c.startswith("FAIL")))
    for f in result["edit"]["failures"]:
        print("EDIT FAILED:", f["clip"], f["check"])
    for m in result["retrieval"]["combined_misses"]:
        print("MISS:", m)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
