"""Conversation state of the motion assistant: the motions loaded so far (by name), their descriptions (cached),
the artefacts made, and the chat messages.

Motions are referred to by a short name (the file's stem, made unique: "walk", "walk-2"), by "it"/"last" (the
motion named or loaded last), or by a path (loaded on first use).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motion_smd.description import Description
from motion_smd.errors import ConfigError
from motion_smd.motion import Motion

LAST_WORDS = frozenset({"", "it", "last", "this", "that", "the motion", "current"})


@dataclass
class Session:
    """One conversation.

    Attributes:
        motions: name → file path of every motion loaded, in load order.
        current: the name of the motion referred to last ("" before any).
        artefacts: files the tools made (plots, animations, composed motions), in order.
        messages: the chat so far, OpenAI message dicts (system, user, assistant, tool).
        workdir: where artefacts are written (a temporary folder unless given).
        library: a motion library folder for search and compose (None: those tools say how to build one).
        qa_backend: the LLM backend of the `ask` tool (`motion_smd.llm.backends`), None when none is configured.
    """

    motions: dict[str, Path] = field(default_factory=dict)
    current: str = ""
    artefacts: list[Path] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="smd-chat-")))
    library: Path | None = None
    qa_backend: Any = None
    _motion_cache: dict[Path, Motion] = field(default_factory=dict, repr=False)
    _desc_cache: dict[Path, Description] = field(default_factory=dict, repr=False)

    def load(self, path: str | Path) -> str:
        """Load a motion file; returns its session name (and makes it current).

        Raises:
            MotionSMDError: the file cannot be read (the reader's message names the file and the fix).
        """
        from motion_smd.io import load_motion

        p = Path(path).expanduser()
        for name, known in self.motions.items():
            if known == p:
                self.current = name
                return name
        self._motion_cache[p] = load_motion(p)
        base = p.stem.split(".")[0] or "motion"
        name, k = base, 2
        while name in self.motions:
            name, k = f"{base}-{k}", k + 1
        self.motions[name] = p
        self.current = name
        return name

    def resolve(self, ref: str | None) -> str:
        """The session name a reference means: a name, "it"/"last" (the current motion), or a path (loaded).

        Raises:
            ConfigError: no motion loaded yet, or an unknown name that is not a file.
        """
        key = (ref or "").strip()
        if key.lower() in LAST_WORDS:
            if not self.current:
                raise ConfigError("no motion loaded yet; load one first (e.g. 'load walk.bvh' or drop a file).")
            return self.current
        if key in self.motions:
            self.current = key
            return key
        if Path(key).expanduser().is_file():
            return self.load(key)
        known = ", ".join(self.motions) or "none"
        raise ConfigError(f"no motion called {key!r}; loaded: {known}. Give a file path to load another.")

    def path(self, ref: str | None) -> Path:
        """The file of the referred motion."""
        return self.motions[self.resolve(ref)]

    def motion(self, ref: str | None) -> Motion:
        """The referred motion (read once)."""
        p = self.path(ref)
        if p not in self._motion_cache:
            from motion_smd.io import load_motion

            self._motion_cache[p] = load_motion(p)
        return self._motion_cache[p]

    def description(self, ref: str | None) -> Description:
        """The referred motion's description with default options (computed once)."""
        from motion_smd.describer import describe

        p = self.path(ref)
        if p not in self._desc_cache:
            self._desc_cache[p] = describe(self.motion(ref))
        return self._desc_cache[p]

    def artefact(self, name: str) -> Path:
        """A fresh path in the work folder for an artefact called `name` (made unique)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        stem, suffix = Path(name).stem, Path(name).suffix
        out, k = self.workdir / name, 2
        while out.exists() or out in self.artefacts:
            out, k = self.workdir / f"{stem}-{k}{suffix}", k + 1
        self.artefacts.append(out)
        return out
