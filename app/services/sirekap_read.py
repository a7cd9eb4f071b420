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
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from app.domain.sirekap import BadValue, SirekapRecord, parse_tps_record, tps_code_from_name
from app.errors import InvalidInput


def record_names(path: Path) -> tuple[list[str], str]:
    """The record names under path (in order) and the prefix naming them in errors."""
    sources, prefix = record_sources(path)
    return [source[0] for source in sources], prefix


# A record's name, and for a zip member where its bytes are: (name, header offset, compressed
# size, compression, CRC, flag bits). Workers read members from these with no ZipFile of their
# own: opening one parses a national zip's central directory (435k entries, ~3 CPU s) again.
Source = tuple[str] | tuple[str, int, int, int, int, int]


def record_sources(path: Path) -> tuple[list[Source], str]:
    """The records under path in name order, and the prefix naming them in errors."""
    if path.is_dir():
        names = [str(p.relative_to(path)) for p in sorted(path.rglob("*.json"))]
        return [(n,) for n in names], f"{path}/"
    if path.is_file() and zipfile.is_zipfile(path):
        members = sorted(zip_members(path) or _zipfile_members(path))
        return [m for m in members if m[0].endswith(".json") and not m[0].startswith("__MACOSX")], (
            f"{path}:"
        )
    if path.is_file():
        return [(path.name,)], f"{path.parent}/"
    raise InvalidInput(f"{path}: no such file or folder", fields={"path": "not found"})


def _zipfile_members(path: Path) -> list[Source]:
    with zipfile.ZipFile(path) as archive:
        return [
            (i.filename, i.header_offset, i.compress_size, i.compress_type, i.CRC, i.flag_bits)
            for i in archive.infolist()
        ]


_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # a central directory entry (46 bytes, as zipfile)
_END = struct.Struct("<4s4H2LH")  # the end of central directory record (22 bytes)
_END64 = struct.Struct("<4sQ2H2L4Q")  # the Zip64 end record (56 bytes), before its locator


def _central_directory(path: Path) -> tuple[bytes, int] | None:
    """The central directory's bytes and how far the archive starts into the file (a zip
    appended to other data), found as zipfile finds them; None for a layout this does not read
    (a multi-disk archive, a comment holding the end signature)."""
    with path.open("rb") as fp:
        size = fp.seek(0, 2)
        start = max(0, size - _END.size - 0xFFFF - 20 - _END64.size)
        fp.seek(start)
        tail = fp.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _END.size:
            return None
        _, disk, cd_disk, _, _, cd_size, cd_offset, comment = _END.unpack_from(tail, at)
        if disk or cd_disk or at + _END.size + comment != len(tail):
            return None
        before = 0
        if at >= 20 + _END64.size and tail[at - 20 : at - 16] == b"PK\x06\x07":
            z64 = _END64.unpack_from(tail, at - 20 - _END64.size)
            if z64[0] != b"PK\x06\x06" or z64[4] or z64[5]:
                return None
            cd_size, cd_offset, before = z64[8], z64[9], 20 + _END64.size
        concat = start + at - before - cd_size - cd_offset
        if concat < 0:
            return None
        fp.seek(cd_offset + concat)
        return fp.read(cd_size), concat


def zip_members(path: Path) -> list[Source] | None:
    """Every member of a zip as a Source, read straight from the central directory (zipfile
    builds a ZipInfo per member: 3 CPU s for a national dump, several times this); None when a
    member needs what zipfile does (Zip64 sizes or offsets, a NUL in a name, a bad layout)."""
    found = _central_directory(path)
    if found is None:
        return None
    data, concat = found
    members: list[Source] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < _CENTRAL.size:
            return None
        entry = _CENTRAL.unpack_from(data, pos)
        flags, method, crc, size, full, name_len, extra_len, comment_len, offset = (
            entry[5], entry[6], entry[9], entry[10], entry[11], entry[12], entry[13],
            entry[14], entry[18],
        )  # fmt: skip
        if entry[0] != b"PK\x01\x02" or 0xFFFFFFFF in (size, full, offset):
            return None
        raw = data[pos + _CENTRAL.size : pos + _CENTRAL.size + name_len]
        name = raw.decode("utf-8" if flags & 0x800 else "cp437")
        if "\x00" in name:
            return None
        members.append((name, offset + concat, size, method, crc, flags))
        pos += _CENTRAL.size + name_len + extra_len + comment_len
    return members


def _reader(path: Path) -> Callable[[Source], bytes]:
    """Reads one record from its source (record_sources)."""
    if path.is_dir():
        return lambda source: (path / source[0]).read_bytes()
    if zipfile.is_zipfile(path):
        return _member_reader(path)
    return lambda _source: path.read_bytes()


