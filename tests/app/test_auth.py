"""Who may change the data (ui/auth.py): the import page's controls for editors only, sign-in with
a local password hash or an identity provider, rate limiting and logging of failures, internal
figures for editors only (pages and exports).

The client address is injected by monkeypatching `ui.auth.peer_address` (and the connection's
headers by `ui.auth.request_headers`): AppTest has no network connection.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from etl import importer
from indicators.fmt import plain_spaces
from ui import auth

ROOT = Path(__file__).resolve().parents[2]
REMOTE = "203.0.113.7"
ALICE_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def alice_hash() -> str:
    return auth.hash_password(ALICE_PASSWORD)


@pytest.fixture
def site(small_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with the small database, its upload folder, and a fresh sign-in limiter."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(small_db_path, data / "qpv.duckdb")
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "UPLOAD_DIR", data / "uploads")
    monkeypatch.setattr(config, "DB_PATH", data / "qpv.duckdb")
    monkeypatch.setenv("QPV_DB_PATH", str(data / "qpv.duckdb"))
    auth.limiter.clear()
    return data


def visitor(monkeypatch: pytest.MonkeyPatch, address: str | None, headers: dict | None = None) -> None:
    monkeypatch.setattr(auth, "peer_address", lambda: address)
    monkeypatch.setattr(auth, "request_headers", lambda: dict(headers or {}))


def import_page(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90)
    if secrets:
        at.secrets = secrets
    if user is not None:
        at.user = user
    return at.run()


def controls(at: AppTest) -> dict:
    """The data-changing controls a page shows, and the sign-in ones."""
    return {"uploaders": len(at.file_uploader), "buttons": [b.key for b in at.button],
            "inputs": [t.key for t in at.text_input]}


# ── Who sees the import controls ───────────────────────────────────────────────────────────────

def test_an_anonymous_remote_visitor_sees_no_import_control(site, monkeypatch) -> None:
    visitor(monkeypatch, REMOTE)
    at = import_page()
    assert not at.exception
    assert controls(at) == {"uploaders": 0, "buttons": [], "inputs": []}
    assert [plain_spaces(w.value) for w in at.warning] == [auth.HOW_TO_CONFIGURE]
    assert [plain_spaces(i.value) for i in at.info] == [
        "La consultation est libre ; l'import de fichiers et la reconstruction de la base sont "
        "réservés aux éditeurs connectés."]


def test_a_pending_batch_offers_no_rebuild_or_discard_to_an_anonymous_visitor(site, monkeypatch) -> None:
    """Even with a validated batch in the session (an editor signed out), nothing is offered."""
    visitor(monkeypatch, REMOTE)
    batch = importer.store_uploads([("notes.csv", b"a;b\n1;2\n")])
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90)
    at.session_state["import_pending"] = batch
    at.session_state["import_report"] = None
    at.run()
    assert not at.exception
    assert controls(at) == {"uploaders": 0, "buttons": [], "inputs": []}


def test_the_machine_itself_may_edit_when_nothing_is_configured(site, monkeypatch) -> None:
    visitor(monkeypatch, None)
    at = import_page()
    assert not at.exception
    assert controls(at) == {"uploaders": 1, "buttons": [], "inputs": []}
    assert at.caption[-1].value == ("Modification autorisée depuis la machine de l'application "
                                    "(aucun éditeur configuré).")


@pytest.mark.parametrize("address, headers", [
    ("127.0.0.1", {"x-forwarded-for": REMOTE}),       # a reverse proxy on the same machine
    (None, {"x-real-ip": REMOTE}),
    (None, {"forwarded": f"for={REMOTE}"}),
    ("::1", {"x-forwarded-host": "qpv.example.org"}),
    ("192.168.1.20", {}),                                # the local network is not the machine
])
def test_a_proxied_or_network_visitor_is_not_the_machine_itself(site, monkeypatch, address, headers) -> None:
    visitor(monkeypatch, address, headers)
    at = import_page()
    assert controls(at) == {"uploaders": 0, "buttons": [], "inputs": []}


def test_with_local_editors_configured_the_machine_itself_must_sign_in(site, monkeypatch, alice_hash) -> None:
    visitor(monkeypatch, None)
    at = import_page({"editors": {"local": {"alice": alice_hash}}})
    assert controls(at) == {"uploaders": 0, "buttons": ["FormSubmitter:auth_sign_in-Se connecter"],
                            "inputs": ["auth_username", "auth_password"]}
    assert [w.value for w in at.warning] == []


# ── Local editors (argon2 hashes) ─────────────────────────────────────────────────────────────

def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    return at.button(key="FormSubmitter:auth_sign_in-Se connecter").click().run()


def test_a_local_editor_signs_in_with_the_right_password_only(site, monkeypatch, alice_hash, caplog) -> None:
    visitor(monkeypatch, REMOTE)
    secrets = {"editors": {"local": {"alice": alice_hash}}}
    at = import_page(secrets)
    caplog.set_level(logging.INFO, logger="qpv.auth")

    sign_in(at, "alice", "wrong password")
    assert not at.exception
    assert [e.value for e in at.error] == ["Nom d'utilisateur ou mot de passe incorrect."]
    assert controls(at)["uploaders"] == 0

    sign_in(at, "alice", ALICE_PASSWORD)
    assert not at.exception
    assert controls(at) == {"uploaders": 1, "buttons": ["auth_sign_out"], "inputs": []}
    assert "Connecté en tant qu'éditeur : alice" in [plain_spaces(c.value) for c in at.caption]
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "qpv.auth"] == [
        ("WARNING", f"Échec de connexion éditeur : utilisateur « alice », adresse {REMOTE}"),
        ("INFO", f"Connexion éditeur : utilisateur « alice », adresse {REMOTE}"),
    ]
    assert "wrong password" not in caplog.text and ALICE_PASSWORD not in caplog.text

    at.button(key="auth_sign_out").click().run()
    assert controls(at)["uploaders"] == 0


def test_an_editor_removed_from_the_secrets_loses_the_right_at_the_next_click(site, monkeypatch, alice_hash) -> None:
    visitor(monkeypatch, REMOTE)
    at = import_page({"editors": {"local": {"alice": alice_hash}}})
    sign_in(at, "alice", ALICE_PASSWORD)
    assert controls(at)["uploaders"] == 1
    at.secrets = {"editors": {"local": {"bob": alice_hash}}}
    at.run()
    assert controls(at)["uploaders"] == 0


def test_failed_sign_ins_are_rate_limited_and_logged_without_the_password(site, monkeypatch, alice_hash,
                                                                           caplog) -> None:
    visitor(monkeypatch, REMOTE)
    auth.limiter().clock = lambda: 1000.0          # the process-wide store, with a frozen clock
    at = import_page({"editors": {"local": {"alice": alice_hash}}})
    caplog.set_level(logging.INFO, logger="qpv.auth")
    for n in range(auth.FAILURES_BEFORE_WAIT):
        sign_in(at, "alice\n[faux] admin", f"guess-{n}")
        assert [e.value for e in at.error] == ["Nom d'utilisateur ou mot de passe incorrect."]
    sign_in(at, "alice", ALICE_PASSWORD)          # right password, but this address must wait
    assert [plain_spaces(e.value) for e in at.error] == ["Trop de tentatives échouées : réessayez dans 30 s."]
    assert controls(at)["uploaders"] == 0
    failed = f"Échec de connexion éditeur : utilisateur « alice?[faux] admin », adresse {REMOTE}"
    assert [r.getMessage() for r in caplog.records if r.name == "qpv.auth"] == [failed] * auth.FAILURES_BEFORE_WAIT + [
        f"Connexion éditeur refusée (trop d'échecs) : utilisateur « alice », adresse {REMOTE}"]
    assert "guess-" not in caplog.text and ALICE_PASSWORD not in caplog.text
    assert all("\n" not in r.getMessage() for r in caplog.records if r.name == "qpv.auth")


def test_the_limiter_waits_exponentially_per_key_and_forgets_after_a_success() -> None:
    now = [1000.0]
    lim = auth.Limiter(failures_before_wait=3, first_wait_s=10, max_wait_s=60, clock=lambda: now[0])
    waits = []
    for _ in range(7):
        lim.failure(["user:alice", "ip:203.0.113.7"])
        waits.append(lim.wait_s(["user:alice"]))
    assert waits == [0.0, 0.0, 10.0, 20.0, 40.0, 60.0, 60.0]
    assert lim.wait_s(["user:bob", "ip:198.51.100.1"]) == 0.0          # other keys are free
    assert lim.wait_s(["user:bob", "ip:203.0.113.7"]) == 60.0          # the same address waits
    now[0] += 45
    assert lim.wait_s(["ip:203.0.113.7"]) == 15.0
    lim.success(["user:alice", "ip:203.0.113.7"])
    assert lim.wait_s(["user:alice", "ip:203.0.113.7"]) == 0.0


# ── Identity provider (st.login / st.user) ────────────────────────────────────────────────────

OIDC = {"auth": {"redirect_uri": "https://qpv.example.org/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "qpv", "client_secret": "s",
                 "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"},
        "editors": {"emails": ["Alice@Ville.example"]}}


def test_a_listed_provider_account_edits_and_another_one_only_views(site, monkeypatch) -> None:
    visitor(monkeypatch, REMOTE)
    at = import_page(OIDC, {"is_logged_in": True, "email": "alice@ville.example", "name": "Alice Martin"})
    assert not at.exception
    assert controls(at) == {"uploaders": 1, "buttons": ["auth_sign_out"], "inputs": []}
    # The name and address come from the identity provider: shown as text (indicators.text.md_text).
    assert ("Connecté en tant qu'éditeur : Alice Martin \\(alice\\@\u2060ville\\.example\\)"
            in [plain_spaces(c.value) for c in at.caption])

    at = import_page(OIDC, {"is_logged_in": True, "email": "bob@ville.example", "name": "Bob"})
    assert controls(at) == {"uploaders": 0, "buttons": ["auth_oidc_out"], "inputs": []}
    assert [plain_spaces(w.value) for w in at.warning] == ["Le compte bob\\@\u2060ville\\.example n'est pas dans la liste des "
                                             "éditeurs : il peut consulter, pas modifier."]

    at = import_page(OIDC, {"is_logged_in": False})
    assert controls(at) == {"uploaders": 0, "buttons": ["auth_oidc_in"], "inputs": []}


# ── Client address behind a proxy ─────────────────────────────────────────────────────────────

@pytest.mark.parametrize("peer, xff, trusted, expected", [
    ("10.0.0.2", "198.51.100.9", (), "10.0.0.2"),                         # not trusted: ignored
    ("10.0.0.2", "198.51.100.9", ("10.0.0.2",), "198.51.100.9"),
    ("10.0.0.2", "1.2.3.4, 198.51.100.9", ("10.0.0.0/8",), "198.51.100.9"),   # left part: client's
    ("10.0.0.2", "198.51.100.9, 10.0.0.3", ("10.0.0.0/8",), "198.51.100.9"),
    ("10.0.0.2", "pas-une-adresse", ("10.0.0.2",), "10.0.0.2"),
    ("10.0.0.2", "", ("10.0.0.2",), "10.0.0.2"),
    (None, "198.51.100.9", (), "127.0.0.1"),
])
def test_x_forwarded_for_is_read_only_from_trusted_proxies(peer, xff, trusted, expected) -> None:
    assert auth.resolve_client(peer, {"x-forwarded-for": xff}, trusted) == expected


def test_settings_from_the_secrets() -> None:
    conf = auth.parse_settings({"editors": {"emails": ["A@B.fr "], "trusted_proxies": "10.0.0.2",
                                            "local": {"alice": "$argon2id$x"}}})
    assert conf == auth.Settings(oidc=False, provider=None, emails=frozenset({"a@b.fr"}),
                                 local={"alice": "$argon2id$x"}, trusted_proxies=("10.0.0.2",))
    assert conf.configured and not auth.parse_settings({}).configured


def test_the_hash_command_reads_the_password_without_echo(monkeypatch, capsys) -> None:
    answers = iter([ALICE_PASSWORD, ALICE_PASSWORD])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt: next(answers))
    assert auth.main(["hash"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$") and auth.verify_password(printed, ALICE_PASSWORD)
    assert not auth.verify_password(printed, ALICE_PASSWORD + "!")
    assert auth.main([]) == 2


def test_publishing_records_the_editor(site, monkeypatch) -> None:
    from datetime import datetime

    from etl.build import BuildReport
    built = []

    def fake_build(dirs, db, **kw):
        built.append([Path(d).name for d in dirs])
        return BuildReport("b1", [], str(db), datetime(2026, 3, 2), datetime(2026, 3, 2), "published")
    monkeypatch.setattr(importer, "build", fake_build)
    batch = importer.store_uploads([("notes.csv", b"a;b\n1;2\n")])
    importer.publish_pending(batch.folder, default_dirs=[], author="Alice Martin (alice@ville.example)")
    published = importer.published_batches()
    assert built == [[batch.folder.name]] and [p.name for p in published] == [batch.folder.name]
    assert (published[0] / importer.AUTHOR_FILE).read_text(encoding="utf-8") == \
        "Alice Martin (alice@ville.example)"
    assert [b["author"] for b in importer._read_entries(config.UPLOAD_DIR).values()] == [
        "Alice Martin (alice@ville.example)"]                 # the batch's journal entry (issue 9)


# ── Internal figures: editors only, in pages and exports ──────────────────────────────────────

@pytest.fixture
def internal_action(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo database with one demo action (every year of it) flagged internal; its title."""
    import duckdb
    db = tmp_path / "qpv.duckdb"
    shutil.copy(demo_db_path, db)
    con = duckdb.connect(str(db))
    action_id, title = con.execute("""
        select action_id, any_value(title) from programme_actions where contract_slug = 'demo'
        group by action_id
        having count(distinct title) = 1
           and any_value(title) not in (select title from programme_actions p
                                        where p.action_id <> programme_actions.action_id)
        order by action_id limit 1""").fetchall()[0]
    con.execute("update programme_actions set is_internal = true where contract_slug = 'demo' and action_id = ?",
                [action_id])
    con.close()
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    return title


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict:
    """{file name: callable} of the deferred downloads a page registers."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    captured: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        captured[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return captured


def _programmes(downloads: dict) -> tuple[AppTest, dict[str, str]]:
    """The Programmes page of the demo, and the text of each CSV export it offers."""
    downloads.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "programmes.py"), default_timeout=90)
    at.session_state["territoire"] = "demo"
    at.run()
    assert not at.exception
    return at, {name: make().decode("utf-8-sig") for name, make in downloads.items() if name.endswith(".csv")}


def test_internal_figures_reach_editors_only_in_pages_and_exports(internal_action, downloads, monkeypatch) -> None:
    title = internal_action
    visitor(monkeypatch, None)                        # the machine itself, nothing configured: an editor
    at, csvs = _programmes(downloads)
    shown = [str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel()]
    assert title in shown
    assert [n for n, text in csvs.items() if title in text] != []

    visitor(monkeypatch, REMOTE)                      # then an anonymous visitor, same process and caches
    at, csvs = _programmes(downloads)
    shown = [str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel()]
    assert title not in shown
    assert sorted(csvs) != [] and [n for n, text in csvs.items() if title in text] == []


def test_the_sidebar_tells_an_editor_that_internal_figures_are_shown(internal_action, monkeypatch) -> None:
    import duckdb
    con = duckdb.connect(str(config.DB_PATH), read_only=True)
    n = con.execute("select count(*) from programme_actions where is_internal").fetchall()[0][0]
    con.close()
    notice = (f"Chiffres internes affichés ({n} lignes, éditeurs seulement) : ils figurent aussi dans vos "
              "exports. Les visiteurs non connectés ne les voient pas.")
    for address, shown in ((None, True), (REMOTE, False)):
        visitor(monkeypatch, address)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
        assert not at.exception
        assert (notice in [plain_spaces(c.value) for c in at.sidebar.caption]) == shown


def test_cached_data_is_keyed_by_what_the_session_sees() -> None:
    """A cached result built for an editor (internal figures included) must never be served to a
    visitor: the cached data functions take `view_key()`, not the bare database version."""
    import re
    uses = {path: re.findall(r"^.*\bdb_version\(\).*$", (ROOT / path).read_text(encoding="utf-8"), re.M)
            for path in ("ui/data.py", "ui/exports.py")}
    assert uses == {
        "ui/data.py": ["`st.cache_data`, keyed by `view_key()` (the database file's modification time, `db_version()`,",
                       "def db_version() -> int | None:",
                       "    version = db_version()",      # db_problem(): the file, not its figures
                       "    version = db_version()",      # cursor()
                       "    return db_version(), auth.sees_internal()"],
        "ui/exports.py": [],
    }


# ── Who the visitor is, memoised for one script run (issue #15) ─────────────────────────────

def _asks_fifty_times() -> None:
    import streamlit as st

    from ui import auth
    if st.button("Entrer", key="in"):
        st.session_state[auth.SESSION_KEY] = auth.Editor("alice")
    answers = [auth.sees_internal() for _ in range(25)]
    if st.button("Sortir", key="out"):
        st.session_state.pop(auth.SESSION_KEY, None)
    answers += [auth.sees_internal() for _ in range(25)]
    st.write(" ".join("o" if a else "n" for a in answers))


def test_who_the_visitor_is_is_worked_out_once_per_run_and_follows_sign_in_and_out(
        site, monkeypatch, alice_hash) -> None:
    visitor(monkeypatch, REMOTE)
    calls = {"settings": 0, "editor": 0}
    read, editor = auth._read_settings, auth.current_editor

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(auth, "_read_settings", counted("settings", read))
    monkeypatch.setattr(auth, "current_editor", counted("editor", editor))
    at = AppTest.from_function(_asks_fifty_times, default_timeout=60)
    at.secrets = {"editors": {"local": {"alice": alice_hash}}}

    def run(click: str | None = None) -> tuple[str, dict]:
        calls.update(settings=0, editor=0)
        (at.button(key=click).click() if click else at).run()
        assert not at.exception
        return at.markdown[0].value, dict(calls)

    no, yes = " ".join(["n"] * 25), " ".join(["o"] * 25)
    once = {"settings": 1, "editor": 1}
    assert run() == (f"{no} {no}", once)
    assert run("in") == (f"{yes} {yes}", once)              # signed in during the run: seen at once
    assert run() == (f"{yes} {yes}", once)
    assert run("out") == (f"{yes} {no}", {"settings": 1, "editor": 2})     # signed out mid-run
    assert run() == (f"{no} {no}", once)
    at.secrets = {"editors": {"local": {"bob": alice_hash}}}    # the secrets are read again each run
    assert run("in") == (f"{no} {no}", once)


def test_outside_a_script_run_nothing_is_memoised() -> None:
    values = iter(range(10))
    assert [auth.per_run("x", lambda: next(values)) for _ in range(3)] == [0, 1, 2]
