"""Small rendering helpers shared by the pages (Streamlit only, no data logic)."""
from __future__ import annotations

import json
import re
from typing import NamedTuple

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

import config
from indicators.fmt import fmt_number, period_beside_name
from indicators.numbers import NumberError, parse_french_number
from indicators.text import french_spacing, html_text, md_text
from ui import data, state, typography, views

# Every text a page hands to Streamlit keeps French punctuation with its words (ui/typography.py).
typography.install()

HOME_PAGE = "pages/mandat.py"
# A table column of relative links ("/portrait?qpv=…") shown as "Ouvrir le portrait".
LINK_COLUMNS = {"Portrait": st.column_config.LinkColumn("Portrait", display_text="Ouvrir le portrait")}


# The height up to which a table of wrapped (taller) rows shows every row.
WRAPPED_TABLE_MAX_PX = 720


# What a table cell without a value shows (st.dataframe's `placeholder`).
MISSING_CELL = "—"


def fit_columns(frame, names: list[str] = (), values: list[str] = (), column_config: dict | None = None,
                max_height_px: int | None = None) -> dict:
    """st.dataframe arguments that show every text column of `frame` whole (issue 11): Streamlit's
    grid sizes a column on its first rows only (« person[nes] », « Soutenir la pa… »), so each
    gets the width of its longest value or header (views.table_layout: at most 280 px, so a 390 px
    phone still shows the next column; a longer value wraps, its rows taller; a longer header
    shows whole in its tooltip). The `names`
    columns (without them, a first column of labels longer than that room: views.label_first)
    are pinned at the left, all together within views.PINNED_NAME_MAX_PX (a marker column, the comparison's
    « ▶ », at PINNED_MARK_PX), the `values` columns right after them, then the others in their
    order, a column blank in every row left out (views.blank_columns; exports keep it); the
    portrait links as LINK_COLUMNS; a column of lists as one line of labels (views.list_px).
    `column_config` adds other columns' settings;
    `max_height_px` gives the table a height showing every row up to it (a table of wrapped rows
    always has one, up to WRAPPED_TABLE_MAX_PX: the grid's default shows only 2 or 3 of them)."""
    columns = list(frame.columns)
    pinned = [c for c in names if c in columns]
    text = set(views.text_columns(frame))
    if not names and views.label_first(frame):
        pinned = [columns[0]]     # a long label first: pinned within its room, the values beside it
    marks = [c for c in pinned if not (c and c in text)]
    links = [c for c in LINK_COLUMNS if c in columns]
    layout = views.table_layout(frame, pinned=tuple(pinned), skip=tuple(links) + tuple(marks),
                                room_px=views.PINNED_NAME_MAX_PX - views.PINNED_MARK_PX * len(marks))
    # A header wider than its capped column is cut (the grid never wraps one): whole in its tooltip.
    config = {c: st.column_config.TextColumn(width=px, pinned=True if c in pinned else None,
                                             help=md_text(c) if views.text_px(c) > px else None)
              for c, px in layout.widths.items()}
    config.update({c: st.column_config.Column(width=views.PINNED_MARK_PX, pinned=True) for c in marks})
    config.update({c: LINK_COLUMNS[c] for c in links})
    # A column of lists (the actions' funders) is one line of labels that never wraps: the row
    # stays as short as its text allows, the whole list opens on a click (issue 11).
    config.update({c: st.column_config.ListColumn(width=views.list_px(frame[c]))
                   for c in views.list_columns(frame)})
    # A year is a label: at the left, numbers or text (views.year_columns).
    config.update({c: {**config.get(c, {}), "alignment": "left"} for c in views.year_columns(frame)})
    config.update(column_config or {})
    # A cell without a value reads « — », never Streamlit's English « None » (issue 11: a scheme
    # without an objective, a CIA row without a target).
    args = {"column_config": config, "placeholder": MISSING_CELL}
    blank = set(views.blank_columns(frame))     # a column with nothing in it is not shown
    if pinned or values or blank:
        first = [c for c in pinned + list(values) if c in columns]
        args["column_order"] = [c for c in first + [c for c in columns if c not in first]
                                if c not in blank]
    if layout.row_height:
        args["row_height"] = layout.row_height
    if max_height_px or layout.row_height:   # the grid's default height shows 10 one-line rows
        args["height"] = layout.height_px(len(frame), max_height_px or WRAPPED_TABLE_MAX_PX)
    return args


