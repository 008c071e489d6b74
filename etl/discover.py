"""Finding the input files of a build: raw folders walked recursively, zip archives expanded safely.

Every file found becomes a `Candidate` (etl/core.py) that the loaders recognise by its content.
Deterministic: folders are walked in sorted order. Ignored: hidden files, documentation
(`*.md`, `*.txt`, `*.pdf`), spreadsheet lock files and the sidecars of a shapefile (they travel as
companions of their `.shp`). Everything else must be recognised by a loader, or the build stops.

A zip is expanded into a temporary folder (removed by `Discovery.close()`), member by member,
refusing what could escape the folder or exhaust the disk: absolute paths, `..`, symbolic links,
two members whose names are equal once normalised (case, Unicode NFC/NFKC, `\\` and `./`: one
would overwrite the other), a name over `MAX_NAME_BYTES` bytes, more than `MAX_ZIP_MEMBERS`
members, more than `MAX_ZIP_TOTAL_BYTES` uncompressed, one member over `MAX_MEMBER_BYTES`, or a
compression ratio over `MAX_RATIO` (per member and for the archive). Sizes are checked from the
headers first, then again while inflating, chunk by chunk, against the bytes actually produced
and consumed (a header can lie): a bomb is stopped after a few MiB, in memory and on disk.
A plain file over `max_file_bytes` is refused too. Members are named 'archive.zip!member.csv' in
every message.

Expansion folders are `<temp>/qpv-etl-zip-<pid>-<random>`: a build killed before `close()`
leaves one behind, and the next `discover()` removes those whose process is dead
(`remove_stale_expansions`), never those of a build still running.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from etl.core import Candidate, EtlError

GIB = 1024 ** 3
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_TOTAL_BYTES = 2 * GIB
MAX_MEMBER_BYTES = 1 * GIB
# Uncompressed / compressed above this is a bomb (CSV files are about 3 to 20), for members and
# archives that inflate beyond RATIO_MIN_BYTES (tiny files of repeated bytes may compress more).
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 ** 2
# File systems refuse a name (one path component) over 255 bytes; keep room for a suffix.
MAX_NAME_BYTES = 240
ZIP_TEMP_PREFIX = "qpv-etl-zip-"
_ZIP_TEMP_RE = re.compile(re.escape(ZIP_TEMP_PREFIX) + r"(\d+)-")
_CHUNK_IN = 64 * 1024
_CHUNK_OUT = 1024 ** 2
# A plain file (or a zip archive itself) larger than this is refused; QPV_MAX_FILE_BYTES overrides.
MAX_FILE_BYTES = int(os.environ.get("QPV_MAX_FILE_BYTES", str(1 * GIB)))

IGNORED_SUFFIXES = frozenset({".md", ".txt", ".pdf"})
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", "__macosx"})
# Files that belong to a shapefile; they are companions of the `.shp` of the same stem.
SHAPEFILE_SIDECARS = frozenset({".dbf", ".shx", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".qmd",
                                ".fix", ".atx", ".ain", ".aih", ".ixs", ".mxs", ".xml"})


@dataclass
class Ignored:
    display_name: str
    reason: str


@dataclass
class Discovery:
    """The candidates of one build, in load-independent sorted order, and what was ignored."""

    candidates: list[Candidate] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    temp_dirs: list[Path] = field(default_factory=list)

    def close(self) -> None:
        for d in self.temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.temp_dirs.clear()

    def __enter__(self) -> "Discovery":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_ignored(name: str) -> str | None:
    """Why a file or folder name is ignored, or None."""
    low = name.lower()
    if name.startswith("."):
        return "fichier caché"
    if name.startswith("~$"):
        return "fichier de verrouillage d'un tableur"
    if low in IGNORED_NAMES:
        return "fichier système"
    if Path(low).suffix in IGNORED_SUFFIXES:
        return "documentation"
    return None


def discover(raw_dirs, *, max_file_bytes: int | None = None) -> Discovery:
    """Walk `raw_dirs` (folders, or single files) and return their candidates.

    Raises EtlError for a missing folder, an oversized file or an unsafe archive. The caller
    must `close()` the result (or use it as a context manager) to remove expanded archives.
    """
    limit = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    remove_stale_expansions()
    result = Discovery()
    try:
        for raw in raw_dirs:
            raw = Path(raw)
            if raw.is_file():
                _add_folder(result, [raw], raw.parent, "", limit)
                continue
            if not raw.is_dir():
                raise EtlError(str(raw), "dossier de données introuvable",
                               expected="un dossier existant (option --raw)")
            _walk(result, raw, raw, prefix=raw.name + "/", limit=limit)
    except BaseException:
        result.close()
        raise
    return result


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True          # someone else's process: alive
    return True


def remove_stale_expansions(temp_root: Path | None = None) -> list[Path]:
    """Remove the expansion folders left by builds that were killed (their pid is dead); those
    of a running build (this one or a concurrent one) are kept. Returns what was removed."""
    root = Path(temp_root or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _ZIP_TEMP_RE.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or _pid_alive(int(match.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _walk(result: Discovery, root: Path, folder: Path, *, prefix: str, limit: int) -> None:
    files: list[Path] = []
    subdirs: list[Path] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        rel = prefix + entry.relative_to(root).as_posix()
        why = _is_ignored(entry.name)
        if why:
            result.ignored.append(Ignored(rel, why))
            continue
        if entry.is_symlink():
            result.ignored.append(Ignored(rel, "lien symbolique (non suivi)"))
            continue
        if entry.is_dir():
            subdirs.append(entry)
        elif entry.is_file():
            files.append(entry)
    _add_folder(result, files, root, prefix, limit)
    for d in subdirs:
        _walk(result, root, d, prefix=prefix, limit=limit)


def _add_folder(result: Discovery, files: list[Path], root: Path, prefix: str, limit: int) -> None:
    """Turn the files of one folder into candidates that are each other's companions."""
    plain: list[Path] = []
    for f in files:
        name = prefix + f.relative_to(root).as_posix()
        size = f.stat().st_size
        if size > limit:
            raise EtlError(name, f"fichier trop volumineux ({_human(size)})",
                           expected=f"au plus {_human(limit)} par fichier")
        if _is_zip(f):
            result.candidates.extend(_expand_zip(result, f, name))
        else:
            plain.append(f)
    result.candidates.extend(_group(result, plain, lambda p: prefix + p.relative_to(root).as_posix()))


