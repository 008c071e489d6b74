"""Download buttons of the pages: tables (CSV, XLSX), charts and maps (PNG, SVG), PDFs.

Every file is built by `reports/` (tables, images, pdf) and only when the user clicks: the
buttons get a callable (`st.download_button(data=callable)`, run by Streamlit on a worker thread
at the click), so opening a page neither starts Chromium (charts, maps) nor lays out a PDF.
Images and PDFs are cached by (database version, parameters, day) with `st.cache_data`, so a
second click is instant. In "mode présentation" the buttons are hidden (clean screenshots).

Every file says what it shows and where it comes from: title, territory, date, the sources of
the figures (files of the `sources` table, plus the document lines shown in the app), the demo
mark for the fictional territory; withheld values stay « secret statistique » (never 0).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import config
from indicators.text import md_text, no_break_format
from reports import tables
from ui import components, data, state
from ui.charts import PLOTLY_LOCK

ICON = ":material/download:"
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "zip": "application/zip",
}

Sources = Sequence | Callable[[], Sequence] | None


# ── Pure helpers ────────────────────────────────────────────────────────────────────────────
def slug(text: str, max_len: int = 60) -> str:
    """An ASCII file-name part: 'Portrait – Aubépins' → 'Portrait-Aubepins'."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    out = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_text).strip("-_")
    return out[:max_len].rstrip("-") or "export"


def file_name(*parts: str, ext: str) -> str:
    """'tableau_demo.csv' from ('tableau', 'demo'); parts are slugged, empty parts dropped."""
    return "_".join(slug(p) for p in parts if p) + f".{ext}"


def mark_for(selection: state.Selection) -> str | None:
    return config.DEMO_MARK if selection.is_fictional else None


def table_bytes(df: pd.DataFrame, fmt: str, *, title: str, territory: str, sources=None,
                fictional: bool | None = None, status_columns: Mapping[str, str] | None = None,
                units: Mapping[str, str] | None = None, generated_on: dt.date | None = None) -> bytes:
    """The table as CSV or XLSX bytes (reports.tables), the same header for both."""
    kwargs = dict(title=title, territory=territory, sources=sources, fictional=fictional,
                  status_columns=status_columns, generated_on=generated_on)
    if fmt == "csv":
        return tables.to_csv_bytes(df, **kwargs)
    if fmt == "xlsx":
        return tables.to_xlsx_bytes(df, units=units, **kwargs)
    raise ValueError(f"unknown table format: {fmt}")


_TAGS = re.compile(r"<[^>]+>")


def _plain(text) -> str:
    """Chart text without plotly's markup: '<b>Aubépins</b><br>742 €' → 'Aubépins 742 €'."""
    return re.sub(r"\s+", " ", _TAGS.sub(" ", str(text).replace("<br>", " "))).strip()


