"""Issue #15: what the server sends before the home page's first figure. A new session's first
run of the home page (app.py with its navigation) sends the sidebar, then the page's title, its
territory line and its key figures, the financing read after them. (Sending the sidebar after the
page was tried: the server sent the figures sooner, but Chromium drew them later, the selectors'
code then loading between the figures' message and their display: 3,66 s against 3,46 s, medians
of 6 alternated visits.) And no page relies on Streamlit's « magic », which the app's config
switches off."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from streamlit.runtime.scriptrunner import magic
from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
ROOTS = {0: "main", 1: "sidebar", 2: "event", 3: "bottom"}


def _sent(monkeypatch, query: dict[str, str], page: str | None = None) -> tuple[list[str], AppTest]:
    """The elements app.py's first run sends, in order: « root:type » (with its first words for
    a heading, a Markdown block, an alert and a metric's label), up to its first st.metric (all of
    them when there is none), and the AppTest after the run."""
    order: list[str] = []
    real = ScriptRunContext.enqueue

    def enqueue(self, msg) -> None:
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            kind = element.WhichOneof("type")
            text = {"heading": "body", "markdown": "body", "alert": "body", "metric": "label"}.get(kind)
            order.append(f"{ROOTS.get(msg.metadata.delta_path[0], '?')}:{kind}"
                         + (f"={getattr(getattr(element, kind), text)[:30]}" if text else ""))
        real(self, msg)

    monkeypatch.setattr(ScriptRunContext, "enqueue", enqueue)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    first_metric = next((i for i, x in enumerate(order) if ":metric" in x), len(order) - 1)
    return order[:first_metric + 1], at


# Sent before the page: the French document script, the territory and QPV selectors.
SIDEBAR = ["sidebar:html", "sidebar:selectbox", "sidebar:selectbox"]


def test_home_page_sends_its_key_figures_first_after_the_sidebar(demo_db, monkeypatch) -> None:
    sent, at = _sent(monkeypatch, {"territoire": "demo"})
    assert sent == SIDEBAR + ["sidebar:markdown=QN09903M · Lorneville / Saint\\", "sidebar:checkbox",
                              "event:html"] + [
        "main:heading=Les chiffres du mandat", "main:markdown=Contrat de ville de Val\\-de\\-L",
        'main:markdown=<span class="qpv-demo-mark">⚠ ', "main:heading=Les chiffres clés",
        "main:metric=Droits ouverts ou rouverts"]
    # The sidebar is all there once the run is over.
    assert [s.label for s in at.sidebar.selectbox] == ["Territoire (contrat de ville)", "Quartier (QPV)"]
    assert at.sidebar.selectbox[0].value == "demo"
    assert [t.label for t in at.sidebar.toggle] == ["Mode présentation"]
    # Without key figures the first figure is the financing total, after the note.
    sent, at = _sent(monkeypatch, {"territoire": "chartres-metropole"})
    assert sent == SIDEBAR + ["sidebar:markdown=QN02804M · Lucé", "sidebar:checkbox", "event:html"] + [
        "main:heading=Les chiffres du mandat", "main:markdown=Contrat de ville de l'agglomér",
        "main:alert=Aucun indicateur de suivi n'es", "main:heading=Financements et effet levier",
        "main:metric=Financements saisis (2022)"]
    assert at.sidebar.selectbox[0].value == "chartres-metropole"
    assert [c.value for c in at.sidebar.caption] == ["QN02804M · Lucé"]


def test_other_pages_keep_their_sidebar_first(demo_db, monkeypatch) -> None:
    sent, _ = _sent(monkeypatch, {"territoire": "demo"}, page="pages/bilan.py")
    title = sent.index("main:heading=Bilan par quartier")
    assert [x for x in sent[:title] if not x.startswith("main:")] == [
        "sidebar:html", "sidebar:selectbox", "sidebar:selectbox",
        "sidebar:markdown=QN09903M · Lorneville / Saint\\", "sidebar:checkbox", "event:html"]


def test_magic_is_off_and_no_page_relies_on_it() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["runner"]["magicEnabled"] is False
    scripts = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    written = {}
    for path in scripts:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(magic.add_magic(source, str(path)))
        tree.body = [n for n in tree.body if not (isinstance(n, ast.Import) and
                                                  n.names[0].asname == "__streamlitmagic__")]
        # Magic rewrites each bare expression it would write; nothing else changes.
        if ast.dump(tree) != ast.dump(ast.parse(source)):
            written[path.name] = True
    assert written == {}
    assert len(scripts) == 14