def _group(result: Discovery, files: list[Path], name_of) -> list[Candidate]:
    """Candidates of files in one folder: shapefiles grouped, companions linked."""
    by_stem_shp = {f.with_suffix("").as_posix().lower() for f in files if f.suffix.lower() == ".shp"}
    cands: list[Candidate] = []
    sidecars: dict[str, list[Candidate]] = {}
    for f in sorted(files, key=lambda p: p.name):
        suffix = f.suffix.lower()
        stem_key = f.with_suffix("").as_posix().lower()
        if suffix == ".xml" and f.name.lower().endswith(".shp.xml"):
            stem_key = f.with_suffix("").with_suffix("").as_posix().lower()
        if suffix in SHAPEFILE_SIDECARS and stem_key in by_stem_shp:
            sidecars.setdefault(stem_key, []).append(Candidate(f, name_of(f)))
            continue
        cands.append(Candidate(f, name_of(f)))
    for c in cands:
        own = sidecars.get(c.path.with_suffix("").as_posix().lower(), []) if c.suffix == ".shp" else []
        c.companions = own + [o for o in cands if o is not c]
    for group in sidecars.values():
        for s in group:
            result.ignored.append(Ignored(s.display_name, "fichier annexe d'un shapefile"))
    return cands


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods", ".docx"):
        return False   # office documents are zips too; their loaders read them whole
    with path.open("rb") as fh:
        head = fh.read(4)
    return head in (b"PK\x03\x04", b"PK\x05\x06") or path.suffix.lower() == ".zip"


