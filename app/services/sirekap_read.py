"""Reading Sirekap per-TPS record files for `rekap import sirekap`: a file, a folder or a zip,
each record checked (malformed JSON, a name that is no TPS, a value that is no count) and named
in the error. No database here, so the processes that read a national dump in parallel start
light (app/services/sirekap_import.py writes what they read)."""

import json
import multiprocessing
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

from app.domain.sirekap import BadValue, SirekapRecord, parse_tps_record, tps_code_from_name
from app.errors import InvalidInput


def record_names(path: Path) -> tuple[list[str], str]:
    """The record names under path (in order) and the prefix naming them in errors."""
    if path.is_dir():
        return [str(p.relative_to(path)) for p in sorted(path.rglob("*.json"))], f"{path}/"
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
        return [n for n in names if n.endswith(".json") and not n.startswith("__MACOSX")], (
            f"{path}:"
        )
    if path.is_file():
        return [path.name], f"{path.parent}/"
    raise InvalidInput(f"{path}: no such file or folder", fields={"path": "not found"})


def _reader(path: Path) -> Callable[[str], bytes]:
    """Reads one record by its name from _names."""
    if path.is_dir():
        return lambda name: (path / name).read_bytes()
    if zipfile.is_zipfile(path):
        return _member_reader(path, zipfile.ZipFile(path))
    return lambda _name: path.read_bytes()


def _member_reader(path: Path, archive: zipfile.ZipFile) -> Callable[[str], bytes]:
    """Reads members straight from their offsets (zipfile.read opens and checks a new member
    object each time: a quarter of a national import's time); anything unusual (encrypted,
    another compression) goes through zipfile. The CRC is checked either way."""
    handle = path.open("rb")

    def read(name: str) -> bytes:
        info = archive.getinfo(name)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                               zipfile.ZIP_DEFLATED):  # fmt: skip
            return archive.read(name)
        handle.seek(info.header_offset)
        header = handle.read(30)
        if header[:4] != b"PK\x03\x04":
            return archive.read(name)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + 30 + name_len + extra_len)
        data = handle.read(info.compress_size)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            data = zlib.decompress(data, -15)
        if zlib.crc32(data) != info.CRC:
            raise InvalidInput(f"{path}:{name}: damaged in the zip (CRC mismatch)",
                               fields={"file": "damaged"})  # fmt: skip
        return data

    return read


def iter_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every .json record in a file, a folder (recursively) or a zip."""
    names, _prefix = record_names(path)
    read = _reader(path)
    for name in names:
        yield name, read(name)


def read_record(where: str, raw: bytes, paslon: dict[str, int]) -> tuple[str, SirekapRecord | None]:
    """The TPS code and values of one record file; InvalidInput naming the file (and the line
    and column of malformed JSON, or the field of a bad value) when it cannot be imported."""
    code = tps_code_from_name(where)
    if code is None:
        raise InvalidInput(
            f"{where}: not named after a TPS (a record is <13-digit TPS code>.json)",
            fields={"file": "unknown TPS"},
        )
    try:
        data: Any = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})",
                           fields={"file": "not JSON"}) from exc  # fmt: skip
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{where}: line {exc.lineno}, column {exc.colno}: malformed JSON ({exc.msg})",
            fields={"file": "malformed JSON"},
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: expected a JSON object, got {type(data).__name__}",
                           fields={"file": "not a record"})  # fmt: skip
    try:
        return code, parse_tps_record(data, paslon)
    except BadValue as exc:
        raise InvalidInput(f"{where}: {exc}", fields={exc.key: "not a count"}) from exc


Read = tuple[str, str, SirekapRecord | None]  # where, TPS code, record (None: not digitised)
PARALLEL_FROM = 20_000  # records: below this, one process reads them all
CHUNK = 5_000


@lru_cache(maxsize=2)
def _slice_reader(path: str, stamp: tuple[int, int]) -> Callable[[str], bytes]:
    """One reader per input (path, mtime, size) and process: opening a national zip reads its
    central directory of 435k entries (seconds), so the slices a process reads share it."""
    del stamp  # part of the cache key only: a rewritten file gets a new reader
    return _reader(Path(path))


def read_slice(
    path: str, names: list[str], prefix: str, paslon: dict[str, int]
) -> tuple[list[Read], tuple[str, dict[str, str]] | None]:
    """Read and check a slice of the records (in a worker process for a large dump): what was
    read, and the first error as (detail, fields), after which the slice stops."""
    info = os.stat(path)
    read = _slice_reader(path, (info.st_mtime_ns, info.st_size))
    out: list[Read] = []
    for name in names:
        where = prefix + name
        try:
            code, record = read_record(where, read(name), paslon)
        except InvalidInput as exc:
            return out, (exc.detail, exc.fields or {})
        out.append((where, code, record))
    return out, None


def read_slices(
    path: Path, names: list[str], prefix: str, paslon: dict[str, int]
) -> Generator[Any]:
    """read_slice over CHUNK-name slices in file order: in this process for a small input, in a
    pool of spawned processes (one per core, at most 4) for a national dump."""
    parts = [names[i : i + CHUNK] for i in range(0, len(names), CHUNK)]
    workers = min(4, os.cpu_count() or 1)
    if len(names) < PARALLEL_FROM or workers < 2:
        for part in parts:
            yield read_slice(str(path), part, prefix, paslon)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process holding connections
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield from pool.map(read_slice, repeat(str(path)), parts, repeat(prefix), repeat(paslon))
    finally:
        pool.shutdown(cancel_futures=True)  # a bad record: the slices after it are not read