def table(frame, names: list[str] = (), values: list[str] = (), column_config: dict | None = None,
          max_height_px: int | None = None, main: tuple = (), details: dict | None = None,
          own_heights: bool = False, **kwargs) -> None:
    """st.dataframe(frame, **kwargs) with every text column whole (fit_columns), read without
    scrolling inside it on any width (show_table: a phone keeps the `values`, else the `main`
    columns, beside the label; `details`: views.narrow_table_html's). `own_heights`: a long
    list of mostly short rows (views.uneven_rows) as the HTML table only, each row its height."""
    show_table(frame, fit_columns(frame, names, values, column_config, max_height_px),
               main=tuple(main or values), details=details, own_heights=own_heights, **kwargs)


# A width no room reaches: the grid is never shown, the HTML table always (views.uneven_rows).
UNSHOWN_GRID_PX = 100_000
# Slack over the grid's columns before it counts as fitting its room: its borders and a
# vertical scrollbar.
GRID_SLACK_PX = 20


def css_key(key: str) -> str:
    """`key` as Streamlit writes it into a container's class (st-key-…)."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", str(key).strip())


# From this room on, the HTML table's short columns keep each cell on one line (views.short_columns).
WIDE_ROOM_PX = 700


def narrow_css(key: str, grid_px: int, full_px: int, short: tuple = (), wide_px: int = WIDE_ROOM_PX) -> str:
    """The container queries of one table (show_table): the grid where its room holds its
    columns (`grid_px`), else the HTML table, with every column where the room holds their
    widest words (`full_px`), else its first columns and the others in its « Détail »; its
    `short` columns (positions from 1) on one line from `wide_px` on (WIDE_ROOM_PX at least, and
    the room the table needs with them on one line: views.one_line_px)."""
    k = css_key(key)
    one_line = ", ".join(f".qpv-narrow-{k} {cell}:nth-child({i})" for i in short for cell in ("th", "td"))
    wide = (f"@container (min-width: {max(wide_px, WIDE_ROOM_PX)}px) {{ {one_line} {{ white-space: nowrap; }} }}"
            if one_line else "")
    return ("<style>"
            f"@container (max-width: {grid_px - 1}px) {{ .st-key-qpvgrid_{k} {{ display: none !important; }} }}"
            f"@container (min-width: {grid_px}px) {{ .qpv-narrow-{k} {{ display: none; }} }}"
            f"@container (max-width: {full_px - 1}px) {{ .qpv-narrow-{k} .qpv-wide-only {{ display: none; }} }}"
            f"@container (min-width: {full_px}px) {{ .qpv-narrow-{k} .qpv-narrow-only {{ display: none; }} }}"
            + wide + "</style>")


def show_table(frame, args: dict, key: str | None = None, main: tuple = (), details: dict | None = None,
               own_heights: bool = False, **kwargs) -> None:
    """st.dataframe(frame, **args, **kwargs), read whole on any width (issue 11): a grid wider
    than a phone (views.grid_px over views.PHONE_ROOM_PX) comes with an HTML table of the same
    cells whose headers and cells wrap (views.narrow_table_html), and CSS container queries show
    the grid only where its room holds all its columns, else the HTML table (the page cannot know
    the screen's width; a table in half of a 1440 px page has a phone's room); on a phone the
    label and the `main` columns first; `details` (views.narrow_table_html): what tells a label
    apart, repeated only where the column that says it is left out (the grid shows every column).
    The exports keep every column."""
    grid_px = views.grid_px(frame, args, index=not kwargs.get("hide_index", False)) + GRID_SLACK_PX
    # A grid's rows are all as tall as its tallest: over many rows, one long cell made every row
    # that tall (Grand Chalon's 294 undeclared schemes, 120 px a row for one or two lines). The
    # HTML table, each row its own height, is then shown at every width, where a page asks for it
    # (a grid sorts and searches: an analyst's tables keep it).
    if (own_heights and key is not None and not frame.empty
            and views.uneven_rows(len(frame), args.get("row_height"))):
        grid_px = UNSHOWN_GRID_PX
    elif key is None or frame.empty or grid_px <= views.PHONE_ROOM_PX:
        st.dataframe(frame, **args, key=key, **kwargs)
        return
    order = [c for c in (args.get("column_order") or list(frame.columns)) if c in frame.columns]
    links = {c: LINK_COLUMNS[c]["type_config"]["display_text"] for c in LINK_COLUMNS if c in frame.columns}
    narrow = views.narrow_table_html(frame, order, css_key(key), main=main, links=links, details=details)
    with st.container(key=f"qpvfit_{key}"):
        if grid_px < UNSHOWN_GRID_PX:
            with st.container(key=f"qpvgrid_{key}"):
                st.dataframe(frame, **args, key=key, **kwargs)
        widths = views.short_widths(frame, order)      # measured once, for both
        short = tuple(views.short_columns(frame, order, widths))
        st.html(narrow_css(key, grid_px, narrow["full_px"], short,
                           views.one_line_px(frame, order, short, widths) if short else WIDE_ROOM_PX)
                + narrow["html"])


# Hides Streamlit's chrome (sidebar, header, toolbar, footer) for clean screenshots.
_PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], div[data-testid="stToolbar"], div[data-testid="stDecoration"],
footer { display: none !important; }
div[data-testid="stMainBlockContainer"], .block-container { padding-top: 2.2rem !important; }
</style>
"""

