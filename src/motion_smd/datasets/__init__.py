"""Datasets of the LLM layer: motion QA (BABEL-QA, HuMMan-QA, bandai-qa), HumanML3D captions,
n-option standardisation and JSONL training/evaluation records (docs/datasets.md).

Nothing here imports torch; the describer is imported only when SMD texts are built.
"""

from __future__ import annotations

from motion_smd.datasets.babel_qa import load_babel_qa
from motion_smd.datasets.humanml3d import CaptionItem, CaptionSet, caption_records, load_humanml3d_captions
from motion_smd.datasets.humman_qa import load_humman_qa
from motion_smd.datasets.options import (
    MCQuestion,
    read_mc_json,
    standardise,
    standardise_question,
    write_mc_json,
)
from motion_smd.datasets.qa_common import (
    QUERY_TYPES,
    RELATION_TYPES,
    MissingMotionReport,
    QADataset,
    QAQuestion,
    default_data_dir,
    npy_smd_reader,
)
from motion_smd.datasets.records import (
    Record,
    caption_record,
    qa_record,
    qa_records,
    read_records,
    write_records,
)

__all__ = [
    "QUERY_TYPES",
    "RELATION_TYPES",
    "CaptionItem",
    "CaptionSet",
    "MCQuestion",
    "MissingMotionReport",
    "QADataset",
    "QAQuestion",
    "Record",
    "caption_record",
    "caption_records",
    "default_data_dir",
    "load_babel_qa",
    "load_humanml3d_captions",
    "load_humman_qa",
    "npy_smd_reader",
    "qa_record",
    "qa_records",
    "read_mc_json",
    "read_records",
    "standardise",
    "standardise_question",
    "write_mc_json",
    "write_records",
]