def _axis_title(fig: go.Figure, axis: str) -> str | None:
    title = getattr(fig.layout, axis).title.text
    return _plain(title) if title else None


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """What a chart draws, as a table (its text alternative under « Voir les données »).

    Bar charts: one row per category, one column per series, each cell the value as the chart
    labels it (its text, else the number in French). Other charts (scatter): one row per point
    with its label and its two coordinates, named after the axes."""
    from indicators.fmt import fmt_number

    traces = [t for t in fig.data if getattr(t, "x", None) is not None and getattr(t, "y", None) is not None]
    if not traces:
        return pd.DataFrame()

    def cells(t, values):
        # The value as the chart labels it (bar text, else hover text), else the number.
        texts = next((x for x in (t.text, t.hovertext) if isinstance(x, (list, tuple))), None)
        return [_plain(texts[i]) if texts is not None and i < len(texts) and texts[i] not in (None, "")
                else fmt_number(v) for i, v in enumerate(values)]

    if all(t.type == "bar" for t in traces):
        horizontal = [t.orientation == "h" for t in traces]
        cat_axis = "yaxis" if horizontal[0] else "xaxis"
        categories: dict[str, dict[str, str]] = {}
        names = []
        for t, h in zip(traces, horizontal):
            cats, values = (t.y, t.x) if h else (t.x, t.y)
            name = _plain(t.name) if t.name else "Valeur"
            names.append(name)
            for c, shown in zip(cats, cells(t, values)):
                categories.setdefault(_plain(c), {})[name] = shown
        first = _axis_title(fig, cat_axis) or "Catégorie"
        rows = [{first: c, **{n: v.get(n, "") for n in dict.fromkeys(names)}} for c, v in categories.items()]
        return pd.DataFrame(rows)
    x_name, y_name = _axis_title(fig, "xaxis") or "x", _axis_title(fig, "yaxis") or "y"
    rows = []
    for t in traces:
        labels = t.hovertext if isinstance(t.hovertext, (list, tuple)) else t.text
        for i, (x, y) in enumerate(zip(t.x, t.y)):
            label = labels[i] if isinstance(labels, (list, tuple)) and i < len(labels) else None
            label = str(label).split("<br>")[0] if label else None       # the point's name
            rows.append({"Point": _plain(label) if label else (_plain(t.name) if t.name else ""),
                         x_name: fmt_number(x), y_name: fmt_number(y)})
    return pd.DataFrame(rows)


def zip_bytes(files: Sequence[tuple[str, bytes]]) -> bytes:
    """A ZIP archive of (name, bytes) files (deflated)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files:
            zf.writestr(name, content)
    return buf.getvalue()


def _today() -> str:
    return dt.date.today().isoformat()


def _shown() -> bool:
    """Download buttons are hidden in "mode présentation" (clean screenshots)."""
    return not st.session_state.get(state.PRESENTATION)


def _resolve(sources: Sources) -> list:
    if sources is None:
        return []
    return list(sources() if callable(sources) else sources)


# ── Cached builders (run at the click, on Streamlit's worker thread) ───────────────────────
@st.cache_data(show_spinner=False, max_entries=64)
def _figure_bytes(fig_json: str, fmt: str, title: str | None, unit: str | None, source: str | None,
                  mark: str | None, width: int, height: int, day: str) -> bytes:
    from reports import images
    fig = go.Figure(json.loads(fig_json))
    kwargs = dict(title=title, unit=unit, source_line=source, date=day, mark=mark, width=width,
                  height=height)
    return images.figure_png(fig, **kwargs) if fmt == "png" else images.figure_svg(fig, **kwargs)


@st.cache_data(show_spinner=False, max_entries=32)
def _map_bytes(fmt: str, qpv_codes: tuple[str, ...], indicator_id: str, year: int | None,
               highlight: str | None, method: str, version: int, day: str) -> bytes:
    from reports import images
    cur = data.cursor()
    try:
        fn = images.map_png if fmt == "png" else images.map_svg
        return fn(cur, qpv_codes=list(qpv_codes), indicator_id=indicator_id, year=year,
                  highlight=highlight, date=day, method=method)
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=32)
def _portrait_pdf(qpv_code: str, version: int, day: str) -> bytes:
    from reports import pdf
    cur = data.cursor()
    try:
        return pdf.portrait_pdf(cur, qpv_code, generated_on=dt.date.fromisoformat(day))
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=4)
def _portraits_zip(contract_slug: str, version: int, day: str) -> bytes:
    qpvs = data.contract_qpvs(contract_slug)
    files = [(file_name("portrait", code, str(name).lower(), ext="pdf"),
              _portrait_pdf(code, version, day))
             for code, name in zip(qpvs["qpv_code"], qpvs["qpv_name"])]
    return zip_bytes(files)


@st.cache_data(show_spinner=False, max_entries=8)
def _mandate_pdf(contract_slug: str, sections: tuple[str, ...], qpv_codes: tuple[str, ...],
                 review_year: int | None, version: int, day: str) -> bytes:
    from reports import pdf
    cur = data.cursor()
    try:
        return pdf.mandate_pdf(cur, contract_slug, sections=list(sections),
                               qpv_codes=list(qpv_codes) or None, review_year=review_year,
                               generated_on=dt.date.fromisoformat(day))
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=16)
def _pocket_sheet_pdf(slug: str, params, pocket_id: str, version: tuple, day: str) -> bytes:
    from reports import pdf
    result = data.poverty_pockets(slug, params)
    cur = data.cursor()
    try:
        return pdf.pocket_sheet_pdf(cur, result, pocket_id, generated_on=dt.date.fromisoformat(day))
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=16)
def _mandate_contents(contract_slug: str, version: tuple):
    from reports import pdf
    cur = data.cursor()
    try:
        return pdf.mandate_contents(cur, contract_slug)
    finally:
        cur.close()


def download_pocket_sheet(selection: state.Selection, params, pocket_id: str) -> None:
    """« Fiche de justification (PDF) » of a poverty pocket, built at the click."""
    if not _shown():
        return
    _button("Fiche de justification (PDF)",
            lambda: _pocket_sheet_pdf(selection.contract_slug, params, pocket_id, data.view_key(),
                                      _today()),
            file_name("poche", pocket_id, ext="pdf"), f"dl_pocket_{pocket_id}",
            "Une page A4 pour la demande de financement : chiffres de la poche comparés aux QPV "
            "du territoire et à sa commune, carte, méthode et limites, sources.", primary=True)


def mandate_default_sections(contract_slug: str) -> list[str]:
    """The sections the mandate report holds by default: the same rule as the command line
    (reports.pdf.mandate_contents: every section that has data for every QPV of the contract)."""
    return list(_mandate_contents(contract_slug, data.view_key()).sections)


def mandate_review_note(contract_slug: str, sections: Sequence[str]) -> str | None:
    """Why the mandate report has no « Revue annuelle » to offer (the territory has no signatory
    nor steering committee), as the command line prints it; None when the review is among
    `sections` or could be (reports.pdf.review_left_out_note on the default contents)."""
    if "revue" in sections:
        return None
    from reports import pdf
    cur = data.cursor()
    try:
        return pdf.review_left_out_note(cur, contract_slug, _mandate_contents(contract_slug, data.view_key()))
    finally:
        cur.close()


def mandate_default_review_year(contract_slug: str) -> int | None:
    """The annual review's year by default, as on the command line (the latest year reported)."""
    from indicators import review
    cur = data.cursor()
    try:
        return review.default_review_year(cur, contract_slug, dt.date.today().year)
    finally:
        cur.close()


