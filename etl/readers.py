"""Reading text tables as official French statistics are published.

INSEE and local files come with `;` or `,` separators, UTF-8 (with or without BOM) or Latin-1
(Windows-1252), Windows line ends, decimal commas, thousands separated by a space, a no-break
space or a narrow no-break space, and withheld values written as an empty cell, `s`, `nd`, `ns`
or `nc`. Every function here keeps the 1-based line number of the file so that errors can name it.
"""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass

from etl.core import Candidate, EtlError

# Markers of a withheld or missing value, and the status each one gives.
WITHHELD_MARKERS = {
    "s": "secret",          # secret statistique
    "secret": "secret",
    "c": "secret",          # confidentiel
    "nd": "missing",        # non disponible
    "nc": "missing",        # non communiqué
    "na": "missing",
    "n/a": "missing",
    "ns": "not_significant",
    "-": "missing",
    "": "missing",
}

_SPACES = "\u00a0\u202f\u2009 "
_NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f\u2009]\d{3})+([.,]\d+)?$")


# Invisible characters a copy-paste leaves in a key (« Santé\u200b »): removed everywhere.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"))
# Control characters (ANSI escapes \x1b[…, NUL, C1): never part of a value; tab and line ends
# are the file's own structure.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_EXPECTED = "du texte sans caractère de contrôle (échappement ANSI, NUL…)"


def normalise_text(text: str) -> str:
    """Text as one key: Unicode NFC (« Santé » typed composed or decomposed is one word) and
    zero-width characters (U+200B–U+200D, U+FEFF, U+2060) removed."""
    if text.isascii():
        return text
    text = text.translate(ZERO_WIDTH)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def control_character(text: str) -> str | None:
    """The first control character of `text`, shown as U+001B, or None."""
    m = CONTROL_RE.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


@dataclass(frozen=True)
class ParsedNumber:
    value: float | None
    status: str          # ok | secret | missing | not_significant
    marker: str | None   # the marker as found, when not a number


def parse_number(text: str | None) -> ParsedNumber:
    """Parse one cell: '1 075' → 1075, '12,5' → 12.5, 's' → secret, '' → missing.

    Raises ValueError for text that is neither a number nor a known marker.
    """
    if text is None:
        return ParsedNumber(None, "missing", None)
    raw = text.strip().strip('"').strip()
    key = raw.lower()
    if key in WITHHELD_MARKERS:
        return ParsedNumber(None, WITHHELD_MARKERS[key], raw or None)
    # The minus sign U+2212 (French typography, what the app's own texts write) reads as « - ».
    candidate = raw.replace("\u2212", "-")
    if _GROUPED_RE.match(candidate):
        for ch in _SPACES:
            candidate = candidate.replace(ch, "")
    if not _NUMBER_RE.match(candidate):
        raise ValueError(f"not a number: {text!r}")
    value = float(candidate.replace(",", "."))
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"not a finite number: {text!r}")
    return ParsedNumber(value, "ok", None)


def decode_text(data: bytes, file_name: str) -> str:
    """Bytes → text: UTF-8 (BOM removed) when valid, else Windows-1252/Latin-1."""
    if not data.strip():
        raise EtlError(file_name, "le fichier est vide", expected="un en-tête puis des lignes")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="strict") if _is_cp1252(data) else data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def sniff_separator(header_line: str) -> str:
    """The separator of a header line: the most frequent of ; , tab | (outside quotes)."""
    counts = {sep: header_line.count(sep) for sep in (";", "\t", ",", "|")}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    return sep if n else ";"


@dataclass
class TextTable:
    """A table of strings read from a delimited file."""

    file_name: str
    header: list[str]
    rows: list[list[str]]
    line_numbers: list[int]   # 1-based file line of each row
    separator: str
    header_line: int = 1

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [r[i] for r in self.rows]