# Text that wraps (long QPV names) inside columns and metric labels.
_BASE_CSS = """
<style>
/* after_paint's button and script draw nothing: no gap for them between the elements around it */
[class*="st-key-after_paint_"] { display: none !important; }
/* This CSS came in an st.markdown block, above the title, that took 1rem of the page's gap
   (base_style): the same room, now that it comes by st.html, which takes none. */
[data-testid="stMainBlockContainer"] > div:first-child { margin-top: 1rem; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: break-word; height: auto !important; }
div[data-testid="stMetricValue"] { font-size: 1.7rem; }
/* A wider sidebar on desktop only. Streamlit hides a collapsed sidebar by shifting it left by
   its own default width: a min-width above that left a strip over the page on phones
   (« 8 904 » read « 904 »), so the rule applies to an expanded sidebar on wide screens. */
@media (min-width: 992px) {
  section[data-testid="stSidebar"][data-collapsed="false"] { min-width: 22rem !important; } }
/* Keyboard focus: a visible outline, distinct from the current page's highlight. */
:focus-visible { outline: 3px solid #b34700 !important; outline-offset: 2px !important; }
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible, input:focus-visible,
[data-baseweb="select"] *:focus-visible { box-shadow: 0 0 0 5px #ffffff !important; }
/* Captions (territory line, sidebar notes) dark enough to read: Streamlit's grey on the
   sidebar's background is 4.46:1, under WCAG's 4.5:1. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #595959 !important; }
[data-testid="stCaptionContainer"] * { color: inherit; }
/* Text for screen readers only (chart summaries). */
.qpv-sr-only { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.qpv-demo-mark { background: #fff4d6; color: #5c3b00; border: 1px solid #e0b44c; /* reports/palette.py DEMO_* */
  border-radius: 6px; padding: .35rem .7rem; font-weight: 600; display: inline-block; }
.qpv-source { color: #4a4a4a; font-size: .82rem; line-height: 1.25; }
.qpv-secret { color: #6b4e00; font-style: italic; }
/* Streamlit pulls every markdown block up by 1rem (for a paragraph's margin); our source lines
   have none, so the last one of a bordered card would overflow its border. */
[data-testid="stElementContainer"]:last-child [data-testid="stMarkdownContainer"]:has(> .qpv-source) {
  margin-bottom: 0 !important; }
.qpv-more { cursor: help; text-decoration: underline dotted #8c8c8c; text-underline-offset: 2px; }
/* A source line right above its table's download buttons, or above a bordered expander: some
   room between them (issue 11: the markdown's -1rem left the line's last letters on the buttons'
   border, Chartres métropole's « Par enjeu prioritaire » at 390 and 1 440 px, and on the border
   of its actions' « Détail d'une action »). */
[data-testid="stElementContainer"]:has(.qpv-source)
  + [data-testid="stLayoutWrapper"]:has(> div[class*="st-key-dlrow_"]),
[data-testid="stElementContainer"]:has(.qpv-source)
  + [data-testid="stLayoutWrapper"]:has(> [data-testid="stExpander"]) { margin-top: .5rem; }
/* A download button's label on as many lines as it needs: Streamlit keeps it on one line cut
   with « … », so on a phone « … » (CSV) and « … » (XLSX) read the same. */
[data-testid="stDownloadButton"] button .stMarkdownEllipsis,
[data-testid="stDownloadButton"] button .stMarkdownEllipsis *,
[data-testid="stDownloadButton"] button [data-testid="stMarkdownContainer"],
[data-testid="stDownloadButton"] button [data-testid="stMarkdownContainer"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stDownloadButton"] button { height: auto !important; text-align: left; }
div[class*="st-key-dlrow_"] button { min-height: 1.9rem; padding: .1rem .6rem; }
div[class*="st-key-dlrow_"] button p { font-size: .85rem; }
/* A multiselect's chip on as many lines as its name needs: at 390 px Streamlit cut an indicator's
   name with « … » inside its chip. */
[data-testid="stMultiSelectTagsContainer"] span[data-tag] { height: auto !important; min-height: 28px; }
[data-testid="stMultiSelectTagsContainer"] span[data-tag] > span[title] {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  height: auto !important; }
/* A wrapped multiselect's box as tall as its chips: Streamlit stops it at 4.5 rows, so at 390 px
   the report's parts cut « Logement et attributions » in half and hid « Revue annuelle ». */
[data-testid="stMultiSelect"] div:has(> [data-testid="stMultiSelectTagsContainer"]) {
  max-height: none !important; }
/* A table wider than its room (show_table): the HTML table shown instead of the grid, its
   headers and cells wrapped (issue 11). */
[class*="st-key-qpvfit_"] { container-type: inline-size; }
.qpv-narrow-rows { overflow: auto; max-height: 600px; }
.qpv-narrow table { border-collapse: separate; border-spacing: 0; width: 100%; font-size: .875rem;
  line-height: 1.3; }
.qpv-narrow th { position: sticky; top: 0; }
.qpv-narrow .qpv-break { overflow-wrap: anywhere; }
.qpv-narrow table { border-top: 1px solid #e3e3e8; border-left: 1px solid #e3e3e8; }
.qpv-narrow th, .qpv-narrow td { padding: 4px 6px; border: solid #e3e3e8; border-width: 0 1px 1px 0;
  text-align: left; vertical-align: top; }
.qpv-narrow th { font-weight: 600; background: #f6f6f9; }
.qpv-narrow details { margin-top: .4rem; font-size: .875rem; }
.qpv-narrow details ul { margin: .3rem 0 0 1.1rem; padding: 0; }
</style>
"""


