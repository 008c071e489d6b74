"""File discovery: deterministic walk, companions, shapefiles, safe zip expansion."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from etl import discover as disc
from etl.core import EtlError


def _names(found) -> list[tuple[str, list[str]]]:
    return [(c.display_name, [o.display_name for o in c.companions]) for c in found.candidates]


def test_walk_companions_shapefile_and_ignored(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    for name in ("b.csv", "a.csv", "README.md", "notes.txt", "doc.PDF", ".hidden", "~$classeur.xlsx"):
        (raw / name).write_text("x", encoding="utf-8")
    for ext in (".shp", ".dbf", ".shx", ".prj", ".cpg"):
        (raw / "sub" / f"QP2024{ext}").write_bytes(b"x")
    (raw / "sub" / "orphan.dbf").write_bytes(b"x")
    with disc.discover([raw]) as found:
        assert _names(found) == [
            ("raw/a.csv", ["raw/b.csv"]),
            ("raw/b.csv", ["raw/a.csv"]),
            ("raw/sub/QP2024.shp", ["raw/sub/QP2024.cpg", "raw/sub/QP2024.dbf", "raw/sub/QP2024.prj",
                                    "raw/sub/QP2024.shx", "raw/sub/orphan.dbf"]),
            ("raw/sub/orphan.dbf", ["raw/sub/QP2024.shp"]),
        ]
        assert [(i.display_name, i.reason) for i in found.ignored] == [
            ("raw/.hidden", "fichier caché"),
            ("raw/README.md", "documentation"),
            ("raw/doc.PDF", "documentation"),
            ("raw/notes.txt", "documentation"),
            ("raw/~$classeur.xlsx", "fichier de verrouillage d'un tableur"),
            ("raw/sub/QP2024.cpg", "fichier annexe d'un shapefile"),
            ("raw/sub/QP2024.dbf", "fichier annexe d'un shapefile"),
            ("raw/sub/QP2024.prj", "fichier annexe d'un shapefile"),
            ("raw/sub/QP2024.shx", "fichier annexe d'un shapefile"),
        ]


def test_single_file_as_raw(tmp_path: Path) -> None:
    f = tmp_path / "upload.csv"
    f.write_text("a;b\n1;2\n", encoding="utf-8")
    with disc.discover([f]) as found:
        assert _names(found) == [("upload.csv", [])]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_members_are_companions_and_extracted(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _zip(raw / "insee.zip", {"data.csv": b"CODGEO;MED\n", "meta_data.csv": b"COD_VAR;LIB_VAR\n",
                             "doc/notice.pdf": b"%PDF", "__MACOSX/._data.csv": b"x"})
    (raw / "autre.csv").write_text("x", encoding="utf-8")
    found = disc.discover([raw])
    try:
        assert _names(found) == [
            ("raw/insee.zip!data.csv", ["raw/insee.zip!meta_data.csv"]),
            ("raw/insee.zip!meta_data.csv", ["raw/insee.zip!data.csv"]),
            ("raw/autre.csv", []),
        ]
        assert found.candidates[0].read_bytes() == b"CODGEO;MED\n"
        assert [(i.display_name, i.reason) for i in found.ignored] == [
            ("raw/insee.zip!__MACOSX/._data.csv", "fichier système"),
            ("raw/insee.zip!doc/notice.pdf", "documentation"),
        ]
        extracted = found.temp_dirs[0]
        assert extracted.exists()
    finally:
        found.close()
    assert not extracted.exists()


def _zip_info(name: str, mode: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    if mode is not None:
        info.external_attr = mode << 16
    return info


@pytest.mark.parametrize("member, expected", [
    ("../evil.csv", "raw/a.zip!../evil.csv : chemin qui sort du dossier de l'archive (« .. »)"
                    " (attendu : des chemins relatifs au dossier de l'archive)"),
    ("ok/../../evil.csv", "raw/a.zip!ok/../../evil.csv : chemin qui sort du dossier de l'archive (« .. »)"
                          " (attendu : des chemins relatifs au dossier de l'archive)"),
    ("/etc/evil.csv", "raw/a.zip!/etc/evil.csv : chemin absolu dans l'archive"
                      " (attendu : des chemins relatifs au dossier de l'archive)"),
    ("C:\\evil.csv", "raw/a.zip!C:\\evil.csv : chemin absolu dans l'archive"
                     " (attendu : des chemins relatifs au dossier de l'archive)"),
])
def test_zip_path_escapes_are_refused(tmp_path: Path, member: str, expected: str) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with zipfile.ZipFile(raw / "a.zip", "w") as zf:
        zf.writestr(_zip_info(member), b"x")
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value) == expected
    assert not (tmp_path / "evil.csv").exists()


def test_zip_symlink_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with zipfile.ZipFile(raw / "a.zip", "w") as zf:
        zf.writestr(_zip_info("link.csv", stat.S_IFLNK | 0o777), b"/etc/passwd")
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value) == "raw/a.zip!link.csv : lien symbolique dans l'archive (attendu : des fichiers ordinaires)"


def test_zip_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _zip(raw / "a.zip", {f"f{i}.csv": b"0" * 100 for i in range(5)})
    monkeypatch.setattr(disc, "MAX_ZIP_MEMBERS", 4)
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value) == "raw/a.zip : l'archive contient 5 éléments (attendu : au plus 4 éléments)"
    monkeypatch.setattr(disc, "MAX_ZIP_MEMBERS", 2000)
    monkeypatch.setattr(disc, "MAX_MEMBER_BYTES", 99)
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value) == ("raw/a.zip!f0.csv : élément trop volumineux une fois décompressé (100 octets)"
                               " (attendu : au plus 99 octets par élément)")
    monkeypatch.setattr(disc, "MAX_MEMBER_BYTES", 1000)
    monkeypatch.setattr(disc, "MAX_ZIP_TOTAL_BYTES", 2048)
    _zip(raw / "a.zip", {f"f{i}.csv": b"0" * 1000 for i in range(3)})
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value) == ("raw/a.zip : archive trop volumineuse une fois décompressée"
                               " (attendu : au plus 2,0 kio au total)")


def test_zip_bomb_with_lying_header_is_stopped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    archive = _zip(raw / "a.zip", {"big.csv": b"0" * 100_000})
    # Rewrite the declared uncompressed size (central directory and local header) to 10 bytes.
    data = bytearray(archive.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig)
        data[pos + offset:pos + offset + 4] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value).startswith("raw/a.zip!big.csv : ")
    assert "volumineux que déclaré" in str(info.value) or "corrompu" in str(info.value)


def test_oversized_plain_file_and_broken_zip(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "big.csv").write_bytes(b"0" * 2048)
    with pytest.raises(EtlError) as info:
        disc.discover([raw], max_file_bytes=1024)
    assert str(info.value) == "raw/big.csv : fichier trop volumineux (2,0 kio) (attendu : au plus 1,0 kio par fichier)"
    (raw / "big.csv").unlink()
    (raw / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    assert str(info.value) == ("raw/broken.zip : archive zip illisible (File is not a zip file)"
                               " (attendu : une archive .zip valide)")
