"""`python -m ui.serve [streamlit options]`: `streamlit run app.py` without Streamlit's first-run
« Page not found ».

Streamlit 1.67 decides, when its first session starts, that an app beside a `pages/` folder is an
old-style multipage app (`PagesManager.uses_pages_directory`), until app.py calls
st.navigation. The very first request the server gets is therefore resolved against the files'
names, not against app.py's pages: `/droit-commun` (file `droit_commun.py`) or `/accueil` (file
`mandat.py`) opened on a fresh server showed Streamlit's English « Page not found » dialog over the
right page. This launcher switches that mode off before the server starts, as app.py's
st.navigation would, and otherwise is `streamlit run app.py` with the same options.
(`ui.components.current_selection` still copes with a server started by `streamlit run`.)
"""
from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
# What app.py imports (pandas, duckdb, shapely, plotly's figures… behind them): the server imports
# it in the background as it starts, so the first visitor's run does not (issue #15: 3,8 s of
# CPU before the first figure of a new server's first session, most of it imports).
PRELOAD = ("indicators.text", "ui.auth", "ui.components", "ui.data", "ui.state", "ui.views")
PRELOAD_THREAD = "qpv-preload"


def preload() -> None:
    """Import PRELOAD (a script run that needs a module meanwhile waits for its import)."""
    for name in PRELOAD:
        importlib.import_module(name)


def _start_preload(_sender=None) -> None:
    if not any(t.name == PRELOAD_THREAD for t in threading.enumerate()) and "ui.data" not in sys.modules:
        threading.Thread(target=preload, name=PRELOAD_THREAD, daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    from streamlit import config
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    # Once Streamlit has read its options (the command's flags included): the app's modules
    # read them as they are imported.
    config.on_config_parsed(_start_preload)
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