def read_table(data: bytes, file_name: str, *, skip_title_rows: bool = True,
               partial: bool = False) -> TextTable:
    """Read a delimited text file into strings, keeping line numbers.

    Leading title rows (a single non-empty cell above the header, as in hand-made exports) are
    skipped when `skip_title_rows`. Trailing empty columns (a separator at the end of each line)
    are dropped. Errors name the line: a row with more cells than the header, a row with fewer
    (a truncated file, or another separator in the rows than in the header), a quoted cell
    never closed (a file cut in the middle of a cell), text encoded twice (mojibake such as
    « ChambÃ©ry »). `partial` reads the head of a file: its last, maybe cut, line is dropped
    and those checks are skipped.
    """
    # NFC, no zero-width character; a DOS end-of-file mark (Ctrl-Z) after the last line is dropped.
    text = normalise_text(decode_text(data, file_name)).rstrip("\x1a")
    if partial:
        text = text[: text.rfind("\n") + 1] if "\n" in text else text
    lines = text.split("\n")
    bad = CONTROL_RE.search(text)
    if bad is not None:
        _control_error(text, bad.start(), file_name)
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    sep = sniff_separator(lines[first] if first < len(lines) else "")
    if skip_title_rows:
        while first < len(lines) - 1:
            cells = [c for c in _split(lines[first], sep) if c.strip()]
            if len(cells) > 1:
                break
            nxt = [c for c in _split(lines[first + 1], sep) if c.strip()]
            if len(nxt) <= 1:
                break
            first += 1
            sep = sniff_separator(lines[first])
    body = "\n".join(lines[first:])
    if not partial:
        open_at = _unclosed_quote_line(body, sep)
        if open_at is not None:
            raise EtlError(file_name, "guillemet ouvert et jamais fermé : fichier tronqué ou "
                           "guillemet en trop", line=first + open_at,
                           expected='des cellules entre guillemets fermées ("…")')
    reader = csv.reader(io.StringIO(body), delimiter=sep, quotechar='"')
    header: list[str] | None = None
    header_line = first + 1
    rows: list[list[str]] = []
    numbers: list[int] = []
    for offset, cells in enumerate(reader):
        line_no = first + 1 + offset
        if header is None:
            header_line = line_no
            header = [h.strip().strip("\ufeff") for h in cells]
            while header and header[-1] == "":
                header.pop()
            if not header:
                raise EtlError(file_name, "en-tête vide", line=line_no, expected="des noms de colonnes")
            dup = sorted({h for h in header if header.count(h) > 1})
            if dup:
                raise EtlError(file_name, f"colonne en double dans l'en-tête : {', '.join(dup)}",
                               line=line_no, column=dup[0], expected="des noms de colonnes uniques")
            continue
        if not any(c.strip() for c in cells):
            continue
        while len(cells) > len(header) and cells[-1].strip() == "":
            cells.pop()
        if len(cells) > len(header):
            raise EtlError(file_name, f"{len(cells)} cellules pour {len(header)} colonnes",
                           line=line_no, expected=f"{len(header)} cellules séparées par « {sep} »")
        if len(cells) < len(header) and not partial:
            raise EtlError(file_name, _short_row_message(cells, len(header), sep,
                                                         is_last=not text.endswith("\n")
                                                         and line_no == len(lines)),
                           line=line_no, expected=f"{len(header)} cellules séparées par « {sep} »")
        cells = cells + [""] * (len(header) - len(cells))
        rows.append([c.strip() for c in cells])
        numbers.append(line_no)
    if header is None:
        raise EtlError(file_name, "le fichier est vide", expected="un en-tête puis des lignes")
    # csv.reader counts physical lines for quoted multi-line cells imperfectly; rows keep the
    # line where they start, which is what an analyst looks for.
    table = TextTable(file_name, header, rows, numbers, sep, header_line)
    if not partial and MOJIBAKE_RE.search(body):
        _check_mojibake(table)
    return table


def _control_error(text: str, pos: int, file_name: str) -> None:
    """A control character in a text file: the line and the column it is in."""
    line_no = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    sep = sniff_separator(first)
    header = [h.strip().strip('"') for h in first.split(sep)]
    index = text[start:pos].count(sep)
    column = header[index] if index < len(header) else None
    raise EtlError(file_name, f"caractère de contrôle U+{ord(text[pos]):04X} dans le texte",
                   line=line_no, column=column, expected=CONTROL_EXPECTED)


def _short_row_message(cells: list[str], n_header: int, sep: str, is_last: bool) -> str:
    n = len(cells)
    text = f"ligne incomplète : {n} cellule{'s' if n > 1 else ''} pour {n_header} colonnes"
    others = [s for s in (";", ",", "\t", "|") if s != sep and any(s in c for c in cells)]
    if n == 1 and others:
        shown = "tabulation" if others[0] == "\t" else f"« {others[0]} »"
        text += f" (séparateur {shown} dans la ligne, « {sep} » dans l'en-tête)"
    elif is_last:
        text += " (le fichier semble tronqué : sa dernière ligne est coupée)"
    return text


def _unclosed_quote_line(text: str, sep: str) -> int | None:
    """The 1-based line (within `text`) where a quoted cell opens and is never closed, or None.

    Cheap for ordinary files: the character scan runs only when the quotes are odd in number.
    """
    if text.count('"') % 2 == 0:
        return None
    in_quotes = False
    at_field_start = True
    line = 1
    opened = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                in_quotes = False
            elif ch == "\n":
                line += 1
        elif ch == '"' and at_field_start:
            in_quotes, opened = True, line
        elif ch == sep or ch == "\n":
            line += ch == "\n"
            at_field_start = True
            i += 1
            continue
        at_field_start = False
        i += 1
    return opened if in_quotes else None


# Text that was UTF-8, decoded as Windows-1252 and saved again: 'é' → 'Ã©', '’' → 'â€™'.
_CP1252_CONTINUATION = "".join(sorted({bytes([b]).decode("cp1252", errors="ignore")
                                       for b in range(0x80, 0xC0)} - {""}))
MOJIBAKE_RE = re.compile("[ÃÂ][" + re.escape(_CP1252_CONTINUATION) + "]|â€")


def repair_mojibake(text: str) -> str | None:
    """What a doubly-encoded text was meant to say ('ChambÃ©ry' → 'Chambéry'), or None."""
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != text else None