def esc(value) -> str:
    """Escape any data value placed in an HTML block (indicators.text.html_text); data in
    Markdown goes through `md_text`."""
    return html_text(value)


def base_style() -> None:
    """The app's CSS, by st.html: style-only HTML goes to Streamlit's event container and needs
    only the Html element's code (2 kB, loaded for french_document anyway), where st.markdown
    fetched and ran its HTML parser (rehype-raw, 189 kB) before a page's first figure (issue #15)."""
    st.html(_BASE_CSS)
    if st.session_state.get(state.PRESENTATION):
        st.html(_PRESENTATION_CSS)


# Streamlit serves its index.html with lang="en": screen readers would read French with an
# English voice. This runs in the page itself (st.html is not iframed).
# Streamlit's own skip link (« Skip to main content », shown on the first Tab) has no setting:
# it is written in French once it exists, by one observer per page.
SKIP_LINK_TEXT = "Aller au contenu principal"
# A multiselect's screen-reader names are English in Streamlit 1.67 (« Remove Emploi » on each
# chip's cross, « Clear all », « Open »), with no setting: the same observer renames them, and
# again whenever Streamlit redraws them (new chips, a rerun).
MULTISELECT_ARIA = {"Clear all": "Tout retirer", "Open": "Ouvrir la liste",
                    "Selected values": "Valeurs choisies"}
REMOVE_PREFIX = ("Remove ", "Retirer ")
FRENCH_DOCUMENT = (
    '<script>document.documentElement.lang = "fr";'
    'if (!window.qpvSkipLinkFr) { window.qpvSkipLinkFr = true;'
    f' const aria = {json.dumps(MULTISELECT_ARIA, ensure_ascii=False)};'
    ' const fr = () => { const a = document.querySelector(\'[data-testid="stSkipToContent"]\');'
    f' if (a && a.textContent !== "{SKIP_LINK_TEXT}") a.textContent = "{SKIP_LINK_TEXT}";'
    ' document.querySelectorAll(\'[data-testid="stMultiSelect"] [aria-label]\').forEach(el => {'
    ' const v = el.getAttribute("aria-label");'
    f' const t = v.startsWith("{REMOVE_PREFIX[0]}") ? "{REMOVE_PREFIX[1]}" + v.slice({len(REMOVE_PREFIX[0])}) : aria[v];'
    ' if (t && t !== v) el.setAttribute("aria-label", t); }); };'
    ' fr(); new MutationObserver(fr).observe(document.body, {childList: true, subtree: true,'
    ' attributes: true, attributeFilter: ["aria-label"]}); }'
    '</script>')


