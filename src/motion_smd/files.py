"""The one atomic writer and the one JSONL reader/writer of the package.

Atomic: text goes to a temporary file beside the target, which then replaces it with `os.replace`, so a
reader never sees a half-written file and an interrupted write leaves the old file (or none) in place.
JSONL: one JSON object per line, UTF-8, blank lines skipped on reading.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from motion_smd.errors import ConfigError, MotionSMDError


def _temp_beside(target: Path) -> tuple[int, str]:
    """A new temporary file in `target`'s folder (created): (descriptor, path).

    Raises:
        ConfigError: the folder cannot be created or written.
    """
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write here ({exc}); choose a writable output path.") from None


@contextmanager
def _replacing(target: Path, tmp: str) -> Iterator[None]:
    """Replace `target` by `tmp` when the block ends without an exception, else remove `tmp`."""
    try:
        yield
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextmanager
def atomic_open(path: Path | str) -> Iterator[IO[str]]:
    """Open a UTF-8 text stream whose content replaces `path` when the block ends without an exception.

    The parent folder is created. On an exception the temporary file is removed and `path` is untouched.

    Raises:
        ConfigError: the folder cannot be created or written.
    """
    target = Path(path)
    fd, tmp = _temp_beside(target)
    with _replacing(target, tmp), os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        yield fh


@contextmanager
def atomic_open_binary(path: Path | str) -> Iterator[IO[bytes]]:
    """Like `atomic_open`, for bytes (e.g. `np.savez_compressed` into it).

    Raises:
        ConfigError: the folder cannot be created or written.
    """
    target = Path(path)
    fd, tmp = _temp_beside(target)
    with _replacing(target, tmp), os.fdopen(fd, "wb") as fh:
        yield fh


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write UTF-8 text to `path` atomically (see `atomic_open`).

    Raises:
        ConfigError: the folder does not exist or is not writable.
    """
    with atomic_open(path) as fh:
        fh.write(text)


def jsonl_line(row: Any) -> str:
    """One JSONL line (no newline): keys sorted, non-ASCII characters kept."""
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def write_jsonl(path: Path | str, rows: Iterable[Any]) -> int:
    """Write rows as JSONL (`jsonl_line` each) atomically; returns the number of rows.

    Raises:
        ConfigError: the folder cannot be written.
    """
    n = 0
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(jsonl_line(row) + "\n")
            n += 1
    return n


def iter_jsonl(path: Path | str, error: type[MotionSMDError] = ConfigError) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) of each non-blank line of a JSONL file, in file order.

    Args:
        path: the file.
        error: the exception class raised (so each layer keeps its own error family).

    Raises:
        error: the file is missing, or a line is not valid JSON or not an object (the message names the line).
    """
    p = Path(path)
    if not p.is_file():
        raise error(f"{p}: no such file.")
    with p.open("r", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                raise error(f"{p}:{n}: not valid JSON ({exc}); each line must be one JSON object.") from None
            if not isinstance(d, dict):
                raise error(f"{p}:{n}: expected one JSON object per line, got {type(d).__name__}.")
            yield n, d


def read_jsonl(path: Path | str, error: type[MotionSMDError] = ConfigError) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file (see `iter_jsonl`)."""
    return [d for _, d in iter_jsonl(path, error)]


def file_sha256(path: Path | str) -> str:
    """SHA-256 of a file's bytes, hex (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
