"""Issue 11, final review (RX): a source line right above a bordered expander keeps some room from
it, as from a row of download buttons. Streamlit pulls a markdown block up by 1rem, so the line's
last letters sat on the expander's border (Chartres métropole's actions on « Programmes et
financements »: their source line, then « Détail d'une action », 1 px apart at 390 and 1 440 px).
A page built by code (components.base_style, source_line, an expander, a row of buttons),
measured in Chromium."""
from __future__ import annotations

import pytest

from tests.app.browser_support import script_measures

pytestmark = pytest.mark.browser

SOURCE = ("financements saisis par l'équipe du contrat (modèle de programme), d'après « Politique de "
          "la ville (page du site de Chartres métropole) » (Chartres métropole, 21 septembre 2023)")
SCRIPT = f'''
import streamlit as st
from ui import components

components.base_style()
components.source_line({SOURCE!r})
with st.expander("Détail d'une action (description, quartiers, financeurs, source)"):
    st.write("détail")
components.source_line({SOURCE!r})
with st.container(key="dlrow_demo", horizontal=True):
    st.button("Télécharger (CSV)")
components.source_line("Politique de la ville, 2023")
st.write("texte suivant")
'''

# Every source line: its first words, what follows it, and the room in px between the line's
# bottom and the top of what follows.
GAPS_JS = """() => [...document.querySelectorAll('.qpv-source')].map(s => {
  const next = s.closest('[data-testid="stElementContainer"]').nextElementSibling;
  const inner = next.querySelector('[data-testid="stExpander"], div[class*="st-key-dlrow_"]') || next;
  const kind = inner.getAttribute('data-testid');
  return [s.innerText.replace(/[\\s\\u2060]+/g, ' ').slice(0, 20), kind,
          Math.round(inner.getBoundingClientRect().top - s.getBoundingClientRect().bottom)];
})"""


def test_a_source_line_does_not_sit_on_the_expander_under_it(tmp_path) -> None:
    found = script_measures(SCRIPT, tmp_path, "document.querySelectorAll('.qpv-source').length >= 3 && "
                            "document.querySelector('[data-testid=\"stExpander\"]')", GAPS_JS)
    expected = [["Source : financement", "stExpander", 8], ["Source : financement", "stHorizontalBlock", 8]]
    # A line followed by text keeps Streamlit's own spacing (not made wider).
    assert {w: rows[:2] for w, rows in found.items()} == {1440: expected, 390: expected}
    assert [rows[2][:2] for rows in found.values()] == [["Source : Politique d", "stElementContainer"]] * 2
    assert [rows[2][2] for rows in found.values()] == [found[1440][2][2]] * 2