def file_uploader_css(button: str, limits: str) -> str:
    """CSS that writes Streamlit's file uploader texts (« Upload », « 200MB per file • CSV… »,
    which no parameter sets) in French; the visible texts are `button` and `limits`."""
    def css_text(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (
        "<style>"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
        "{font-size:0 !important;}"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after'
        f"{{content:{css_text(button)};font-size:.9rem;}}"
        # Streamlit's span does not wrap: at 390 px the French limits were cut (« shapefi »).
        '[data-testid="stFileUploaderDropzoneInstructions"] span'
        "{font-size:0 !important;white-space:normal !important;}"
        '[data-testid="stFileUploaderDropzoneInstructions"] span::after'
        f"{{content:{css_text(limits)};font-size:.8rem;}}"
        "</style>")


def french_file_uploader(button: str, limits: str) -> None:
    st.markdown(file_uploader_css(button, limits), unsafe_allow_html=True)


def french_document() -> None:
    """Declare the page's language as French (`<html lang="fr">`)."""
    st.html(FRENCH_DOCUMENT, unsafe_allow_javascript=True)


IMPORT_PAGE = "pages/importer.py"
# What a user reads when there is no database, it cannot be read, or it holds no contract: no
# command, no file path (those are for the technical team: « Données et méthode », section
# « Pour les techniciens », and the README).
NO_DATABASE = ("La base de données n'est pas encore construite : un éditeur peut importer des "
               "fichiers depuis la page « Importer des fichiers ».")
EMPTY_DATABASE = ("La base de données ne contient encore aucun contrat de ville : un éditeur peut "
                  "importer les fichiers du modèle de programme depuis la page « Importer des "
                  "fichiers ».")


def broken_database_message(problem: str) -> str:
    return (f"La base de données est illisible : {problem}.\n\n"
            "Un éditeur peut la reconstruire depuis la page « Importer des fichiers » (bouton "
            "« Reconstruire la base ») ; la base reconstruite remplacera le fichier endommagé.")


def _to_import_page() -> None:
    """A link to the import page (only where app.py's navigation declared it: a page file run
    alone, as in some tests, has no such page and the message stands alone)."""
    from streamlit.errors import StreamlitPageNotFoundError
    try:
        st.page_link(IMPORT_PAGE, label="Importer des fichiers", icon=":material/upload_file:")
    except StreamlitPageNotFoundError:
        pass


def no_database() -> None:
    """Stop the page with the message shown when no database has been built."""
    st.error(NO_DATABASE)
    _to_import_page()
    st.stop()


def broken_database(problem: str) -> None:
    """Stop the page with the message shown when the database file cannot be read."""
    st.error(broken_database_message(problem))
    _to_import_page()
    st.stop()


def empty_database() -> None:
    st.warning(EMPTY_DATABASE)
    _to_import_page()
    st.stop()


def link_errors(errors: tuple[str, ...] | list[str]) -> None:
    """Stop the page with the problems of a link and a way back to the home page."""
    for message in errors:
        st.error(message)
    st.markdown("Le lien suivi contient un code inconnu. Vérifiez-le, ou repartez de l'accueil.")
    st.page_link(HOME_PAGE, label="Retour à l'accueil : Les chiffres du mandat", icon=":material/home:")
    st.stop()


def _leave_pages_directory_mode() -> None:
    """Work around a Streamlit 1.67 start-up quirk.

    At the first run after the server starts, Streamlit decides from the mere existence of a
    `pages/` folder that the app is an old-style multipage app (`PagesManager.uses_pages_directory`)
    and, when that first request is a deep link such as /portrait?qpv=…, runs the page file alone,
    without app.py and its navigation. The flag is only cleared when app.py calls st.navigation.
    A page that finds it still set clears it and reruns, so app.py takes over.
    """
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()


# Issue #15: Streamlit's front end loads each kind of element's code when a page first shows
# one, and evaluates a chart's (plotly: 4,7 MB) before it paints figures sent with it. A script in
# the page reports once the browser has painted what came before it; the chart and tables below
# it are sent then, in a fragment rerun. It is an st.html script (the Html element's code, 2 kB,
# is loaded for french_document on every page anyway) that clicks a hidden st.button (1 kB) of
# the fragment: a st.components.v2 component did the same with 196 kB of code (its own and
# Arrow's) fetched and evaluated before the figures showed.
_AFTER_PAINT_JS = """<script>
(() => {
  const key = "KEY";
  let frames = 0;
  const look = () => {
    const button = document.querySelector(`.st-key-${key} button`);
    // Painted: no element of the page still waiting for its code (Streamlit's skeleton), this
    // component's button there, then two animation frames (the elements are on screen).
    if (button && !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')) {
      requestAnimationFrame(() => requestAnimationFrame(() => {
        if (document.contains(button) && !button.dataset.qpvClicked) {
          button.dataset.qpvClicked = "1";
          button.click();
        }
      }));
      return;
    }
    if (++frames < 3600) requestAnimationFrame(look);     // a minute at 60 frames a second
  };
  requestAnimationFrame(look);
})();
</script>"""


def runs_scripts_in_browser() -> bool:
    """Whether this session's client is a web browser (User-Agent « Mozilla/… », as every
    browser sends), one that runs the front end's JavaScript; AppTest and the load bench's
    websocket client do not."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except Exception:          # noqa: BLE001 - no request behind this run (AppTest)
        return False
    return agent.startswith("Mozilla/")


def after_paint(key: str) -> bool:
    """In a fragment (st.fragment), below figures: False in the run that sends those figures to
    a browser that has not painted them yet, True once it has (its fragment rerun, then every
    later run of the page in this session). The caller draws its charts and tables only when
    True, so the browser paints the figures before it loads and evaluates the charts' code. True
    at once for a client that runs no JavaScript (AppTest), which could never report a paint."""
    if not runs_scripts_in_browser():
        return True
    key = f"after_paint_{key}"
    painted = f"{key}.painted"
    if st.session_state.get(painted):
        return True
    with st.container(key=key):        # hidden by _BASE_CSS
        st.button("Afficher la suite", key=f"{key}.button",
                  on_click=lambda: st.session_state.update({painted: True}))
        st.html(_AFTER_PAINT_JS.replace("KEY", key), unsafe_allow_javascript=True)
    return False


MAP_SELECTION_KEY = "qpv_map"     # the map's st.pydeck_chart (pages/carte.py)


def open_clicked_portrait(map_page, portrait_page) -> bool:
    """In app.py, before st.navigation: a click on a QPV of the map opens its portrait in the
    click's own run (issue #15). The click reruns the map page with the map's selection; this
    makes that run the portrait's instead (the page st.navigation resolves), with `qpv` set in
    the URL as a link to it would (ui.state adopts it), so the address bar shows
    /portrait?…qpv=<code> and the back button returns to the map. st.switch_page from the
    map page did the same in two runs (the map page's, stopped, then the portrait's).
    Relies on Streamlit 1.67's PagesManager resolving the page from the run's intended page.
    Returns whether the run was redirected."""
    ctx = get_script_run_ctx(suppress_warning=True)
    manager = getattr(ctx, "pages_manager", None)
    if manager is None or manager.intended_page_script_hash != map_page._script_hash:
        return False
    from ui import maps         # pydeck and shapely: imported once a map was drawn
    clicked = maps.selected_code(st.session_state.get(MAP_SELECTION_KEY))
    if not clicked:
        return False
    if st.query_params.get(state.QPV) != clicked:
        st.query_params[state.QPV] = clicked
    manager.set_script_intent(portrait_page._script_hash, "")
    return True


def current_selection() -> state.Selection:
    """The selection for a page: stops with a clear message when there is no usable database
    or when the link holds an unknown code."""
    _leave_pages_directory_mode()
    if data.db_version() is None:
        no_database()
    problem = data.db_problem()
    if problem:
        broken_database(problem)
    if data.contracts().empty:
        empty_database()
    selection = state.resolve()
    if selection.errors:
        link_errors(selection.errors)
    return selection


def demo_mark(selection: state.Selection) -> None:
    if selection.is_fictional:
        st.markdown(f'<span class="qpv-demo-mark">⚠ {esc(config.DEMO_MARK)}</span>',
                    unsafe_allow_html=True)


def page_header(title: str, selection: state.Selection, *, subtitle: str | None = None) -> None:
    """Title, territory line and the demo mark, the same on every page. `title` is Markdown (data
    in it escaped by the caller with md_text); `subtitle` and the contract's name are data."""
    base_style()
    st.title(title, anchor=False)     # no #anchor link made of data (a QPV name)
    where = md_text(selection.contract_name)
    period = period_beside_name(selection.contract_name, selection.period_label)
    if period:
        where += f" · {md_text(period)}"
    if subtitle:
        where += f" · {md_text(subtitle)}"
    st.caption(where)
    demo_mark(selection)


def source_line(text: str | None, *, short: bool = False, toggle: bool = True,
                shown: str | None = None, label: str = "Source : ") -> None:
    """The source under a figure, table or chart. `short`: a short line (document title and
    section, views.short_source) with the full text in a tooltip. `shown`: the figure's own short
    line (indicators.sources.reader_credit: document, section — producer, year), the full text
    behind the toggle. `toggle=False`: no « Source complète » toggle (the group lists the full
    sources once: kpi_tiles). `label`: what the line starts with (« Comparaison : » for a
    comparator's source, figure_card)."""
    text = views.source_or_none(text)
    if text:
        full_prefix = "" if text.lower().startswith("source") else label
        shown = views.source_or_none(shown)
        shown = (views.clip_source(shown) if shown else
                 views.short_source(text) if short else views.clip_source(text))
        prefix = "" if shown.lower().startswith("source") else label
        # « » and « : » kept with their words (a phone's narrow tile broke « § « / Une ambition »),
        # once the line is cut (short_source reads its « : » and « ; »).
        clipped, shown, prefix = (prefix + shown != full_prefix + text, french_spacing(shown),
                                  french_spacing(prefix))
        text = french_spacing(full_prefix + text)
        if clipped:
            # A long source is shown once: its head here, the whole text behind a toggle (or in
            # the group's « Sources complètes » when `toggle` is off).
            more = " qpv-more" if toggle else ""
            st.markdown(f'<div class="qpv-source{more}" title="{esc(text)}">'
                        f'{prefix}{esc(shown)}</div>', unsafe_allow_html=True)
            if toggle:
                with st.popover("Source complète", type="tertiary", icon=":material/info:"):
                    st.markdown(f'<div class="qpv-source">{esc(text)}</div>',
                                unsafe_allow_html=True)
        else:
            st.markdown(f'<div class="qpv-source">{esc(text)}</div>', unsafe_allow_html=True)


# Chart toolbar: plotly's own PNG button is removed (the download buttons under each chart give
# images with title, unit, source and date).
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}