def portrait_pdf_bytes(qpv_code: str) -> bytes:
    return _portrait_pdf(qpv_code, data.view_key(), _today())


def portraits_zip_bytes(contract_slug: str) -> bytes:
    return _portraits_zip(contract_slug, data.view_key(), _today())


def mandate_pdf_bytes(contract_slug: str, sections: Sequence[str], qpv_codes: Sequence[str],
                      review_year: int | None = None) -> bytes:
    return _mandate_pdf(contract_slug, tuple(sections), tuple(qpv_codes), review_year, data.view_key(),
                        _today())


# ── Components ──────────────────────────────────────────────────────────────────────────────
def _button(label: str, make: Callable[[], bytes], name: str, key: str, help: str,
            primary: bool = False) -> None:
    ext = name.rsplit(".", 1)[-1]
    # The help text names the table or chart, whose title may come from data: shown as text.
    # « (CSV) » never starts the second line of a wrapped label.
    st.download_button(no_break_format(label), data=make, file_name=name, mime=MIME[ext], key=key, help=md_text(help),
                       icon=ICON, on_click="ignore", type="primary" if primary else "secondary")


# The longest table title a button shows whole: three lines of a 390 px phone's button (about 47
# characters a line, « Télécharger « » (XLSX) » taking 23). Cut at 40, the titles lost the words
# that say what the table is (« Part des personnes touchées résidant en… », « Dernière
# construction : fichiers… » beside « Fichiers chargés », « …, en %… » without its year).
BUTTON_TITLE_MAX = 72


