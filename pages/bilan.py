"""Bilan par quartier: theme by theme, the need at the start, what was decided and done, what changed."""
from __future__ import annotations

import streamlit as st

from indicators.fmt import of_name
from indicators.text import md_text
from ui import components, data, exports, views

selection = components.current_selection()
components.page_header("Bilan par quartier", selection)

reviewed = data.review_territories(selection.contract_slug)
if reviewed.empty:
    components.empty_note("Aucun bilan « besoin / fait / changé » n'est saisi pour ce territoire. "
                          "Il se saisit dans le modèle de programme (voir « Données et "
                          "méthode », « Pour les techniciens »).")
    st.stop()

names = dict(zip(reviewed["territory_code"].fillna(""), reviewed["territory_name"]))
codes = list(names)
default = codes.index(selection.qpv_code) if selection.qpv_code in codes else 0
code = st.selectbox("Quartier", codes, index=default, key="bilan_territory",
                    format_func=lambda c: names[c]) if len(codes) > 1 else codes[0]
review = data.review(selection.contract_slug, code or None)
if selection.qpv_code and selection.qpv_code not in codes:
    # The selected quartier has no review: say so, never show another one's as if it were its own.
    components.empty_note(f"Aucun bilan n'est saisi pour {md_text(selection.qpv_name or selection.qpv_code)} ; "
                          f"voici celui {md_text(of_name(names[code]))}.")

st.header(md_text(names[code]), divider="gray", anchor=False)
if code in set(data.contract_qpvs(selection.contract_slug)["qpv_code"]):
    exports.download_mandate(selection, ["bilans"], [code], key="dl_review_pdf",
                             label="Télécharger le bilan (PDF)", stem=f"bilan_{code}")
for item in review.intro:
    st.markdown(md_text(item.text))

for block in views.review_blocks(review):
    st.subheader(md_text(block["theme"]), anchor=False)
    columns = st.columns(3)
    for column, (title, texts) in zip(columns, block["parts"]):
        with column, st.container(border=True):
            st.markdown(f"**{title}**")
            st.markdown("\n\n".join(md_text(t) for t in texts) or "—")
    if block["figures"]:
        st.markdown("**En chiffres** : " + " · ".join(md_text(t) for t in block["figures"]))
    components.source_line(block["source"], shown=block["short"])