def empty_note(message: str) -> None:
    st.info(message, icon=":material/info:")


def dataframe_or_note(df, note: str, **kwargs) -> None:
    """The table, or `note` when it has no row: an empty st.dataframe shows Streamlit's English
    « empty »."""
    if df.empty:
        st.caption(note)
    else:
        show_table(df, fit_columns(df), **kwargs)


def figure_card(figure: dict) -> None:
    """One indicator of a portrait: value, comparators with gaps, ranks, source and year."""
    with st.container(border=True):
        st.markdown(f"**{md_text(figure['label'])}**", unsafe_allow_html=True)
        if figure["is_shown"]:
            st.markdown(f"<div class='qpv-figure-value' style='font-size:1.6rem;font-weight:600'>"
                        f"{esc(figure['value'])}</div>", unsafe_allow_html=True)
        else:
            st.markdown(f"<div class='qpv-secret' style='font-size:1.2rem'>{esc(figure['value'])}</div>",
                        unsafe_allow_html=True)
        if figure["numerator"]:
            st.markdown(f"<div class='qpv-source'>{esc(figure['numerator'])}</div>",
                        unsafe_allow_html=True)
        lines = []
        for c in figure["comparators"]:
            gap = f" <span style='color:#4a4a4a'>(écart : {esc(c['gap'])})</span>" if c["gap"] else ""
            lines.append(f"<li>{esc(c['name'])} : <b>{esc(c['value'])}</b>{gap}</li>")
        if lines:
            st.markdown("<ul style='margin:0 0 .3rem 1rem;padding:0'>" + "".join(lines) + "</ul>",
                        unsafe_allow_html=True)
        for text in figure["ranks"][:1]:
            st.markdown(f"<div class='qpv-source'>Rang : {esc(text)}</div>", unsafe_allow_html=True)
        source_line(figure["source"], shown=figure.get("short"))
        # Each comparator's source like the figure's: its short credit, the whole behind the
        # toggle (issue #11: the whole credit ran to five lines under Grand Chalon's cards).
        comparator_sources = sorted({(c["source"], c.get("short") or None) for c in figure["comparators"]
                                     if c["source"] and c["source"] != figure["source"]},
                                    key=lambda pair: pair[0])
        for text, short in comparator_sources:
            source_line(text, shown=short, label="Comparaison : ")
        if figure["caution"]:
            st.markdown(f"<div class='qpv-source'>⚠ {esc(figure['caution'])}</div>",
                        unsafe_allow_html=True)


