"""Finding the input files of a build: raw folders walked recursively, zip archives expanded safely.

Every file found becomes a `Candidate` (etl/core.py) that the loaders recognise by its content.
Deterministic: folders are walked in sorted order. Ignored: hidden files, documentation
(`*.md`, `*.txt`, `*.pdf`), spreadsheet lock files and the sidecars of a shapefile (they travel as
companions of their `.shp`). Everything else must be recognised by a loader, or the build stops.

A zip is expanded into a temporary folder (removed by `Discovery.close()`), member by member,
refusing what could escape the folder or exhaust the disk: absolute paths, `..`, symbolic links,
more than `MAX_ZIP_MEMBERS` members, more than `MAX_ZIP_TOTAL_BYTES` uncompressed, or one member
over `MAX_MEMBER_BYTES`. A plain file over `max_file_bytes` is refused too. Members are named
'archive.zip!member.csv' in every message.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from etl.core import Candidate, EtlError

GIB = 1024 ** 3
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_TOTAL_BYTES = 2 * GIB
MAX_MEMBER_BYTES = 1 * GIB
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
        total = 0
        members: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in infos:
            member = f"{name}!{info.filename}"
            rel = _safe_member_path(info, member)
            if rel is None:
                continue  # a folder entry
            if info.flag_bits & 0x1:
                raise EtlError(member, "élément chiffré (mot de passe)", expected="une archive sans mot de passe")
            if info.file_size > MAX_MEMBER_BYTES:
                raise EtlError(member, f"élément trop volumineux une fois décompressé ({_human(info.file_size)})",
                               expected=f"au plus {_human(MAX_MEMBER_BYTES)} par élément")
            total += info.file_size
            if total > MAX_ZIP_TOTAL_BYTES:
                raise EtlError(name, "archive trop volumineuse une fois décompressée",
                               expected=f"au plus {_human(MAX_ZIP_TOTAL_BYTES)} au total")
            members.append((info, rel))
        target = Path(tempfile.mkdtemp(prefix="qpv-etl-zip-"))
        result.temp_dirs.append(target)
        written: list[Path] = []
        budget = MAX_ZIP_TOTAL_BYTES
        for info, rel in members:
            out = target.joinpath(*rel.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            budget -= _copy_limited(zf, info, out, f"{name}!{info.filename}", budget)
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


def _copy_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, member: str, budget: int) -> int:
    """Extract one member, stopping if it inflates beyond its declared or allowed size."""
    limit = min(info.file_size, MAX_MEMBER_BYTES, budget)
    n = 0
    try:
        with zf.open(info) as src, out.open("wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                n += len(chunk)
                if n > limit:
                    raise EtlError(member, "élément plus volumineux que déclaré dans l'archive",
                                   expected="une archive intègre")
                dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise EtlError(member, f"élément d'archive corrompu ({exc})", expected="une archive intègre")
    return n


def _human(n: int) -> str:
    for unit, size in (("Gio", GIB), ("Mio", 1024 ** 2), ("kio", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".", ",")
    return f"{n} octets"
