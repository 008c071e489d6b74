"""Who may change the data: viewing is open, importing and rebuilding need a signed-in editor.

    editor = auth.require_editor()      # renders the sign-in UI and returns None when not allowed
    if editor is None:
        st.stop()
    importer.publish_pending(folder, author=editor.label)

Editors are configured in `.streamlit/secrets.toml` (never versioned), in this order:

1. **An identity provider (OpenID Connect)**: Streamlit's `st.login` / `st.user`, configured under
   `[auth]` (redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url, or one
   `[auth.<provider>]` section per provider). Editors are the e-mail addresses listed in
   `[editors] emails = [...]`; any other signed-in account only views.
2. **Local editors**: `[editors.local]` maps a user name to an argon2id hash
   (`python -m ui.auth hash` prints one), checked with argon2-cffi from a small sign-in form.
3. **Nothing configured**: editing is allowed only from the machine itself (a loopback client
   address, and no proxy header), and the page says how to configure editors.

Failed sign-ins are rate-limited per user name and per client address (`FAILURES_BEFORE_WAIT`
failures, then a wait that doubles at each further failure, in a process-wide store) and logged
(logger `qpv.auth`, in French: user name made printable, client address, never the password).

The client address is the peer Streamlit's server saw (`st.context.ip_address`; None for a
loopback client). `X-Forwarded-For` is not read unless that peer is listed in
`[editors] trusted_proxies`. Streamlit 1.67's server (uvicorn) itself applies `X-Forwarded-For`
from the addresses of `FORWARDED_ALLOW_IPS` (default 127.0.0.1 and ::1, i.e. a proxy on the same
machine), so a request that carries a proxy header is never "the machine itself".

Signed-in editors (and the machine itself when nothing is configured) also see the internal
figures of the programme template (indicators/visibility.py); nobody else does.
"""
from __future__ import annotations

import getpass
import ipaddress
import logging
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Hashable, Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from indicators.text import md_text

LOG = logging.getLogger("qpv.auth")

FAILURES_BEFORE_WAIT = 5
FIRST_WAIT_S = 30.0
MAX_WAIT_S = 3600.0
SESSION_KEY = "auth_editor"
MAX_NAME_CHARS, MAX_PASSWORD_CHARS = 100, 1024
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")

HOW_TO_CONFIGURE = (
    "Aucun éditeur n'est configuré : l'import et la reconstruction de la base ne sont possibles que "
    "depuis la machine qui fait tourner l'application. Pour autoriser des éditeurs, ajoutez dans "
    "`.streamlit/secrets.toml` soit une section `[editors.local]` avec, pour chaque éditeur, "
    "l'empreinte de son mot de passe (`nom = \"$argon2id$…\"`, produite par "
    "`python -m ui.auth hash`), soit un fournisseur d'identité OpenID Connect dans `[auth]` et la "
    "liste des adresses électroniques autorisées dans `[editors] emails = [...]` (voir le README, "
    "« Deploying for others »)."
)


@dataclass(frozen=True)
class Editor:
    """A person allowed to change the data."""
    name: str
    email: str | None = None
    method: str = "password"        # password | oidc | local

    @property
    def label(self) -> str:
        """How the build history records who published: « Alice (alice@ville.fr) »."""
        if self.email and self.email != self.name:
            return f"{self.name} ({self.email})"
        return self.name


@dataclass(frozen=True)
class Settings:
    """What `.streamlit/secrets.toml` says about editors."""
    oidc: bool = False                               # an [auth] section exists
    provider: str | None = None                      # [editors] provider, for st.login(provider)
    emails: frozenset[str] = frozenset()             # [editors] emails
    local: Mapping[str, str] = field(default_factory=dict)   # [editors.local] name → argon2 hash
    trusted_proxies: tuple[str, ...] = ()            # [editors] trusted_proxies

    @property
    def configured(self) -> bool:
        return self.oidc or bool(self.local)


