"""Personal data never rests on disk: what etl/importer.py applies to an uploaded file before it
writes it anywhere (the stored copy is what every build reads).

    data, removed = strip_personal_data(data, "archive.zip")
    # removed == {"archive.zip!personnes.csv": ["Nom", "Prénom", "Téléphone"]}

One rule, decided by the whole header (etl/loaders/programme.py `personal_columns`): a header
with a column only a file about people has (prénom, date de naissance, téléphone, e-mail, NIR,
n° allocataire CAF, IBAN…), or the template's `beneficiaries` table, loses every personal column
(nom, adresse, code postal… too); any other header keeps all its columns. It applies to

- a CSV/TSV or XLSX/XLSM file, recognised by a loader or not (rewritten without the columns);
- a GeoJSON/JSON file: the keys of each feature's `properties` (or of each object of a list of
  objects), dropped from every feature, the file written again as UTF-8 JSON;
- a zip archive: each member of those kinds, cleaned the same way; the archive is rewritten with
  the same members in the same order: a cleaned member with its name, date and compression, the
  others copied byte for byte (compressed data included).
  An archive that cannot be checked (unreadable, encrypted, unsafe paths, an archive inside,
  too large once unpacked) is refused before anything is written, with the build's own reasons.

A file with nothing to remove is returned as the very same bytes.
"""
from __future__ import annotations

import copy
import io
import json
import struct
import zipfile
import zlib
from pathlib import PurePosixPath

from etl import discover
from etl.core import EtlError
from etl.loaders.programme import personal_columns, strip_personal_columns

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
JSON_SUFFIXES = (".json", ".geojson")


def strip_personal_data(data: bytes, name: str) -> tuple[bytes, dict[str, list[str]]]:
    """`data` without its personal columns, and what was removed: {file or 'archive!member': the
    removed column names}, empty when nothing was (then the bytes are `data` itself)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip" or (data[:4] in (b"PK\x03\x04", b"PK\x05\x06") and suffix not in (".xlsx", ".xlsm")):
        return _strip_zip(data, name)
    return _strip_file(data, name)


def _strip_file(data: bytes, name: str) -> tuple[bytes, dict[str, list[str]]]:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in JSON_SUFFIXES:
        out, removed = strip_personal_properties(data)
    elif suffix in TABLE_SUFFIXES:
        out, removed = strip_personal_columns(data, name)
    else:
        return data, {}
    return (out, {name: removed}) if removed else (data, {})


def strip_personal_properties(data: bytes) -> tuple[bytes, list[str]]:
    """A GeoJSON (or a JSON list of objects) without its personal properties, and their names.
    The keys of all features together are the header (a COG « nom » or an ANCT « NOM_QP » stay)."""
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return data, []
    if isinstance(obj, dict) and isinstance(obj.get("features"), list):
        records = [f["properties"] for f in obj["features"]
                   if isinstance(f, dict) and isinstance(f.get("properties"), dict)]
    elif isinstance(obj, list):
        records = [r for r in obj if isinstance(r, dict)]
    else:
        return data, []
    keys = list(dict.fromkeys(k for r in records for k in r))
    drop = [keys[i] for i in personal_columns(keys, None)]
    if not drop:
        return data, []
    for r in records:
        for k in drop:
            r.pop(k, None)
    return json.dumps(obj, ensure_ascii=False).encode("utf-8"), drop


def _strip_zip(data: bytes, name: str) -> tuple[bytes, dict[str, list[str]]]:
    """Check the archive as the build would (etl/discover.py), clean its members, rewrite it if a
    member lost columns."""
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise EtlError(name, f"archive zip illisible ({exc})", expected="une archive .zip valide") from None
    with zin:
        infos = zin.infolist()
        if len(infos) > discover.MAX_ZIP_MEMBERS:
            raise EtlError(name, f"l'archive contient {len(infos)} éléments",
                           expected=f"au plus {discover.MAX_ZIP_MEMBERS} éléments")
        total = 0
        for info in infos:
            member = f"{name}!{info.filename}"
            if discover._safe_member_path(info, member) is None:
                continue
            if info.flag_bits & 0x1:
                raise EtlError(member, "élément chiffré (mot de passe)", expected="une archive sans mot de passe")
            if info.file_size > discover.MAX_MEMBER_BYTES:
                raise EtlError(member, "élément trop volumineux une fois décompressé "
                               f"({discover._human(info.file_size)})",
                               expected=f"au plus {discover._human(discover.MAX_MEMBER_BYTES)} par élément")
            total += info.file_size
            if total > discover.MAX_ZIP_TOTAL_BYTES:
                raise EtlError(name, "archive trop volumineuse une fois décompressée",
                               expected=f"au plus {discover._human(discover.MAX_ZIP_TOTAL_BYTES)} au total")
        cleaned: dict[str, bytes] = {}
        removed: dict[str, list[str]] = {}
        for info in infos:
            if info.is_dir():
                continue
            member = f"{name}!{info.filename}"
            suffix = PurePosixPath(info.filename).suffix.lower()
            if suffix not in TABLE_SUFFIXES + JSON_SUFFIXES + (".zip",):
                continue
            content = _read_member(zin, info, member)
            if suffix == ".zip" or (content[:4] in (b"PK\x03\x04", b"PK\x05\x06")
                                    and suffix not in (".xlsx", ".xlsm")):
                raise EtlError(member, "archive zip à l'intérieur d'une archive : elle n'est pas décompressée",
                               expected="les fichiers de données directement dans l'archive")
            out, gone = _strip_file(content, info.filename)
            if gone:
                cleaned[info.filename] = out
                removed.update({f"{name}!{k}": v for k, v in gone.items()})
        if not cleaned:
            return data, {}
        try:
            return _rewrite(data, zin.comment, infos, cleaned), removed
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, struct.error) as exc:
            raise EtlError(name, f"élément d'archive corrompu ({exc})", expected="une archive intègre") from None


def _read_member(zin: zipfile.ZipFile, info: zipfile.ZipInfo, member: str) -> bytes:
    """A member's bytes, never more than it declares (a lying archive is refused)."""
    try:
        with zin.open(info) as src:
            content = src.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise EtlError(member, f"élément d'archive corrompu ({exc})", expected="une archive intègre") from None
    if len(content) > info.file_size:
        raise EtlError(member, "élément plus volumineux que déclaré dans l'archive",
                       expected="une archive intègre")
    return content


