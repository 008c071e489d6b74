"""A programme file's source row is written once, with its rows counted (issue #15: an insert
then an update of `rows_read` cost two statements per file)."""
from __future__ import annotations

from etl.core import Candidate, LoadContext
from etl.db import create_empty
from etl.loaders import programme
from tests.etl_build.conftest import write_csv


class _Statements:
    def __init__(self, con):
        self._con = con
        self.sql: list[str] = []

    def execute(self, sql, *args, **kwargs):
        self.sql.append(" ".join(sql.split()[:3]))
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_the_source_row_is_written_once_with_its_rows(tmp_path) -> None:
    path = write_csv(tmp_path / "actions.csv", [["contract", "action_id", "year", "title"],
                                                ["demo", "A1", "2024", "Atelier"], ["demo", "A2", "2024", "Chantier"],
                                                ["demo", "A3", "2025", "Forum"]])
    c = Candidate(path, path.name)
    con = create_empty()
    spy = _Statements(con)
    rows = programme.load(LoadContext(spy, "t"), c, programme.recognise(c))
    assert rows == 3
    assert [s for s in spy.sql if "sources" in s] == ["insert into sources"]   # no « update sources set »
    assert con.execute("select source_id, kind, file_name, rows_read, producer from sources").fetchall() == [
        (f"src_{c.sha256[:12]}", "programme_actions", "actions.csv", 3, "Équipe du contrat de ville")]