def parse_settings(secrets: Mapping) -> Settings:
    """Settings from the secrets as a mapping (st.secrets.to_dict())."""
    editors = dict(secrets.get("editors") or {})
    local = {str(k): str(v) for k, v in dict(editors.get("local") or {}).items()}
    emails = editors.get("emails") or []
    if isinstance(emails, str):
        emails = [emails]
    proxies = editors.get("trusted_proxies") or []
    if isinstance(proxies, str):
        proxies = [proxies]
    return Settings(oidc=bool(secrets.get("auth")), provider=editors.get("provider") or None,
                    emails=frozenset(str(e).strip().lower() for e in emails if str(e).strip()),
                    local=local, trusted_proxies=tuple(str(p).strip() for p in proxies))


def _read_settings() -> Settings:
    try:
        return parse_settings(st.secrets.to_dict())
    except FileNotFoundError:          # StreamlitSecretNotFoundError: no secrets.toml at all
        return Settings()


def settings() -> Settings:
    """The editors' settings of this app (empty when there is no secrets file), read once per
    script run (see `per_run`)."""
    return per_run("settings", _read_settings)


# ── Memoised for one script run ─────────────────────────────────────────────────────────────────

_RUN_MEMO = "_auth_run_memo"


def _this_run() -> object | None:
    """An object that stays the same all through one script run of this session and is new at
    its next run (Streamlit gives each run, and each fragment rerun, a new dict of cursors), or
    None outside a script run (a plain script, a background thread)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "cursors", None) if ctx is not None else None


def per_run(key: Hashable, compute: Callable[[], object]):
    """compute(), computed once per `key` and script run of this session (issue #15: a portrait asked who
    the visitor is about 175 times a run, and each answer parsed the secrets and read the
    connection's headers). Sign-in and sign-out each end with st.rerun(), and the signed-in
    editor is part of what `sees_internal` is memoised on, so neither waits for another run."""
    run = _this_run()
    if run is None:
        return compute()
    memo = st.session_state.get(_RUN_MEMO)
    if memo is None or memo[0] is not run:      # the memo holds its run: the id is never reused
        memo = (run, {})
        st.session_state[_RUN_MEMO] = memo
    values = memo[1]
    if key not in values:
        values[key] = compute()
    return values[key]


# ── Where the visitor connects from ─────────────────────────────────────────────────────────────

def peer_address() -> str | None:
    """The address of the connection as Streamlit's server saw it; None for a loopback client
    and when there is no network connection at all (a script or a test on this machine: AppTest
    gives a stand-in object, not an address)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def request_headers() -> Mapping[str, str]:
    """The headers of the browser's connection (empty outside a browser session)."""
    try:
        return {k.lower(): v for k, v in st.context.headers.items()}
    except Exception:                  # noqa: BLE001 — no session: no headers
        return {}


def _is_loopback(address: str | None) -> bool:
    if address is None:
        return True
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().split("%")[0])
    except ValueError:
        return False
    for net in networks:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve_client(peer: str | None, headers: Mapping[str, str],
                   trusted_proxies: tuple[str, ...]) -> str:
    """The client's address: the peer itself, unless the peer is a trusted proxy; then the
    right-most address of X-Forwarded-For that is not a trusted proxy (the left part of the
    header is whatever the client sent, so it is never read)."""
    address = peer or "127.0.0.1"
    if not trusted_proxies or not _in(address, trusted_proxies):
        return address
    hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted_proxies):
            return hop if _in(hop, ("0.0.0.0/0", "::/0")) else address
    return address


def client_address(conf: Settings | None = None) -> str:
    """The visitor's address, as logged and rate-limited."""
    conf = conf or settings()
    return resolve_client(peer_address(), request_headers(), conf.trusted_proxies)


def is_this_machine() -> bool:
    """Whether the visitor uses the machine the app runs on: a loopback peer and no proxy header
    (behind a reverse proxy on the same machine every visitor would otherwise look local)."""
    headers = request_headers()
    if any(h in headers for h in PROXY_HEADERS):
        return False
    return _is_loopback(peer_address())


# ── Failed sign-ins: a process-wide limiter ─────────────────────────────────────────────────────