def _rewrite(data: bytes, comment: bytes, infos: list[zipfile.ZipInfo], cleaned: dict[str, bytes]) -> bytes:
    """The archive again: every member in its order; a cleaned member written anew with its name,
    date, attributes and compression, every other member copied byte for byte (its local header,
    compressed data and data descriptor, as they were), then a new central directory.

    The verbatim copy goes through the writer's own bookkeeping (`fp`, `filelist`, `NameToInfo`,
    `start_dir`: zipfile has no public call for a raw copy); the tests read the result back."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zout:
        zout.comment = comment
        for info in infos:
            if info.filename in cleaned:
                new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                new.compress_type = info.compress_type
                new.external_attr = info.external_attr
                new.create_system = info.create_system
                new.comment = info.comment
                zout.writestr(new, cleaned[info.filename])
                continue
            raw = _raw_member(data, info)
            copied = copy.copy(info)
            copied.header_offset = zout.fp.tell()
            zout.fp.write(raw)
            zout.filelist.append(copied)
            zout.NameToInfo[copied.filename] = copied
            zout.start_dir = zout.fp.tell()
            zout._didModify = True
    return buf.getvalue()


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")     # zipfile.structFileHeader


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes as stored: local header, compressed data, data descriptor if any."""
    start = info.header_offset
    header = _LOCAL_HEADER.unpack_from(data, start)
    if header[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"en-tête local introuvable pour {info.filename}")
    end = start + _LOCAL_HEADER.size + header[10] + header[11] + info.compress_size
    if info.flag_bits & 0x08:                      # sizes and CRC follow the data
        wide = info.compress_size > zipfile.ZIP64_LIMIT or info.file_size > zipfile.ZIP64_LIMIT
        end += (4 if data[end:end + 4] == b"PK\x07\x08" else 0) + (20 if wide else 12)
    if end > len(data):
        raise zipfile.BadZipFile(f"élément tronqué : {info.filename}")
    return data[start:end]