def _check_mojibake(table: TextTable) -> None:
    for cells, line in zip([table.header] + table.rows, [table.header_line] + table.line_numbers):
        for name, cell in zip(table.header, cells):
            if MOJIBAKE_RE.search(cell):
                meant = repair_mojibake(cell)
                hint = f" (probablement « {meant} »)" if meant else ""
                shown = f" « {cell} »{hint}" if not is_personal_column(name) else ""
                raise EtlError(table.file_name, f"texte mal encodé{shown} : le fichier a "
                               "été converti deux fois d'un encodage à l'autre",
                               line=line, column=None if cells is table.header else name,
                               expected="un fichier enregistré une seule fois, en UTF-8 ou en Latin-1")


def _split(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep, quotechar='"'), [])


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet would run as a formula (kept as text, never evaluated)."""
    return bool(text) and text.startswith(_FORMULA_START) and not _NUMBER_RE.match(text.strip())


# Columns that hold personal data (a person's name, address, birth date, contact). The programme
# loader drops them from tables of people; no error message quotes their cells. Matched on the
# header without case, accents, spaces or punctuation.
_PERSONAL_EXACT = {"nom", "prenom", "prenoms", "name", "surname", "firstname", "lastname",
                   "fullname", "givenname", "familyname", "nomdefamille", "nomdusage", "nomprenom",
                   "prenomnom", "civilite", "adresse", "address", "rue", "street", "voie",
                   "codepostal", "cp", "zipcode", "postcode", "ville", "city", "email", "mail",
                   "courriel", "tel", "telephone", "phone", "mobile", "portable", "gsm", "nir",
                   "numsecu", "securitesociale", "iban", "ine", "dob", "datenaissance",
                   "datedenaissance", "birthdate", "dateofbirth", "agenaissance", "lieudenaissance"}
_PERSONAL_PARTS = ("naissance", "birth", "adresse", "address", "mail", "courriel", "telephone",
                   "phone", "prenom", "firstname", "lastname", "surname", "secu", "iban")


def _squash(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


# Columns that only a file about people has (a first name, a birth date, a phone number, an
# e-mail address, a social security or CAF number, a bank account). A header with one of them is a
# file of people, and all its personal columns go; a "nom" or an "adresse" alone does not make one
# (a COG file's « nom », a BAN file's « nom_voie », an ANCT « NOM_QP » stay).
_PERSON_MARKER_EXACT = {"nir", "tel", "phone", "mobile", "portable", "gsm", "mail", "ddn", "dob", "nele",
                        "neele", "civilite", "nomprenom", "prenomnom", "iban", "rib", "nss"}
_PERSON_MARKER_RE = re.compile(
    r"prenom|firstname|givenname|lastname|surname|familyname|fullname|maidenname|birth"
    r"|(?<!con)naissance|telephone|courriel|email|securitesociale|^nom(?:de)?(?:famille|usage|jeunefille)"
    r"|^(?:num(?:ero)?|no?)(?:de)?(?:secu|allocataire|caf$|msa$|ss$|tel|mobile|portable)|^matricule(?:caf|msa)"
    r"|^(?:tel|mobile|portable|mail|iban)\d+$|^(?:tel|telephone)(?:fixe|mobile|portable|perso|domicile)")


def is_person_marker(name: str) -> bool:
    """True for a column only a file about people has (Prénom, Date de naissance, Téléphone,
    E-mail, NIR, N° allocataire CAF, IBAN…): see etl/loaders/programme.py `personal_columns`."""
    key = _squash(name)
    return bool(key) and (key in _PERSON_MARKER_EXACT or bool(_PERSON_MARKER_RE.search(key)))


def is_personal_column(name: str) -> bool:
    """True for a column that holds personal data (nom, Prénom, date de naissance, E-mail…)."""
    key = _squash(name)
    return bool(key) and (key in _PERSONAL_EXACT or any(p in key for p in _PERSONAL_PARTS)
                          or is_person_marker(name))


def sniff_header(c: Candidate, suffixes: tuple[str, ...] = (".csv", ".txt", "")) -> list[str] | None:
    """The cells of the first non-empty line of a delimited text file, read from its head; None
    for another kind of file. Cheap and never raises: for a loader's `recognise`."""
    if c.suffix not in suffixes:
        return None
    head = c.head(8192)
    if not head.strip() or b"\x00" in head:
        return None
    text = head.decode("utf-8-sig", errors="replace").replace("\r", "\n")
    line = next((ln for ln in text.split("\n") if ln.strip()), "")
    return [x.strip().strip('"').strip() for x in line.split(sniff_separator(line))]


def open_workbook(c: Candidate):
    """A published XLSX workbook, read-only with computed values; a damaged file is an EtlError
    naming it."""
    import openpyxl   # imported here: only workbooks need it
    if c.head(4) != b"PK\x03\x04":
        raise EtlError(c.display_name, "classeur XLSX illisible", expected="un classeur Excel .xlsx valide")
    try:
        return openpyxl.load_workbook(io.BytesIO(c.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a damaged file
        raise EtlError(c.display_name, f"classeur XLSX illisible ({type(exc).__name__})",
                       expected="un classeur Excel .xlsx valide") from exc
