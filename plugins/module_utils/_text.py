# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Untrusted text in generated documents: Markdown, CSV cells, links, sort keys. Pure.

Every inventory value (site and DAG names, purposes, citation titles and URLs of user flows...)
is untrusted once it reaches a report. These helpers make it inert for the target format.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Line breaks as Markdown and spreadsheets see them (CR, LF, and Unicode line/paragraph separators).
_BREAKS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that start markup.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~&$])")
_NUMBERS = re.compile(r"(\d+)")
# OWASP CSV injection: a cell starting with one of these is a formula in spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def one_line(text) -> str:
    """Control characters removed, line breaks collapsed to one space."""
    return _CONTROL.sub("", _BREAKS.sub(" ", str(text)))


def md(text) -> str:
    """Text safe in a Markdown paragraph, heading or table cell: no markup, no HTML, one line."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def md_code(text) -> str:
    """Text as an inline code span (for names): backticks cannot end it early."""
    text = one_line(text)
    fence = "`" * (max((len(m) for m in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def safe_url(url) -> str:
    """An http(s) URL, percent-encoded so that it cannot end a Markdown link; '' for anything else."""
    url = str(url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(url, safe=":/?#@!$&'*+,;=%~.-_") .replace("(", "%28").replace(")", "%29")


def md_link(text, url) -> str:
    """A Markdown link when the URL is http(s), else the escaped text alone."""
    href = safe_url(url)
    return f"[{md(text)}]({href})" if href else md(text)


def csv_cell(value) -> str:
    """A one-line spreadsheet cell that can never be a formula (a leading quote, as OWASP recommends)."""
    text = "" if value is None else one_line(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def natural_key(text):
    """Sort key that orders numbers by value: S1, S2, S10 (not S1, S10, S2)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _NUMBERS.split(str(text))]