def kpi_tiles(tiles: list[dict], columns: int = 3) -> None:
    """A group of headline figures: each tile keeps its short source line; the long sources
    they shorten are listed in full once, in one « Sources complètes » expander under the group
    (not one toggle per tile: Chambéry's home page had 26)."""
    grid(tiles, lambda tile: kpi_tile(tile, toggle=False), columns)
    full = views.long_sources([t["source"] for t in tiles], [t.get("short") for t in tiles])
    if full:
        with st.expander("Sources complètes", icon=":material/info:"):
            st.markdown("".join(f'<div class="qpv-source">{esc(french_spacing(t))}</div>' for t in full),
                        unsafe_allow_html=True)


def kpi_tile(tile: dict, *, toggle: bool = True) -> None:
    """A headline figure: value, evolution, period, target and achievement, source."""
    with st.container(border=True):
        st.metric(md_text(tile["label"]), md_text(tile["value"]),
                  delta=None if tile["delta"] is None else md_text(tile["delta"]),
                  delta_color=tile["delta_color"], delta_arrow=tile.get("delta_arrow", "auto"),
                  help=None if tile["help"] is None else md_text(tile["help"]))
        for line in tile["lines"]:
            st.markdown(f"<div class='qpv-source' style='color:#1a1a1a'>{esc(line)}</div>",
                        unsafe_allow_html=True)
        source_line(tile["source"], short=True, toggle=toggle, shown=tile.get("short"))


