"""French typography for every text the app hands to Streamlit, in one place.

A browser may wrap a line at any ordinary space: « : », « ; », « ! », « ? » and a closing « »
could start a line, an opening « « » end one, and « - Béguines » start a title's second line.
Rather than passing each of the pages' strings through a helper (static prose, f-strings and
`md_text` data alike), `install()` wraps the two doors through which Streamlit sends an element
or a container to the browser (`DeltaGenerator._enqueue` and `_block`) and applies
`indicators.text.screen_text` to the element's prose fields: Markdown, captions, titles and
headings, alerts, metrics, spinners and toasts, widget labels, help texts and
placeholders, expander, popover and dialog labels, tab labels, st.text blocks (import and build
summaries), radio captions. Left as they are: HTML (`st.html`) and the
CSS and scripts of a Markdown HTML block (only its text between tags is prose), code, LaTeX,
JSON, charts, tables, widget values (the page's own data, which a widget returns).

The options of a select box, radio, multiselect and select slider are shown as their
`format_func` writes them, and Streamlit maps the shown label back to the option: their
proto cannot be rewritten after the fact (the browser would send a label the widget does not
know). `install()` therefore wraps the widgets' `format_func` (`screen_format`): the shown
label and the label Streamlit looks up are the same screened text, and the widget still returns
the ORIGINAL option object (session state and query parameters keep the options).
The tabs of a stateful `st.tabs` (on_change) are a widget whose value is the label: left whole.

The transformation is idempotent (an element cached by st.cache_data is replayed through it
again). Installed once per process by `ui.components`, which every page imports.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import re

from streamlit.delta_generator import DeltaGenerator

from indicators.text import screen_text

# Prose fields of an element or block proto (string fields, never options or values).
PROSE_FIELDS = ("label", "help", "placeholder", "title", "text", "delta", "delta_description",
                "validate_message")
# Elements whose `body` is prose (html's and json's are not).
# st.text (preformatted) is prose too: only spaces become no-break, the report stays verbatim.
PROSE_BODIES = frozenset({"markdown", "heading", "alert", "toast", "metric", "text"})
# Elements left whole: their strings are code, markup, data or chart specifications.
NOT_PROSE = frozenset({"html", "json", "code", "exception", "bidi_component", "component_instance",
                       "deck_gl_json_chart", "plotly_chart", "vega_lite_chart", "echarts_chart",
                       "graphviz_chart", "iframe", "help_info"})
# Markdown types that are not prose.
_MARKDOWN_NOT_PROSE = ("CODE", "LATEX")
# In a Markdown HTML block: style and script elements, and tags (attributes), are not prose.
_HTML_NOT_TEXT = re.compile(r"(<style\b.*?</style\s*>|<script\b.*?</script\s*>|<[^>]*>)",
                            re.IGNORECASE | re.DOTALL)


# A page hands Streamlit the same texts at every rerun (a portrait: about 150 elements): each is
# worked out once (issue #15; pure functions of the text, so the answers are the same).
_MEMO_TEXTS = 8192


@functools.lru_cache(maxsize=_MEMO_TEXTS)
def _screen(text: str) -> str:
    return screen_text(text)


@functools.lru_cache(maxsize=_MEMO_TEXTS)
def html_prose(body: str) -> str:
    """`screen_text` on the text between the tags of an HTML block (CSS, scripts and attributes
    untouched)."""
    parts = _HTML_NOT_TEXT.split(body)
    # re.split with one group: text, markup, text, markup… (markup at odd indices).
    return "".join(part if k % 2 else screen_text(part) for k, part in enumerate(parts))


def _set(proto, field: str, convert) -> None:
    if field in proto.DESCRIPTOR.fields_by_name and getattr(proto, field):
        value = getattr(proto, field)
        if isinstance(value, str):
            setattr(proto, field, convert(value))


def french_element(delta_type: str, proto) -> None:
    """Apply the screen typography to the prose fields of one element proto (in place)."""
    if delta_type in NOT_PROSE:
        return
    if delta_type == "markdown":
        kind = proto.Type.Name(proto.element_type) if proto.element_type else "NATIVE"
        if kind in _MARKDOWN_NOT_PROSE:
            return
        _set(proto, "body", html_prose if proto.allow_html else _screen)
    elif delta_type in PROSE_BODIES:
        _set(proto, "body", _screen)
    for field in PROSE_FIELDS:
        _set(proto, field, _screen)
    if delta_type == "radio" and proto.captions:
        proto.captions[:] = [_screen(c) for c in proto.captions]


def french_block(block_proto) -> None:
    """The labels of an expander, a popover, a dialog or a tab (in place)."""
    kind = block_proto.WhichOneof("type")
    if kind in ("expandable", "popover", "dialog", "tab"):
        inner = getattr(block_proto, kind)
        for field in ("label", "help", "title"):
            _set(inner, field, _screen)


def screen_format(format_func):
    """`format_func` whose labels are screen text (idempotent: an already screened function is
    returned as it is)."""
    if getattr(format_func, "screen_text", False):
        return format_func

    @functools.wraps(format_func)
    def shown(option):
        return _screen(format_func(option))
    shown.screen_text = True
    return shown


# The private methods every public select widget (st.x, st.sidebar.x, column.x) goes through,
# with their format_func parameter.
_OPTION_WIDGETS = (("streamlit.elements.widgets.selectbox", "SelectboxMixin", "_selectbox"),
                   ("streamlit.elements.widgets.radio", "RadioMixin", "_radio"),
                   ("streamlit.elements.widgets.multiselect", "MultiSelectMixin", "_multiselect"),
                   ("streamlit.elements.widgets.select_slider", "SelectSliderMixin",
                    "_select_slider"))


def _wrap_format_func(method):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapped(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.arguments["format_func"] = screen_format(bound.arguments.get("format_func", str))
        return method(*bound.args, **bound.kwargs)
    return wrapped


def install() -> None:
    """Wrap DeltaGenerator._enqueue and _block once per process (idempotent)."""
    if getattr(DeltaGenerator._enqueue, "french_typography", False):
        return
    enqueue, block = DeltaGenerator._enqueue, DeltaGenerator._block

    @functools.wraps(enqueue)
    def _enqueue(self, delta_type, element_proto, *args, **kwargs):
        french_element(delta_type, element_proto)
        return enqueue(self, delta_type, element_proto, *args, **kwargs)

    @functools.wraps(block)
    def _block(self, block_proto=None, *args, **kwargs):
        # A stateful tab container's labels are its widget values: left whole.
        # (DeltaGenerator answers any unknown attribute: read the instance's own.)
        if block_proto is not None and not vars(self).get("_stateful_tabs", False):
            french_block(block_proto)
        dg = block(self, block_proto, *args, **kwargs)
        if block_proto is not None and block_proto.WhichOneof("type") == "tab_container" \
                and block_proto.tab_container.id:
            dg._stateful_tabs = True
        return dg

    _enqueue.french_typography = True
    DeltaGenerator._enqueue = _enqueue
    DeltaGenerator._block = _block
    for module, mixin, name in _OPTION_WIDGETS:
        cls = getattr(importlib.import_module(module), mixin)
        setattr(cls, name, _wrap_format_func(getattr(cls, name)))
