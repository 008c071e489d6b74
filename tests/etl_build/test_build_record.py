"""The build record (builds, build_files, build_messages) is written in one insert per table from
an Arrow table, and the previous builds are carried over the same way (issue #15: executemany
ran one statement per row); every value, NULLs and order included, is the report's."""
from __future__ import annotations

from pathlib import Path

from etl.build import build
from tests.etl_build.conftest import CURRENT_YEAR, PROGRAMME_ONLY, query


def _build(raw: Path, db: Path):
    return build([raw], db, loader_modules=PROGRAMME_ONLY, progress=None, current_year=CURRENT_YEAR)


def test_the_build_record_holds_every_file_and_message_of_the_report(programme_dir: Path, tmp_path: Path) -> None:
    (programme_dir / "LISEZMOI.md").write_text("notes", encoding="utf-8")     # ignored: rows_read NULL
    db = tmp_path / "qpv.duckdb"
    first = _build(programme_dir, db)
    builds_after_first = query(db, "select * from builds")
    second = _build(programme_dir, db)
    for report in (first, second):
        assert report.files and any(f.rows_read is None for f in report.files)
        assert report.messages
    assert query(db, "select build_id, file_name, kind, outcome, rows_read, source_id, message"
                     " from build_files where build_id = ? order by rowid", [second.build_id]) == [
        (second.build_id, f.file_name, f.kind, f.outcome, f.rows_read, f.source_id, f.message)
        for f in second.files]
    assert query(db, "select build_id, level, file_name, line, column_name, message"
                     " from build_messages where build_id = ? order by rowid", [second.build_id]) == [
        (second.build_id, m.level, m.file_name, m.line, m.column_name, m.message) for m in second.messages]
    # The first build's row is carried over unchanged, every column (timestamps, summary).
    assert query(db, "select * from builds order by started_at") == builds_after_first + [
        (second.build_id, second.started_at, second.finished_at, "published", str(programme_dir), 9,
         second.n_rows, second.n_territories, second.n_indicators, second.n_warnings, second.summary())]