def table_button_label(title: str, fmt: str, limit: int = BUTTON_TITLE_MAX) -> str:
    """« Télécharger « Effet levier : pour 1 € de la Ville » (CSV) »: a table's button names the
    table (issue 11: several tables on one page), short enough for a phone: past `limit`
    characters the title is cut at a word, with « … » (the help text gives the whole title)."""
    name = " ".join(str(title).split())
    # A title too long only by its last bracket (« Portrait de quartier – Les Clos (QN02802M) »)
    # leaves it out whole: « Les Clos… » read as a cut name.
    without = re.sub(r"\s*\([^()]*\)$", "", name)
    if len(name) > limit and without != name and len(without) <= limit:
        name = without
    if len(name) > limit:
        cut = name[:limit + 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else name[:limit]
        if cut.count("(") > cut.count(")"):     # never « … (APL… »: the bracket left out whole
            cut = cut[:cut.rfind("(")] or cut
        name = cut.rstrip(" ,;:–—-(«") + "…"
    return no_break_format(f"Télécharger « {md_text(name)} » ({fmt})")


def download_table(df: pd.DataFrame, *, key: str, title: str, selection: state.Selection,
                   sources: Sources = None, status_columns: Mapping[str, str] | None = None,
                   units: Mapping[str, str] | None = None, stem: str | None = None,
                   fictional: bool | None = None) -> None:
    """CSV and XLSX buttons for a table (`df` as exported: typed values, status columns), their
    labels naming it by its title (table_button_label).

    `sources` is a list (or a callable giving it, run at the click) of `sources` rows or
    plain strings; `fictional` defaults to the selected territory's demo status."""
    if not _shown() or df is None:
        return
    territory = selection.contract_name
    demo = selection.is_fictional if fictional is None else fictional
    base = stem or f"{title.lower()}_{selection.contract_slug}"

    def make(fmt: str) -> Callable[[], bytes]:
        return lambda: table_bytes(df, fmt, title=title, territory=territory,
                                   sources=_resolve(sources), fictional=demo,
                                   status_columns=status_columns, units=units)

    with st.container(horizontal=True, gap="small", key=f"dlrow_{key}"):
        _button(table_button_label(title, "CSV"), make("csv"), file_name(base, ext="csv"), f"dl_{key}_csv",
                f"« {title} » pour un tableur (séparateur « ; », virgule décimale), avec titre, "
                "territoire, date et sources.")
        _button(table_button_label(title, "XLSX"), make("xlsx"), file_name(base, ext="xlsx"), f"dl_{key}_xlsx",
                f"« {title} » au format Excel (nombres typés, feuille « Sources »).")


# (figure, its table, its export JSON) by id(figure): a figure shared by every rerun
# (charts.shared_comparison_bar) is copied and serialised once. The figure is kept with its
# entry, so its id is not reused while the entry lives.
_FIGURE_EXPORTS: dict[int, tuple[go.Figure, pd.DataFrame, str]] = {}
_FIGURE_EXPORTS_MAX = 256


def _figure_export(fig: go.Figure) -> tuple[pd.DataFrame, str]:
    """(figure_table(fig), the JSON of its image export: no plotly title, the header band of
    the image carries it; some room under the axis so that tick labels never touch the footer
    band's rule)."""
    with PLOTLY_LOCK:     # the figure may be shared by sessions running at once (ui.charts)
        hit = _FIGURE_EXPORTS.get(id(fig))
        if hit is not None and hit[0] is fig:
            return hit[1], hit[2]
        export = go.Figure(fig)
        export.update_layout(title_text=None, margin_t=20,
                             margin_b=max(int(fig.layout.margin.b or 0), 35))
        table, fig_json = figure_table(fig), export.to_json()
        _FIGURE_EXPORTS[id(fig)] = (fig, table, fig_json)
        while len(_FIGURE_EXPORTS) > _FIGURE_EXPORTS_MAX:
            _FIGURE_EXPORTS.pop(next(iter(_FIGURE_EXPORTS)), None)
        return table, fig_json


# (figure, its table, the table's st.dataframe arguments) by id(figure): the table the page shows
# under a chart, laid out once (components.fit_columns, about 2 ms a table and rerun); the export
# itself (a copy of the figure and its JSON, ~15 ms a chart) waits for a click (issue #15).
_FIGURE_TABLES: dict[int, tuple[go.Figure, pd.DataFrame, dict]] = {}


def _figure_table(fig: go.Figure) -> tuple[pd.DataFrame, dict]:
    """(figure_table(fig), components.fit_columns of it), once per figure (shared figures: once
    for every session). The arguments are a copy each rerun may hand to st.dataframe."""
    with PLOTLY_LOCK:
        hit = _FIGURE_TABLES.get(id(fig))
        if hit is None or hit[0] is not fig:
            exported = _FIGURE_EXPORTS.get(id(fig))
            table = exported[1] if exported is not None and exported[0] is fig else figure_table(fig)
            hit = (fig, table, components.fit_columns(table) if not table.empty else {})
            _FIGURE_TABLES[id(fig)] = hit
            while len(_FIGURE_TABLES) > _FIGURE_EXPORTS_MAX:
                _FIGURE_TABLES.pop(next(iter(_FIGURE_TABLES)), None)
        args = {k: type(v)(v) if isinstance(v, (dict, list)) else v for k, v in hit[2].items()}
        return hit[1], args


def download_figure(fig: go.Figure, *, key: str, title: str, selection: state.Selection,
                    unit: str | None = None, source: str | None = None, stem: str | None = None,
                    width: int = 900, height: int | None = None) -> None:
    """The chart's text alternative (« Voir les données »: `figure_table`), then PNG (print
    resolution) and SVG buttons: title, unit, source line and date inside the image, the demo
    mark for the fictional territory."""
    if not _shown():
        return
    table, table_args = _figure_table(fig)
    if not table.empty:
        with st.expander("Voir les données", icon=":material/table:"):
            st.caption(md_text(title + (f" ({unit})" if unit else "")))
            components.show_table(table, table_args, key=f"figdata_{key}", hide_index=True)
    with PLOTLY_LOCK:
        h = int(height or fig.layout.height or 520) - int(fig.layout.margin.t or 0) + 20
    mark = mark_for(selection)
    base = stem or f"graphique_{title.lower()}"

    def make(fmt: str) -> Callable[[], bytes]:
        return lambda: _figure_bytes(_figure_export(fig)[1], fmt, title, unit, source, mark, width, h,
                                     _today())

    with st.container(horizontal=True, gap="small", key=f"dlrow_{key}"):
        _button("Télécharger le graphique (PNG)", make("png"), file_name(base, ext="png"), f"dl_{key}_png",
                f"« {title} » en image pour un rapport (titre, unité, source et date inclus).")
        _button("Télécharger le graphique (SVG)", make("svg"), file_name(base, ext="svg"), f"dl_{key}_svg",
                f"« {title} » en image vectorielle (titre, unité, source et date inclus).")


def download_map(*, key: str, selection: state.Selection, indicator_id: str, year: int | None,
                 qpv_codes: Sequence[str], method: str = "quantile") -> None:
    """PNG and SVG buttons for the map of the QPVs shown (reports.images.map_png: the same
    QPVs, year and classes as the page, the selected QPV outlined)."""
    if not _shown():
        return
    args = (tuple(qpv_codes), indicator_id, None if year is None else int(year),
            selection.qpv_code if selection.qpv_code in set(qpv_codes) else None,
            method, data.view_key())
    base = f"carte_{selection.contract_slug}_{indicator_id}"
    with st.container(horizontal=True, gap="small", key=f"dlrow_{key}"):
        _button("Télécharger la carte (PNG)", lambda: _map_bytes("png", *args, _today()), file_name(base, ext="png"),
                f"dl_{key}_png", "La carte en image (légende, source et date incluses ; sans fond "
                "de carte ; les mêmes classes qu'à l'écran).")
        _button("Télécharger la carte (SVG)", lambda: _map_bytes("svg", *args, _today()), file_name(base, ext="svg"),
                f"dl_{key}_svg", "La carte en image vectorielle.")


def download_portrait(selection: state.Selection, qpv_code: str, qpv_name: str) -> None:
    """« Télécharger le portrait (PDF) » and the ZIP of every portrait of the territory."""
    if not _shown():
        return
    n = len(data.contract_qpvs(selection.contract_slug))
    with st.container(horizontal=True, gap="small", key="dlrow_portrait"):
        _button("Télécharger le portrait (PDF)", lambda: portrait_pdf_bytes(qpv_code),
                file_name("portrait", qpv_code, qpv_name.lower(), ext="pdf"), "dl_portrait_pdf",
                "Le portrait du quartier sur une ou deux pages A4 (chiffres clés, comparaisons, "
                "graphiques, carte, enjeux, sources).", primary=True)
        if n > 1:
            _button(f"Tous les portraits du territoire (ZIP, {n} PDF)",
                    lambda: portraits_zip_bytes(selection.contract_slug),
                    file_name("portraits", selection.contract_slug, ext="zip"), "dl_portraits_zip",
                    "Un PDF par quartier du territoire, dans une archive ZIP (la préparation "
                    "prend quelques secondes par quartier).")


def download_mandate(selection: state.Selection, sections: Sequence[str],
                     qpv_codes: Sequence[str], *, review_year: int | None = None,
                     key: str = "dl_mandate_pdf", label: str = "Télécharger le rapport (PDF)",
                     stem: str = "rapport") -> None:
    """One PDF with the chosen sections of the mandate report (reports.pdf.mandate_pdf); the
    annual review, when chosen, for `review_year` (None: the latest year reported)."""
    if not _shown():
        return
    slug_ = selection.contract_slug
    chosen, codes = list(sections), list(qpv_codes)
    _button(label, lambda: mandate_pdf_bytes(slug_, chosen, codes, review_year),
            file_name(stem, slug_, ext="pdf"), key,
            "Le document est préparé au clic (quelques secondes par portrait).", primary=True)


@st.cache_data(show_spinner=False, max_entries=8)
def _review_bytes(contract_slug: str, year: int, fmt: str, version: tuple, day: str) -> bytes:
    from reports import pdf
    cur = data.cursor()
    try:
        make = pdf.review_pdf if fmt == "pdf" else pdf.review_xlsx
        return make(cur, contract_slug, year, generated_on=dt.date.fromisoformat(day))
    finally:
        cur.close()


def review_bytes(contract_slug: str, year: int, fmt: str) -> bytes:
    return _review_bytes(contract_slug, year, fmt, data.view_key(), _today())


def download_review(selection: state.Selection, year: int) -> None:
    """« Revue annuelle (PDF) » and « (XLSX) »: what `python -m reports review` writes."""
    if not _shown():
        return
    slug_ = selection.contract_slug
    with st.container(horizontal=True, gap="small", key="dlrow_review"):
        _button(f"Revue annuelle {year} (PDF)", lambda: review_bytes(slug_, year, "pdf"),
                file_name("revue", slug_, str(year), ext="pdf"), "dl_review_pdf",
                "Le document du comité de pilotage : programmation, droit commun par signataire à "
                "côté des crédits spécifiques, CIA, personnes touchées, écarts, comité.", primary=True)
        _button(f"Revue annuelle {year} (XLSX)", lambda: review_bytes(slug_, year, "xlsx"),
                file_name("revue", slug_, str(year), ext="xlsx"), "dl_review_xlsx",
                "Les mêmes tableaux, une feuille par section, avec leurs sources.")