def _member_reader(path: Path) -> Callable[[Source], bytes]:
    """Reads members straight from their offsets (zipfile.read opens and checks a new member
    object each time: a quarter of a national import's time); anything unusual (encrypted,
    another compression) goes through zipfile. The CRC is checked either way."""
    handle = path.open("rb")
    archive: list[zipfile.ZipFile] = []  # opened only for an unusual member

    def through_zipfile(name: str) -> bytes:
        if not archive:
            archive.append(zipfile.ZipFile(path))
        return archive[0].read(name)

    def read(source: Source) -> bytes:
        if len(source) != 6:
            return through_zipfile(source[0])
        name, offset, size, method, crc, flags = source
        if flags & 0x1 or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return through_zipfile(name)
        handle.seek(offset)
        header = handle.read(30)
        if header[:4] != b"PK\x03\x04":
            return through_zipfile(name)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        handle.seek(offset + 30 + name_len + extra_len)
        data = handle.read(size)
        if method == zipfile.ZIP_DEFLATED:
            data = zlib.decompress(data, -15)
        if zlib.crc32(data) != crc:
            raise InvalidInput(f"{path}:{name}: damaged in the zip (CRC mismatch)",
                               fields={"file": "damaged"})  # fmt: skip
        return data

    return read


def iter_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every .json record in a file, a folder (recursively) or a zip."""
    sources, _prefix = record_sources(path)
    read = _reader(path)
    for source in sources:
        yield source[0], read(source)


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
        # A record is an object in UTF-8: decoded here, json.loads skips guessing the encoding
        # (a fifth of reading a record); anything else keeps json.loads's own detection.
        data: Any = json.loads(raw.decode("utf-8", "surrogatepass") if raw[:1] == b"{" else raw)
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


class Read(NamedTuple):
    """What a reading process sends back per record (a plain tuple to pickle)."""

    code: str  # the TPS
    values: str | None  # JSON text, sorted keys (None: not digitised yet): what COPY writes and
    # what the import's audit digest pins
    stamped_at: datetime | None  # Sirekap's time stamp
    dpt: int | None  # the TPS's pemilih_dpt_j


PARALLEL_FROM = 20_000  # records: below this, one process reads them all
CHUNK = 5_000


@lru_cache(maxsize=2)
def _slice_reader(path: str, stamp: tuple[int, int]) -> Callable[[Source], bytes]:
    """One reader per input (path, mtime, size) and process, shared by the slices it reads."""
    del stamp  # part of the cache key only: a rewritten file gets a new reader
    return _reader(Path(path))


def compact(code: str, record: SirekapRecord | None) -> Read:
    """The Read of one checked record."""
    if record is None or not record.values:
        return Read(code, None, None, None)
    values = record.values
    return Read(code, values_text(values), record.stamped_at, values.get("pemilih_dpt_j"))


def values_text(values: dict[str, int]) -> str:
    """json.dumps(values, sort_keys=True) of a record's values, at twice its speed: the keys are
    form field names (ASCII letters, digits, _) and the values ints, so nothing needs escaping."""
    return "{" + ", ".join([f'"{k}": {values[k]}' for k in sorted(values)]) + "}"


def read_slice(
    path: str, sources: list[Source], prefix: str, paslon: dict[str, int]
) -> tuple[list[Read], tuple[str, dict[str, str]] | None]:
    """Read and check a slice of the records (in a worker process for a large dump): what was
    read, in order, and the first error as (detail, fields), after which the slice stops."""
    info = os.stat(path)
    read = _slice_reader(path, (info.st_mtime_ns, info.st_size))
    out: list[Read] = []
    for source in sources:
        try:
            out.append(compact(*read_record(prefix + source[0], read(source), paslon)))
        except InvalidInput as exc:
            return out, (exc.detail, exc.fields or {})
    return out, None


def read_slices(
    path: Path, sources: list[Source], prefix: str, paslon: dict[str, int]
) -> Generator[Any]:
    """read_slice over CHUNK-record slices in file order: in this process for a small input, in
    a pool of spawned processes (one per core, at most 4) for a national dump."""
    parts = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    workers = min(4, os.cpu_count() or 1)
    if len(sources) < PARALLEL_FROM or workers < 2:
        for part in parts:
            yield read_slice(str(path), part, prefix, paslon)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process holding connections
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield from pool.map(read_slice, repeat(str(path)), parts, repeat(prefix), repeat(paslon))
    finally:
        pool.shutdown(cancel_futures=True)  # a bad record: the slices after it are not read