class Limiter:
    """Failures per key (a user name, an address): after `failures_before_wait` failures, each
    new attempt waits `first_wait_s`, doubled at each further failure (at most `max_wait_s`)."""

    def __init__(self, failures_before_wait: int = FAILURES_BEFORE_WAIT, first_wait_s: float = FIRST_WAIT_S,
                 max_wait_s: float = MAX_WAIT_S, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000):
        self.failures_before_wait, self.first_wait_s, self.max_wait_s = failures_before_wait, first_wait_s, max_wait_s
        self.clock, self.max_keys = clock, max_keys
        self._state: dict[str, tuple[int, float]] = {}      # key → (failures, last failure time)
        self._lock = threading.Lock()

    def _wait(self, failures: int) -> float:
        if failures < self.failures_before_wait:
            return 0.0
        return min(self.max_wait_s, self.first_wait_s * 2 ** (failures - self.failures_before_wait))

    def wait_s(self, keys: list[str]) -> float:
        """Seconds before `keys` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [self._wait(n) - (now - last) for n, last in (self._state.get(k, (0, now)) for k in keys)]
        return max([0.0, *waits])

    def failure(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            if len(self._state) >= self.max_keys:          # forget the oldest, never grow unbounded
                for key, _ in sorted(self._state.items(), key=lambda kv: kv[1][1])[: self.max_keys // 10]:
                    del self._state[key]
            for key in keys:
                n, _ = self._state.get(key, (0, now))
                self._state[key] = (n + 1, now)

    def success(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._state.pop(key, None)


@st.cache_resource(show_spinner=False)
def limiter() -> Limiter:
    """The limiter shared by every session of this process."""
    return Limiter()


def shown_name(username: str) -> str:
    """A user name as it may be written in a log line: printable characters only, at most 64."""
    text = "".join(ch if ch.isprintable() and ch not in "«»" else "?" for ch in str(username))
    return text if len(text) <= 64 else text[:63] + "…"


# ── Passwords (argon2id) ────────────────────────────────────────────────────────────────────────

def hash_password(password: str) -> str:
    from argon2 import PasswordHasher
    return PasswordHasher().hash(password)


_DUMMY_HASH: list[str] = []


def verify_password(hashed: str | None, password: str) -> bool:
    """Whether `password` matches the argon2 hash (an unknown user is checked against a dummy
    hash, so the answer takes the same time)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
    if hashed is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("utilisateur inconnu"))
        hashed, password = _DUMMY_HASH[0], password + "\x00"
        try:
            PasswordHasher().verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass
        return False
    try:
        return PasswordHasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(conf: Settings, username: str, password: str, address: str,
            store: Limiter | None = None) -> tuple[Editor | None, str | None]:
    """(the editor, None) when the name and password match a local editor; (None, the French
    message to show) otherwise. Failures are counted and logged; a user name or address that
    failed too often is refused without checking the password."""
    store = store or limiter()
    name = username.strip()[:MAX_NAME_CHARS]
    password = password[:MAX_PASSWORD_CHARS]
    keys = [f"user:{name.lower()}", f"ip:{address}"]
    wait = store.wait_s(keys)
    if wait > 0:
        LOG.warning("Connexion éditeur refusée (trop d'échecs) : utilisateur « %s », adresse %s",
                    shown_name(name), address)
        return None, f"Trop de tentatives échouées : réessayez dans {math.ceil(wait)} s."
    if verify_password(conf.local.get(name), password):
        store.success(keys)
        LOG.info("Connexion éditeur : utilisateur « %s », adresse %s", shown_name(name), address)
        return Editor(name), None
    store.failure(keys)
    LOG.warning("Échec de connexion éditeur : utilisateur « %s », adresse %s", shown_name(name), address)
    return None, "Nom d'utilisateur ou mot de passe incorrect."


# ── Who is the visitor ──────────────────────────────────────────────────────────────────────────

def _oidc_user() -> Mapping:
    try:
        return st.user.to_dict()
    except Exception:                  # noqa: BLE001 — no session: nobody signed in
        return {}


