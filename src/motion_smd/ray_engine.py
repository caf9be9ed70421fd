"""Describing a corpus on a Ray cluster with Ray Data (issue #19): `smd describe SRC --engine ray`.

The same records as the local engine (`motion_smd.batch`), built by the same function (`batch.run_job`), on
any number of machines:

1. the driver lists the motion files (`list_sources`): local folders, files and globs exactly as the local
   command expands them (`batch.expand_paths`, `batch.motion_ids`), or a folder on any filesystem pyarrow
   reads (``s3://``, ``gs://``, ``hdfs://``, ``file://`` URIs), listed recursively and sorted;
2. the table of files (path, id, source; Arrow, cut into blocks) becomes a Ray dataset (`ray.data.from_arrow`),
   so each task gets its files' ids and names in its own rows (nothing per task grows with the corpus);
3. `map_batches(describe_batch)` reads each file's bytes through pyarrow on the worker (so worker nodes need
   no shared disk), writes them to a private temporary file under the file's own name (readers detect the
   format from the suffix) and runs `batch.run_job` on it, with the same `Job` options as the local command
   (variants, windows, description in the record); the temporary path is replaced by the source's name in
   the record and in error messages;
4. a sink writes the rows: JSONL shards whose lines are byte-for-byte the local command's records
   (`JsonlLinesDatasink`), or Parquet (`Dataset.write_parquet`) with one column per record field.

A file that cannot be described becomes an error row (`id`, `source`, `error`: the file, the problem and the
fix, as in the local command), never a failed job. Limits: a file that kills its Ray worker process (a crash
in native code, the machine's out-of-memory killer) is retried by Ray and, after its retries, fails the job,
and there is no per-file time budget; the local engine's supervised workers (`--jobs`) have both.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, cast

import orjson

from motion_smd.batch import Job, expand_paths, motion_ids, motion_suffixes, run_job
from motion_smd.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    import pyarrow.fs

BLOCKS_PER_CPU = 8
"""Blocks per cluster CPU at least (`describe_on_ray`): enough to keep every CPU busy to the end."""

RayFormat = Literal["jsonl", "parquet"]
RAY_FORMATS: tuple[RayFormat, ...] = ("jsonl", "parquet")

PARQUET_COLUMNS = ("id", "source", "variant", "smd", "description", "error")
"""Columns of the Parquet output: the JSONL record's fields (`description` as its JSON text, null unless the
record has one), plus `error` (null on a described file; on an error row, the message and nothing else)."""


@dataclass(frozen=True)
class SourceList:
    """The motion files of a Ray run.

    Attributes:
        filesystem: the pyarrow filesystem that holds them (local or remote).
        paths: each file's path on `filesystem` (absolute for local files), in the local command's order.
        sources: each file's name as the local command writes it in `source` (as given or expanded, e.g.
            relative to the working folder; the full URI for a remote file).
        ids: each file's motion id (`batch.motion_ids` rules).
    """

    filesystem: pyarrow.fs.FileSystem
    paths: tuple[str, ...]
    sources: tuple[str, ...]
    ids: tuple[str, ...]


def _is_uri(item: str) -> bool:
    return "://" in item


def _filesystem(target: str) -> tuple[pyarrow.fs.FileSystem, str]:
    """(filesystem, path on it) of a URI, or of a local path (made absolute)."""
    import pyarrow.fs as pafs

    if _is_uri(target):
        fs, path = pafs.FileSystem.from_uri(target)
        return fs, path
    return pafs.LocalFileSystem(), str(Path(target).resolve())


def _remote_ids(paths: Sequence[str]) -> list[str]:
    """`batch.motion_ids` for paths on a remote filesystem: already absolute, so not resolved."""
    return motion_ids([PurePosixPath(p) for p in paths], locate=lambda p: p)


def list_sources(inputs: Sequence[str]) -> SourceList:
    """The motion files named by `inputs`: all local (files, folders, glob patterns, as `batch.expand_paths`
    expands them) or all URIs of one remote filesystem (each a folder listed recursively, or a file).

    Raises:
        ConfigError: local and remote inputs mixed, URIs of different filesystems, a URI pyarrow cannot open
            (unknown scheme, missing credentials), or no motion file found.
        MotionFormatError: a local input that matches nothing.
    """
    import pyarrow.fs as pafs

    remote = [i for i in inputs if _is_uri(i)]
    if not remote:
        files = expand_paths(inputs)
        if not files:
            raise ConfigError(f"no motion files found in {', '.join(inputs)}.")
        return SourceList(
            pafs.LocalFileSystem(),
            tuple(str(p.resolve()) for p in files),
            tuple(str(p) for p in files),
            tuple(motion_ids(files)),
        )
    if len(remote) != len(inputs):
        raise ConfigError("give either local paths or URIs (s3://…, gs://…), not both, in one --engine ray run.")
    suffixes = motion_suffixes()
    fs: pafs.FileSystem | None = None
    paths: list[str] = []
    sources: list[str] = []
    seen: set[str] = set()
    for uri in inputs:
        try:
            this_fs, root = pafs.FileSystem.from_uri(uri)
            info = this_fs.get_file_info(root)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(f"{uri}: cannot be opened ({exc}); check the URI and the credentials.") from None
        if fs is None:
            fs = this_fs
        elif this_fs.type_name != fs.type_name:
            raise ConfigError(f"{uri}: all URIs of one run must be on one filesystem ({fs.type_name}).")
        if info.type == pafs.FileType.Directory:
            found = sorted(
                f.path
                for f in this_fs.get_file_info(pafs.FileSelector(root, recursive=True))
                if f.type == pafs.FileType.File and f.path.lower().endswith(suffixes)
            )
        elif info.type == pafs.FileType.File:
            found = [root]
        else:
            raise ConfigError(f"{uri}: no such file or folder.")
        prefix = uri[: uri.index("://") + 3]
        for p in found:
            if p not in seen:
                seen.add(p)
                paths.append(p)
                sources.append(prefix + p.lstrip("/") if prefix != "file://" else prefix + p)
    if not paths or fs is None:
        raise ConfigError(f"no motion files found in {', '.join(inputs)}.")
    return SourceList(fs, tuple(paths), tuple(sources), tuple(_remote_ids(paths)))


def _json_str(text: str) -> str:
    """`text` as it appears inside a JSON string (escaped, without the quotes)."""
    return str(orjson.dumps(text), "utf-8")[1:-1]


def _error_row(error: str, motion_id: str, source: str) -> str:
    """The JSONL text of an error row (keys in this order: a summary finds error rows by their first key)."""
    return str(orjson.dumps({"error": error, "id": motion_id, "source": source}), "utf-8")


def describe_batch(
    batch: dict[str, Any], job: Job, filesystem: pyarrow.fs.FileSystem, output_format: RayFormat
) -> dict[str, list[Any]]:
    """Read and describe a batch of files (the `map_batches` function of the Ray engine).

    Args:
        batch: columns "path" (each file's path on `filesystem`), "id" (its motion id) and "source" (its name
            in the records), as `describe_on_ray` builds them.
        job: the options of every file (`Job.path` and `Job.motion_id` are replaced per file).
        filesystem: where the files are (a pyarrow filesystem: local, S3, GCS, HDFS, …).
        output_format: "jsonl" → one column "line" (each record's JSON text, as the local engine writes it,
            or an error row's); "parquet" → the `PARQUET_COLUMNS`.

    Returns:
        The output columns, one row per record (several per file with variants) or per failed file (also a file
        that cannot be read from `filesystem`).
    """
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="smd-ray-") as tmp:
        for path, motion_id, source in zip(batch["path"], batch["id"], batch["source"]):
            path, motion_id, source = str(path), str(motion_id), str(source)
            local = Path(tmp) / PurePosixPath(path).name
            try:
                with filesystem.open_input_stream(path) as fh:
                    local.write_bytes(fh.read())
            except OSError as exc:
                error = f"{source}: cannot be read ({exc}); check that it exists and is readable."
                lines.append(_error_row(error, motion_id, source))
                continue
            res = run_job(replace(job, path=str(local), motion_id=motion_id))
            local.unlink()
            if res.ok and res.line is not None:  # the temporary path (unique) → the source, as JSON strings
                lines.extend(res.line.replace(_json_str(str(local)), _json_str(source)).split("\n"))
            else:
                lines.append(_error_row((res.error or "failed").replace(str(local), source), motion_id, source))
    if output_format == "jsonl":
        return {"line": lines}
    cols: dict[str, list[Any]] = {c: [] for c in PARQUET_COLUMNS}
    for line in lines:
        rec = orjson.loads(line)
        for c in PARQUET_COLUMNS:
            value = rec.get(c)
            cols[c].append(str(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), "utf-8") if c == "description"
                           and value is not None else value)  # fmt: skip
    return cols


def _jsonl_datasink(dest: str, filesystem: pyarrow.fs.FileSystem | None) -> Any:
    """A Ray Data sink that writes the "line" column as text, one line per row, in JSONL shards under `dest`."""
    from ray.data.block import BlockAccessor
    from ray.data.datasource import BlockBasedFileDatasink

    class JsonlLinesDatasink(BlockBasedFileDatasink):
        """Writes each block's "line" column as UTF-8 lines (no re-serialisation: the records stay byte-equal
        to the local engine's)."""

        def write_block_to_file(self, block: BlockAccessor, file: pyarrow.NativeFile) -> None:
            column = block.to_arrow().column("line").to_pylist()
            if column:
                file.write(("\n".join(column) + "\n").encode("utf-8"))

    return JsonlLinesDatasink(dest, file_format="jsonl", filesystem=filesystem)


@dataclass(frozen=True)
class RayRun:
    """What a Ray run wrote: `files` motion files listed, `records` rows written, `failed` error rows (their
    messages in `errors`), under `dest`."""

    dest: str
    files: int
    records: int
    failed: int
    errors: tuple[str, ...]


def describe_on_ray(
    inputs: Sequence[str],
    dest: str,
    job: Job,
    output_format: RayFormat = "jsonl",
    address: str | None = None,
    num_cpus: int | None = None,
    files_per_block: int = 256,
) -> RayRun:
    """Describe every motion file of `inputs` on Ray and write the records under `dest` (a folder, local or a
    URI pyarrow writes to).

    Args:
        inputs: local paths/globs or URIs (`list_sources`).
        dest: output folder: JSONL shards (`*.jsonl`) or Parquet files, one or more per block; an existing
            folder is refused (a rerun would mix two runs' shards).
        job: options of every file, as the local command builds them (`path`/`motion_id` are ignored).
        output_format: "jsonl" or "parquet".
        address: the Ray cluster (`ray.init(address=...)`, e.g. "127.0.0.1:6379" or "ray://head:10001");
            None = a cluster started for this run on this machine (`num_cpus` CPUs, default all).
        files_per_block: at most this many files per block (one Ray task reads and describes a block), and at
            least `BLOCKS_PER_CPU` blocks per CPU of the cluster (measured on the 342 shared clips × 5 variants,
            loopback cluster of 2 CPUs: Ray Data's default of 91 blocks ran 1.1 tasks at a time, 22.7 s; 16
            blocks 1.6 at a time, 16.6 s).

    Raises:
        ConfigError: unknown format, an existing `dest`, a Ray that cannot be imported or reached, inputs
            that list no motion file.
    """
    if output_format not in RAY_FORMATS:
        raise ConfigError(f"--format {output_format!r}: --engine ray writes {' or '.join(RAY_FORMATS)}.")
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--engine ray needs Ray Data: pip install 'motion-smd[ray]' (or pip install 'ray[data]')."
        ) from None
    import pyarrow as pa
    import pyarrow.fs as pafs

    sources = list_sources(inputs)
    out_fs, out_root = _filesystem(dest)
    if out_fs.get_file_info(out_root).type != pafs.FileType.NotFound:
        raise ConfigError(f"-o {dest}: already exists; give a new folder (Ray writes one or more shards into it).")
    try:
        if not ray.is_initialized():
            ray.init(
                address=address,
                num_cpus=None if address else num_cpus,
                log_to_driver=False,
                logging_level=logging.WARNING,
                include_dashboard=False,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"--address {address}: cannot connect to a Ray cluster ({exc}).") from None
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    n = len(sources.paths)
    blocks = min(n, max(BLOCKS_PER_CPU * cpus, -(-n // files_per_block)))
    size = -(-n // blocks)
    table = pa.table({"path": list(sources.paths), "id": list(sources.ids), "source": list(sources.sources)})
    files = ray.data.from_arrow([table.slice(start, size) for start in range(0, n, size)])  # a block per slice
    ds = files.map_batches(  # each task reads and describes one block's files
        cast(Any, describe_batch),
        fn_kwargs={"job": job, "filesystem": sources.filesystem, "output_format": output_format},
        batch_size=None,
        batch_format="numpy",
    )
    if output_format == "jsonl":
        ds.write_datasink(_jsonl_datasink(out_root, out_fs))
    else:
        ds.write_parquet(out_root, filesystem=out_fs)
    return summarise(dest, len(sources.paths))


def read_records(dest: str) -> list[dict[str, Any]]:
    """All rows a Ray run wrote under `dest` (JSONL shards or Parquet files), as dicts in the JSONL record's form
    (Parquet's `description` parsed back), sorted by (id, variant). Holds them all in memory: for checks and
    small corpora."""
    fs, paths = _output_files(dest)
    rows: list[dict[str, Any]] = []
    for path in paths:
        if path.endswith(".jsonl"):
            with fs.open_input_stream(path) as fh:
                rows.extend(orjson.loads(line) for line in fh.read().splitlines() if line)
        elif path.endswith(".parquet"):
            import pyarrow.parquet as pq

            for rec in pq.read_table(path, filesystem=fs).to_pylist():
                if rec.get("error") is None:
                    rec.pop("error", None)
                    if rec.get("description") is not None:
                        rec["description"] = orjson.loads(rec["description"])
                else:
                    rec = {k: rec[k] for k in ("error", "id", "source")}
                rows.append(rec)
    return sorted(rows, key=lambda r: (r["id"], r.get("variant") or ""))


def _output_files(dest: str) -> tuple[pyarrow.fs.FileSystem, list[str]]:
    """The filesystem of `dest` and the paths of the files under it, sorted."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(dest)
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    return fs, sorted(f.path for f in infos if f.type == pafs.FileType.File)


def summarise(dest: str, n_files: int) -> RayRun:
    """Count what a Ray run of `n_files` files wrote under `dest`, reading only what it must: the JSONL lines'
    first bytes (an error row starts with `{"error":`, a record with `{"description":`; only error rows are
    parsed), or Parquet's `error` column."""
    fs, paths = _output_files(dest)
    rows = 0
    errors: list[str] = []
    for path in paths:
        if path.endswith(".jsonl"):
            with fs.open_input_stream(path) as fh:
                for line in fh.read().splitlines():
                    if line:
                        rows += 1
                        if line.startswith(b'{"error":'):
                            errors.append(orjson.loads(line)["error"])
        elif path.endswith(".parquet"):
            import pyarrow.parquet as pq

            column = pq.read_table(path, filesystem=fs, columns=["error"]).column("error").to_pylist()
            rows += len(column)
            errors.extend(e for e in column if e is not None)
    return RayRun(dest, n_files, rows - len(errors), len(errors), tuple(errors))
