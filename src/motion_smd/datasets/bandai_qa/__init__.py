"""bandai-qa: a real-motion QA set built deterministically from the Bandai-Namco Research Motion Dataset.

Source data: Kobayashi et al. 2023 (arXiv:2306.08861), CC BY-NC 4.0, in `<data>/bandai_namco/`
(`manifest.json` lists every clip with content, style and take). Nothing of it is copied into the
repository; the set is built into a folder the user chooses.

Construction (docs/datasets.md):
1. **Clip labels** come from the clip's content name only (`CONTENT_LABELS`): an action (walk, run,
   turn, wave, raise hand, bow), a direction (forward, backward, left, right) for locomotion and
   turns, and a body part (left hand, right hand, both hands) for hand actions. Contents whose meaning
   is not clear from the name (bye, byebye, guide, respond, call, punch, kick, slash, dance) are not
   used. Each clip's label is **checked against its motion** (`check_clip`): walking/running direction
   from the pelvis displacement in the clip's initial facing frame, turn direction from the heading
   change, hands from wrist rise. Clips that fail are left out and listed in the summary.
2. **Splits by style** (`SPLIT_STYLES`): each (dataset, style) group goes to exactly one split, so no
   clip (nor performance style) appears in two splits.
3. **Sequences**: 2–3 clips of one (dataset, style) group with distinct actions, drawn with a seeded
   generator, resampled to 20 fps and joined: each next clip is rotated about the vertical and
   translated so its first-frame pelvis position and facing continue from the previous clip's last
   frame, and its first `BLEND_S` seconds are blended toward the previous pose with a linearly
   decaying offset (vectorised). The joined sequence is canonicalised.
4. **Questions** in the BABEL-QA program style: query_action / query_body_part / query_direction with
   relation none ("while"), before, after and in between, using filters on an action, a direction or
   a body part that pick exactly one clip. A question is kept only when its answer is unique: for
   before/after, the clips on that side must carry exactly one value of the queried attribute.
   At most `MAX_QUESTIONS_PER_SEQUENCE` per sequence, balanced over query types.
5. **Options**: n-option standardisation (`motion_smd.datasets.options`) over the label-derived
   vocabularies (all smaller than 10, so every option of the type is shown).

Modules, one job each: `labels` (clip labels and their checks), `splits` (usable clips, splits, sequence
drawing), `joining` (clips joined into one motion), `questions` (question generation and selection),
`build` (the build and its summary). The public names are importable from this package.
"""

from motion_smd.datasets.bandai_qa.build import BuildSummary, build_bandai_qa
from motion_smd.datasets.bandai_qa.joining import BLEND_S, FPS, join_clips
from motion_smd.datasets.bandai_qa.labels import (
    ACTIONS,
    BODY_PARTS,
    CONTENT_LABELS,
    DIRECTIONS,
    MIN_SIDE_M,
    MIN_TRAVEL_M,
    MIN_TURN_DEG,
    MIN_WRIST_RISE_M,
    VOCAB,
    ClipLabel,
    check_clip,
    facing_deg,
)
from motion_smd.datasets.bandai_qa.questions import (
    MAX_QUESTIONS_PER_SEQUENCE,
    QuestionDraft,
    generate_questions,
    select_questions,
)
from motion_smd.datasets.bandai_qa.splits import NAME, SEQUENCES_PER_SPLIT, SPLIT_STYLES, Clip, list_clips, split_of

__all__ = [
    "ACTIONS",
    "BLEND_S",
    "BODY_PARTS",
    "CONTENT_LABELS",
    "DIRECTIONS",
    "FPS",
    "MAX_QUESTIONS_PER_SEQUENCE",
    "MIN_SIDE_M",
    "MIN_TRAVEL_M",
    "MIN_TURN_DEG",
    "MIN_WRIST_RISE_M",
    "NAME",
    "SEQUENCES_PER_SPLIT",
    "SPLIT_STYLES",
    "VOCAB",
    "BuildSummary",
    "Clip",
    "ClipLabel",
    "QuestionDraft",
    "build_bandai_qa",
    "check_clip",
    "facing_deg",
    "generate_questions",
    "join_clips",
    "list_clips",
    "select_questions",
    "split_of",
]
