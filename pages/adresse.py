"""Adresse → quartier: is this address (or point) in a QPV? One search, or a whole file returned
with its QPVs. Offline: the contours and the Base Adresse Nationale held in the database
(indicators/locate.py, indicators/geocode.py). Public: nothing is stored."""
from __future__ import annotations

import config
import streamlit as st

from indicators import locate
from indicators.geocode import ADDRESS_ROLES, ROLE_LABELS
from reports import located as located_io
from ui import components, data, maps

components.current_selection()
components.base_style()
st.title("Adresse → quartier")
st.caption("Une adresse ou un fichier d'adresses ou de coordonnées : le quartier prioritaire de "
           "chacune, sans connexion, d'après les contours et la Base Adresse Nationale chargés.")
st.info(locate.DISCLAIMER, icon=":material/info:")

contours, ban = data.locator()
if not contours.qpv:
    components.empty_note("Aucun contour de quartier prioritaire n'est chargé : importez le fichier "
                          "des contours de l'ANCT (page « Importer des fichiers »).")
    st.stop()
geographies = contours.geographies
geography = geographies[0]
if len(geographies) > 1:
    geography = st.radio("Géographie", geographies, key="adr_geo", horizontal=True,
                         format_func=locate.geography_label)
if ban is None:
    st.caption("Aucune adresse de la Base Adresse Nationale n'est chargée : seules des coordonnées "
               "peuvent être localisées (importez un fichier adresses-XX.csv de adresse.data.gouv.fr).")

one, many = st.tabs(["Une adresse", "Un fichier"])
with one:
    with st.form("adr_search", border=False):
        # A placeholder short enough for a phone's field (the long one was cut at 390 px).
        text = st.text_input("Adresse ou coordonnées", key="adr_text",
                             placeholder="numéro, voie, commune",
                             help="Numéro, voie, code postal et commune, ou des coordonnées "
                                  "« latitude, longitude » en degrés décimaux.")
        submitted = st.form_submit_button("Chercher", type="primary")
    if text:
        row = locate.search(text, contours, ban, geography)
        for line in locate.result_lines(row):
            st.text(line)          # plain text: labels from files are never read as Markdown
        if data.is_fictional_territory(row.get("qpv_code")) or data.is_fictional_territory(row.get("commune_code")):
            st.markdown(f'<span class="qpv-demo-mark">⚠ {components.esc(config.DEMO_MARK)}</span>',
                        unsafe_allow_html=True)
        if row.get("qpv_code") and geography != 2015:
            st.markdown(f"[Ouvrir le portrait du quartier {components.esc(row['qpv_name'])}]"
                        f"(/portrait?qpv={row['qpv_code']})")
        lon, lat = row["located_lon"], row["located_lat"]
        if lon == lon and lat == lat and lon is not None:
            qpvs, communes = data.shapes_near(float(lon), float(lat), geography)
            st.pydeck_chart(maps.point_deck(float(lon), float(lat), qpvs, communes, row.get("qpv_code")),
                            key="adr_map", height=420)

with many:
    upload = st.file_uploader("Fichier CSV ou XLSX (une ligne par adresse ou par point)",
                              type=["csv", "xlsx", "txt"], key="adr_file")
    if upload is not None:
        try:
            table = located_io.read_file(upload.getvalue(), upload.name)
        except Exception as exc:  # noqa: BLE001 - EtlError names file, line and column
            st.error(str(exc))
            st.stop()
        guessed = locate.guess_columns(table)
        columns = [None, *map(str, table.columns)]
        label = lambda c: "—" if c is None else c  # noqa: E731
        mode = st.radio("Le fichier donne", ["coordonnées", "adresses"], horizontal=True,
                        index=0 if guessed.coords else 1, key="adr_mode")
        if mode == "coordonnées":
            c1, c2, c3 = st.columns(3)
            x = c1.selectbox("Longitude ou X", columns, key="adr_x", format_func=label,
                             index=columns.index(guessed.coords[0]) if guessed.coords else 0)
            y = c2.selectbox("Latitude ou Y", columns, key="adr_y", format_func=label,
                             index=columns.index(guessed.coords[1]) if guessed.coords else 0)
            epsg = c3.selectbox("Système", [4326, 2154], key="adr_epsg",
                                index=1 if guessed.coords and guessed.coords[2] == 2154 else 0,
                                format_func={4326: "WGS84 (degrés)", 2154: "Lambert-93 (mètres)"}.get)
            chosen = locate.Columns(coords=(x, y, epsg) if x and y else None)
        else:
            cells = st.columns(4)
            roles = {}
            for i, role in enumerate(ADDRESS_ROLES):
                found = guessed.address.get(role)
                pick = cells[i % 4].selectbox(ROLE_LABELS[role], columns, key=f"adr_role_{role}",
                                              format_func=label,
                                              index=columns.index(found) if found in columns else 0)
                if pick:
                    roles[role] = pick
            chosen = locate.Columns(address=roles if ("address" in roles or "street" in roles) else {})
        if chosen.empty:
            st.warning("Choisissez les colonnes des coordonnées, ou au moins la colonne de l'adresse "
                       "ou de la voie.")
        elif chosen.address and ban is None:
            st.warning("Aucune adresse de la Base Adresse Nationale n'est chargée : localisez des "
                       "coordonnées, ou importez le fichier adresses-XX.csv du département.")
        elif st.button("Localiser", type="primary", key="adr_go"):
            with st.spinner("Localisation…"):
                result = locate.locate_rows(table, contours, columns=chosen, geography=geography,
                                            ban=ban)
            st.session_state["adr_result"] = (upload.name, result)
        done = st.session_state.get("adr_result")
        if done and done[0] == upload.name:
            result = done[1]
            summary = locate.summary(result)
            st.subheader("Synthèse")
            if any(data.is_fictional_territory(c) for c in
                   set(result["qpv_code"].dropna()) | set(result["commune_code"].dropna())):
                st.markdown(f'<span class="qpv-demo-mark">⚠ {components.esc(config.DEMO_MARK)}</span>',
                            unsafe_allow_html=True)
            components.table(summary, hide_index=True, key="adr_summary")
            out = locate.output_frame(result)
            components.table(out.head(200), hide_index=True, key="adr_preview")
            stem = upload.name.rsplit(".", 1)[0] + "_qpv"
            d1, d2 = st.columns(2)
            d1.download_button("Télécharger (CSV)", located_io.to_csv(out), file_name=f"{stem}.csv",
                               mime="text/csv", key="adr_csv")
            d2.download_button("Télécharger (XLSX)", located_io.to_xlsx(out, summary, locate.DISCLAIMER),
                               file_name=f"{stem}.xlsx", key="adr_xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