def grid(items: list, render, columns: int = 3) -> None:
    """Render items in rows of `columns` equal columns."""
    for start in range(0, len(items), columns):
        for column, item in zip(st.columns(columns), items[start:start + columns]):
            with column:
                render(item)


class NumberField(NamedTuple):
    """What a number field read: its value (None when empty or wrong) and the French error shown."""
    value: int | float | None
    error: str | None


def _regroup(key: str, integer: bool) -> None:
    """After a change, the field shows the number as the app writes it (« 13224 » → « 13 224 »)."""
    try:
        number = parse_french_number(st.session_state[key], integer=integer)
    except NumberError:
        return
    st.session_state[key] = "" if number is None else fmt_number(number)


def number_field(label: str, *, key: str, value: int | float | None, min_value: float | None = None,
                 max_value: float | None = None, integer: bool = True, help: str | None = None,
                 placeholder: str | None = None, container=None) -> NumberField:
    """A number typed in French, in place of st.number_input (which shows « 13224 » and a decimal
    point): a text field showing « 13 224 » that reads « 13 224 », « 13224 », « 13 224,5 » with
    ordinary or no-break spaces (indicators.numbers.parse_french_number). A wrong entry gets a
    French error under the field and the value None; an empty field is None (its `placeholder`,
    e.g. « à saisir »). The field starts at `value`, and starts again when `value` changes (another
    contract's default)."""
    where = container or st
    start = "" if value is None else fmt_number(value)
    if st.session_state.get(f"{key}.default") != start or key not in st.session_state:
        st.session_state[key] = start
        st.session_state[f"{key}.default"] = start
    text = where.text_input(label, key=key, help=help, placeholder=placeholder,
                            on_change=_regroup, args=(key, integer))
    try:
        return NumberField(parse_french_number(text, integer=integer, min_value=min_value,
                                               max_value=max_value), None)
    except NumberError as error:
        where.error(md_text(f"{label} : {error}"), icon=":material/error:")
        return NumberField(None, str(error))
