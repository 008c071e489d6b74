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

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
