"""Archives that cannot fool the build (etl/discover.py): members with the same name once
normalised, names too long in bytes, compression bombs (header sizes honest or lying, measured in
a subprocess for time and peak memory), expansion folders of killed builds removed by the next."""
from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import unicodedata
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest

from etl import discover as disc
from etl.core import EtlError

ROOT = Path(__file__).resolve().parents[2]
SAME_NAME = ("des noms distincts (sans tenir compte des majuscules, des accents composés ou "
             "décomposés, des « \\ » ou « ./ », ni d'un fichier et d'un dossier de même nom)")


def _zip(path: Path, members: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # zipfile warns about a duplicate name
        with zipfile.ZipFile(path, "w", method) as zf:
            for name, data in members:
                zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def _refusal(raw: Path) -> str:
    with pytest.raises(EtlError) as info:
        disc.discover([raw])
    return str(info.value)


NFC = unicodedata.normalize("NFC", "données.csv")
NFD = unicodedata.normalize("NFD", "données.csv")


@pytest.mark.parametrize("first, second", [
    ("data.csv", "data.csv"),                    # the very same name twice
    ("Data.CSV", "data.csv"),                    # case
    (NFC, NFD),                                  # é composed / decomposed
    ("ﬁchier.csv", "fichier.csv"),               # NFKC: the "fi" ligature
    ("dossier/./a.csv", "dossier/a.csv"),        # what the path stripping removes
    ("dossier\\a.csv", "dossier/a.csv"),         # Windows separator
    ("dossier//a.csv", "Dossier/A.csv"),
    ("donnees", "donnees/a.csv"),                # a file and a folder of the same name
    ("donnees/a.csv", "DONNEES"),
])
def test_members_with_the_same_name_once_normalised_are_refused(tmp_path: Path, first, second) -> None:
    raw = tmp_path / "raw"
    _zip(raw / "a.zip", [(first, b"CODGEO;MED21\n1;2\n"), (second, b"CODGEO;MED21\n3;4\n")])
    assert _refusal(raw) == (f"raw/a.zip : deux éléments de l'archive portent le même nom : "
                             f"« {first} » et « {second} » (attendu : {SAME_NAME})")
    assert not list(tmp_path.glob("**/qpv-etl-zip-*"))


def test_distinct_names_are_all_expanded(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _zip(raw / "a.zip", [("a.csv", b"1"), ("dossier/a.csv", b"2"), ("b.csv", b"3")])
    with disc.discover([raw]) as found:
        assert [(c.display_name, c.path.read_bytes()) for c in found.candidates] == [
            ("raw/a.zip!a.csv", b"1"), ("raw/a.zip!b.csv", b"3"), ("raw/a.zip!dossier/a.csv", b"2")]


@pytest.mark.parametrize("name", ["é" * 125 + ".csv", "🏘️" * 40 + ".csv", "d/" + "x" * 241])
def test_a_member_name_too_long_in_bytes_is_refused(tmp_path: Path, name: str) -> None:
    raw = tmp_path / "raw"
    _zip(raw / "a.zip", [(name, b"CODGEO\n1\n")])
    size = len(name.split("/")[-1].encode())
    shown = name if len(name) <= 80 else name[:79] + "…"
    assert _refusal(raw) == (f"raw/a.zip!{shown} : nom d'élément trop long ({size} octets) "
                             "(attendu : au plus 240 octets par nom de fichier ou de dossier)")


def test_a_member_name_of_240_bytes_is_expanded(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    name = "é" * 118 + ".csv"                           # 236 + 4 bytes
    _zip(raw / "a.zip", [(name, b"CODGEO\n1\n")])
    with disc.discover([raw]) as found:
        assert [c.path.name for c in found.candidates] == [name]


def _ratio(path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    return sum(i.file_size for i in infos), sum(i.compress_size for i in infos)


def test_a_member_compressed_over_200_times_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    archive = _zip(raw / "a.zip", [("zeros.csv", b"0" * (2 << 20))])
    size, packed = _ratio(archive)
    assert _refusal(raw) == (f"raw/a.zip!zeros.csv : élément compressé {size // packed} fois "
                             "(bombe de décompression probable) (attendu : un taux de compression "
                             "d'au plus 200)")


def test_an_archive_compressed_over_200_times_overall_is_refused(tmp_path: Path) -> None:
    # Each member stays under the 1 MiB below which a ratio is not judged; together they do not.
    raw = tmp_path / "raw"
    archive = _zip(raw / "a.zip", [(f"f{i}.csv", b"0" * (600 << 10)) for i in range(3)])
    with zipfile.ZipFile(archive) as zf:
        first_two = zf.infolist()[:2]                 # refused as soon as the total passes 1 Mio
    ratio = sum(i.file_size for i in first_two) // sum(i.compress_size for i in first_two)
    assert ratio > 200
    assert _refusal(raw) == (f"raw/a.zip : archive compressée {ratio} fois (bombe de décompression "
                             "probable) (attendu : un taux de compression d'au plus 200)")


def test_a_small_compressible_member_is_accepted(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _zip(raw / "a.zip", [("vide.csv", b";" * (500 << 10))])       # 500 kio, ratio ~1000
    with disc.discover([raw]) as found:
        assert [c.path.stat().st_size for c in found.candidates] == [500 << 10]


# ── Bombs of gigabytes, built in milliseconds ───────────────────────────────────────────────
def _deflated_zeros(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of `size` zero bytes (size a multiple of 1 MiB) and its CRC-32 (0 when
    not computed). A full flush after each MiB makes every MiB compress to the same bytes, so the
    stream is one block repeated, about 1 000 times smaller than what it inflates to."""
    mib = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    second = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    assert second == c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    n = size >> 20
    return first + second * (n - 1) + c.flush(zlib.Z_FINISH), 0


def _zip64(path: Path, name: str, stream: bytes, declared: int, crc: int = 0) -> Path:
    """A one-member deflate zip written by hand, with zip64 sizes (`declared` may lie)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw_name = name.encode()
    extra = struct.pack("<HHQQ", 1, 16, declared, len(stream))
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF,
                        0xFFFFFFFF, len(raw_name), len(extra)) + raw_name + extra
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 8, 0, 0x21, crc,
                          0xFFFFFFFF, 0xFFFFFFFF, len(raw_name), len(extra), 0, 0, 0, 0, 0
                          ) + raw_name + extra
    offset = len(local) + len(stream)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), offset, 0)
    with path.open("wb") as fh:
        fh.write(local)
        fh.write(stream)
        fh.write(central)
        fh.write(end)
    return path


_MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from etl import discover
from etl.core import EtlError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    discover.discover([{raw!r}]).close()
    message = None
except EtlError as exc:
    message = str(exc)
print(json.dumps({{"message": message, "seconds": time.perf_counter() - start,
                  "rss_before_kib": before, "rss_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def _measure(raw: Path, tmp: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE.format(root=str(ROOT), raw=str(raw))],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TMPDIR": str(tmp)})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("declared, expected", [
    # An honest header: 5 Gio of zeros, refused before anything is written.
    (5 << 30, "raw/bombe.zip!zeros.csv : élément trop volumineux une fois décompressé (5,0 Gio) "
              "(attendu : au plus 1,0 Gio par élément)"),
    # A lying header: 5 Gio declared as 900 Mio (ratio 180 by the headers, under the limits);
    # stopped while inflating, on the bytes really consumed.
    (900 << 20, "raw/bombe.zip!zeros.csv : élément compressé {ratio} fois (bombe de décompression "
                "probable) (attendu : un taux de compression d'au plus 200)"),
])
def test_a_5_gib_bomb_is_refused_in_seconds_with_little_memory(tmp_path: Path, declared: int,
                                                              expected: str) -> None:
    raw = tmp_path / "raw"
    stream, crc = _deflated_zeros(5 << 30)
    _zip64(raw / "bombe.zip", "zeros.csv", stream, declared, crc)
    work = tmp_path / "tmp"
    work.mkdir()
    result = _measure(raw, work)
    message = result["message"]
    if "{ratio}" in expected:
        ratio = int(message.split("compressé ")[1].split(" ")[0])
        assert 200 < ratio < 1100
        expected = expected.format(ratio=ratio)
    assert message == expected
    grown_mib = (result["rss_peak_kib"] - result["rss_before_kib"]) / 1024
    print(f"bomb declared {declared >> 20} MiB: refused in {result['seconds']:.2f} s, "
          f"peak RSS {result['rss_peak_kib'] / 1024:.0f} MiB (+{grown_mib:.0f} MiB while expanding)")
    assert result["seconds"] < 10
    assert grown_mib < 64
    assert list(work.iterdir()) == []                 # nothing left on disk


# ── Expansion folders of killed builds ──────────────────────────────────────────────────────
_SLOW_EXPANSION = """
import sys, time
sys.path.insert(0, {root!r})
from etl import discover
real = discover._copy_limited
def slow(*args, **kwargs):
    n = real(*args, **kwargs)
    print("expanding", flush=True)
    time.sleep(60)
    return n
discover._copy_limited = slow
discover.discover([{raw!r}])
"""


def test_folders_left_by_a_killed_build_are_removed_by_the_next(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    _zip(raw / "a.zip", [("a.csv", b"CODGEO\n1\n"), ("b.csv", b"CODGEO\n2\n")])
    work = tmp_path / "tmp"
    work.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_EXPANSION.format(root=str(ROOT), raw=str(raw))],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(work)})
    try:
        assert proc.stdout.readline().strip() == "expanding"
        left = list(work.iterdir())
        assert [p.name.startswith(f"qpv-etl-zip-{proc.pid}-") for p in left] == [True]
        assert [p.name for p in left[0].iterdir()] == ["a.csv"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert list(work.iterdir()) == left                # killed: nothing cleaned up
    # A folder of a build still running (this test's own process stands for it) is kept.
    running = work / f"qpv-etl-zip-{os.getppid()}-enCours"
    running.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(work))
    with disc.discover([raw]) as found:
        mine = sorted(p.name for p in work.iterdir())
        assert len(found.temp_dirs) == 1 and found.temp_dirs[0].name in mine
        assert mine == sorted([running.name, found.temp_dirs[0].name])
    assert list(work.iterdir()) == [running]


def test_only_folders_with_the_prefix_and_a_dead_pid_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for name in (f"qpv-etl-zip-{dead.pid}-abc", f"qpv-etl-zip-{os.getpid()}-abc", f"autre-{dead.pid}-abc",
                 "qpv-etl-zip-x-abc"):
        (tmp_path / name).mkdir()
    removed = disc.remove_stale_expansions(tmp_path)
    assert [p.name for p in removed] == [f"qpv-etl-zip-{dead.pid}-abc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"qpv-etl-zip-{os.getpid()}-abc", f"autre-{dead.pid}-abc", "qpv-etl-zip-x-abc"])