def _expand_zip(result: Discovery, path: Path, name: str) -> list[Candidate]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise EtlError(name, f"archive zip illisible ({exc})", expected="une archive .zip valide")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise EtlError(name, f"l'archive contient {len(infos)} éléments",
                           expected=f"au plus {MAX_ZIP_MEMBERS} éléments")
        total = compressed = 0
        members: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        seen: dict[str, str] = {}
        for info in infos:
            member = f"{name}!{info.filename}"
            rel = _safe_member_path(info, member)
            if rel is None:
                continue  # a folder entry
            _check_name_unique(rel, info.filename, seen, name)
            if info.flag_bits & 0x1:
                raise EtlError(member, "élément chiffré (mot de passe)", expected="une archive sans mot de passe")
            if info.file_size > MAX_MEMBER_BYTES:
                raise EtlError(member, f"élément trop volumineux une fois décompressé ({_human(info.file_size)})",
                               expected=f"au plus {_human(MAX_MEMBER_BYTES)} par élément")
            _check_ratio(member, info.file_size, info.compress_size, "élément compressé")
            total += info.file_size
            compressed += info.compress_size
            if total > MAX_ZIP_TOTAL_BYTES:
                raise EtlError(name, "archive trop volumineuse une fois décompressée",
                               expected=f"au plus {_human(MAX_ZIP_TOTAL_BYTES)} au total")
            _check_ratio(name, total, compressed, "archive compressée")
            members.append((info, rel))
        target = Path(tempfile.mkdtemp(prefix=f"{ZIP_TEMP_PREFIX}{os.getpid()}-"))
        result.temp_dirs.append(target)
        written: list[Path] = []
        budget = Budget(MAX_ZIP_TOTAL_BYTES)
        with path.open("rb") as raw:
            for info, rel in members:
                out = target.joinpath(*rel.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                _copy_limited(zf, raw, info, out, f"{name}!{info.filename}", budget, name)
                written.append(out)
    # Candidates per folder of the archive; every member of one archive is a companion of the others.
    kept: list[Path] = []
    for out in sorted(written, key=lambda p: p.relative_to(target).as_posix()):
        why = next((_is_ignored(p) for p in out.relative_to(target).parts[:-1] if _is_ignored(p)),
                   None) or _is_ignored(out.name)
        if why:
            result.ignored.append(Ignored(f"{name}!{out.relative_to(target).as_posix()}", why))
        else:
            kept.append(out)
    # A nested archive stays a plain candidate: no loader reads it, so the build reports it.
    cands = _group(result, kept, lambda p: f"{name}!{p.relative_to(target).as_posix()}")
    return sorted(cands, key=lambda c: c.display_name)


def _safe_member_path(info: zipfile.ZipInfo, member: str) -> PurePosixPath | None:
    raw = info.filename.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise EtlError(member, "chemin absolu dans l'archive", expected="des chemins relatifs au dossier de l'archive")
    parts = PurePosixPath(raw).parts
    if any(p == ".." for p in parts):
        raise EtlError(member, "chemin qui sort du dossier de l'archive (« .. »)",
                       expected="des chemins relatifs au dossier de l'archive")
    mode = (info.external_attr >> 16) & 0o170000
    if mode == stat.S_IFLNK:
        raise EtlError(member, "lien symbolique dans l'archive", expected="des fichiers ordinaires")
    if info.is_dir() or not parts:
        return None
    return PurePosixPath(*[p for p in parts if p not in ("", ".")])


def _name_key(rel: PurePosixPath) -> str:
    """A member path as the file systems users unzip on may see it: case and Unicode forms folded."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFC", rel.as_posix())).casefold()


def _check_name_unique(rel: PurePosixPath, original: str, seen: dict[str, str], archive: str) -> None:
    """Refuse a member whose normalised path equals another's, or is a folder of another's file
    (one would overwrite or hide the other), and a path component too long for a file system."""
    for part in rel.parts:
        if len(part.encode("utf-8")) > MAX_NAME_BYTES:
            raise EtlError(f"{archive}!{_short(original)}",
                           f"nom d'élément trop long ({len(part.encode('utf-8'))} octets)",
                           expected=f"au plus {MAX_NAME_BYTES} octets par nom de fichier ou de dossier")
    key = _name_key(rel)
    parents = [_name_key(PurePosixPath(*rel.parts[:i])) for i in range(1, len(rel.parts))]
    # A file with the same name as another file, as a folder of another, or a folder with the
    # name of another file: one would overwrite or hide the other once expanded.
    clash = seen.get(key) or seen.get(key + "/") or next((seen[p] for p in parents if p in seen), None)
    if clash is not None:
        raise EtlError(archive, f"deux éléments de l'archive portent le même nom : "
                                f"« {_short(clash)} » et « {_short(original)} »",
                       expected="des noms distincts (sans tenir compte des majuscules, des accents "
                                "composés ou décomposés, des « \\ » ou « ./ », ni d'un fichier et "
                                "d'un dossier de même nom)")
    seen[key] = original
    for parent in parents:
        seen.setdefault(parent + "/", original)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_ratio(where: str, inflated: int, compressed: int, what: str) -> None:
    """`what`: "élément compressé" or "archive compressée"."""
    if inflated > RATIO_MIN_BYTES and inflated > MAX_RATIO * max(compressed, 1):
        ratio = inflated // max(compressed, 1)
        raise EtlError(where, f"{what} {ratio} fois (bombe de décompression probable)",
                       expected=f"un taux de compression d'au plus {MAX_RATIO}")


@dataclass
class Budget:
    """What an archive may still write, and what it has inflated from how many compressed bytes."""
    left: int
    inflated: int = 0
    consumed: int = 0


def _raw_deflate_chunks(raw, info: zipfile.ZipInfo, member: str):
    """Inflate a deflated member from its compressed bytes, chunk by chunk: yields (output, bytes
    of compressed input consumed so far). Never reads more than the member's compressed size and
    never holds more than one input and one output chunk."""
    raw.seek(info.header_offset)
    head = raw.read(30)
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        raise EtlError(member, "élément d'archive corrompu (en-tête local introuvable)",
                       expected="une archive intègre")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    remaining, consumed = info.compress_size, 0
    inflater = zlib.decompressobj(-15)
    pending = b""
    while True:
        if not pending:
            if remaining <= 0 or inflater.eof:
                break
            pending = raw.read(min(_CHUNK_IN, remaining))
            if not pending:
                raise EtlError(member, "élément d'archive tronqué", expected="une archive intègre")
            remaining -= len(pending)
            consumed += len(pending)
        chunk = inflater.decompress(pending, _CHUNK_OUT)
        pending = inflater.unconsumed_tail
        if chunk:
            yield chunk, consumed
        if inflater.eof:
            break
    if not inflater.eof:
        raise EtlError(member, "élément d'archive tronqué", expected="une archive intègre")


def _copy_limited(zf: zipfile.ZipFile, raw, info: zipfile.ZipInfo, out: Path, member: str,
                  budget: Budget, archive: str) -> int:
    """Extract one member, stopping as soon as it inflates beyond its declared size, the member
    or archive limit, or the ratio limit counted on the bytes really consumed (never trusting
    the header). Deflated members are inflated here, chunk by chunk; others through zipfile."""
    limit = min(info.file_size, MAX_MEMBER_BYTES, budget.left)
    n = 0
    crc = 0
    try:
        if info.compress_type == zipfile.ZIP_DEFLATED:
            chunks = _raw_deflate_chunks(raw, info, member)
        else:
            chunks = _zipfile_chunks(zf, info)
        with out.open("wb") as dst:
            for chunk, consumed in chunks:
                n += len(chunk)
                if n > limit:
                    if n > budget.left:
                        raise EtlError(archive, "archive trop volumineuse une fois décompressée",
                                       expected=f"au plus {_human(MAX_ZIP_TOTAL_BYTES)} au total")
                    if n > MAX_MEMBER_BYTES:
                        raise EtlError(member, "élément trop volumineux une fois décompressé",
                                       expected=f"au plus {_human(MAX_MEMBER_BYTES)} par élément")
                    raise EtlError(member, "élément plus volumineux que déclaré dans l'archive",
                                   expected="une archive intègre")
                _check_ratio(member, n, consumed, "élément compressé")
                _check_ratio(archive, budget.inflated + n, budget.consumed + consumed, "archive compressée")
                crc = zlib.crc32(chunk, crc)
                dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise EtlError(member, f"élément d'archive corrompu ({exc})", expected="une archive intègre")
    if n != info.file_size or crc != info.CRC:
        raise EtlError(member, "élément d'archive corrompu (taille ou somme de contrôle CRC différente "
                               "de celle déclarée)", expected="une archive intègre")
    budget.left -= n
    budget.inflated += n
    budget.consumed += info.compress_size
    return n


def _zipfile_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """(output chunk, compressed bytes consumed) for stored or other-method members: zipfile
    reads them; the consumed count is the member's compressed size, prorated (stored: 1 for 1)."""
    with zf.open(info) as src:
        n = 0
        while True:
            chunk = src.read(_CHUNK_OUT)
            if not chunk:
                break
            n += len(chunk)
            yield chunk, min(info.compress_size, n) if info.compress_type == zipfile.ZIP_STORED \
                else info.compress_size


def _human(n: int) -> str:
    for unit, size in (("Gio", GIB), ("Mio", 1024 ** 2), ("kio", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".", ",")
    return f"{n} octets"