def current_editor(conf: Settings | None = None) -> Editor | None:
    """The editor using this session, without rendering anything (None: a visitor who views)."""
    conf = conf or settings()
    if conf.oidc:
        user = _oidc_user()
        email = str(user.get("email") or "").strip().lower()
        if user.get("is_logged_in") and email and email in conf.emails and user.get("email_verified") is not False:
            return Editor(str(user.get("name") or email), email, "oidc")
    signed = st.session_state.get(SESSION_KEY)
    if isinstance(signed, Editor) and signed.name in conf.local:
        return signed
    if not conf.configured and is_this_machine():
        return Editor("poste local", None, "local")
    return None


def sees_internal() -> bool:
    """Whether this session may see internal figures: a signed-in editor only (once per run and
    signed-in editor: see `per_run`)."""
    signed = st.session_state.get(SESSION_KEY)
    if not isinstance(signed, Editor | None):
        return current_editor() is not None
    return per_run(("sees_internal", signed), lambda: current_editor() is not None)


def internal_notice(n_internal_rows: int) -> None:
    """A caption telling an editor that the internal figures of the database are shown, hence in
    the exports too (`n_internal_rows`: what the session sees; always 0 for a visitor)."""
    if n_internal_rows and sees_internal():
        st.caption(f"Chiffres internes affichés ({n_internal_rows} lignes, éditeurs seulement) : ils "
                   "figurent aussi dans vos exports. Les visiteurs non connectés ne les voient pas.")


def require_editor() -> Editor | None:
    """The editor using this session, or None after rendering (in French) why the visitor cannot
    change the data and how to sign in."""
    conf = settings()
    editor = current_editor(conf)
    if editor is not None:
        _signed_in_bar(editor)
        return editor
    st.info("La consultation est libre ; l'import de fichiers et la reconstruction de la base sont "
            "réservés aux éditeurs connectés.")
    if not conf.configured:
        st.warning(HOW_TO_CONFIGURE)
        return None
    if conf.oidc:
        _oidc_sign_in(conf)
    if conf.local:
        _password_form(conf)
    return None


def _signed_in_bar(editor: Editor) -> None:
    if editor.method == "local":
        st.caption("Modification autorisée depuis la machine de l'application (aucun éditeur configuré).")
        return
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.caption(f"Connecté en tant qu'éditeur : {md_text(editor.label)}")
    if c2.button("Se déconnecter", key="auth_sign_out"):
        st.session_state.pop(SESSION_KEY, None)
        if editor.method == "oidc":
            st.logout()
        st.rerun()


def _oidc_sign_in(conf: Settings) -> None:
    user = _oidc_user()
    if user.get("is_logged_in"):
        st.warning(f"Le compte {md_text(user.get('email') or user.get('name') or '')} n'est pas dans la liste des "
                   "éditeurs : il peut consulter, pas modifier.")
        if st.button("Se déconnecter", key="auth_oidc_out"):
            st.logout()
        return
    if st.button("Se connecter avec le fournisseur d'identité", key="auth_oidc_in", type="primary"):
        st.login(conf.provider) if conf.provider else st.login()


def _password_form(conf: Settings) -> None:
    with st.form("auth_sign_in"):
        st.markdown("**Connexion éditeur**")
        username = st.text_input("Nom d'utilisateur", key="auth_username", max_chars=MAX_NAME_CHARS)
        password = st.text_input("Mot de passe", type="password", key="auth_password",
                                 max_chars=MAX_PASSWORD_CHARS)
        submitted = st.form_submit_button("Se connecter")
    if not submitted:
        return
    editor, message = sign_in(conf, username, password, client_address(conf))
    if editor is None:
        st.error(message)
        return
    st.session_state[SESSION_KEY] = editor
    st.rerun()


# ── python -m ui.auth hash ──────────────────────────────────────────────────────────────────────

def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["hash"]:
        print("Usage : python -m ui.auth hash   (demande un mot de passe et affiche son empreinte "
              "argon2id pour [editors.local] de .streamlit/secrets.toml)", file=sys.stderr)
        return 2
    password = getpass.getpass("Mot de passe : ")
    if len(password) < 12:
        print("Mot de passe trop court : au moins 12 caractères.", file=sys.stderr)
        return 1
    if getpass.getpass("Encore une fois : ") != password:
        print("Les deux saisies diffèrent.", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
