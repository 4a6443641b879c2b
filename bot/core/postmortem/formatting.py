"""How values read in the postmortem: times, durations, numbers, table cells, Mermaid text.

These are the Jinja filters the postmortem template uses (see `FILTERS`), kept as plain
functions so a team writing its own template gets the same wording for free, and so the JSON
form can hold raw values (ISO times, seconds) while the Markdown shows readable ones.

People's words reach the Markdown through `markdown_text`, which the renderer applies to every
value a template prints (its `finalize`), so a team's own template is as safe as ours: a title
cannot forge a heading, a description cannot carry raw HTML. Filters that write Markdown
themselves (a link, a table cell, a Mermaid label) escape their input and return `Markdown`,
which is printed as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

NOT_RECORDED = "_not recorded_"


class Markdown(str):
    """Text already written as Markdown, with any people's words in it escaped."""

    __slots__ = ()


# `&` that does not already start a character reference: escaping is idempotent, so a value
# printed through a macro and then again is not escaped twice.
_BARE_AMPERSAND = re.compile(
    r"&(?!(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)"
)
# What makes a line a block of its own at its start: a heading, a list item, a setext
# underline or thematic break, a code fence, a table row (`>`, a quote, is an entity by then).
# The mark's first character gets a backslash; an ordered list's `1.` gets it before the dot,
# since a backslash before a digit would show.
_BLOCK_START = re.compile(
    r"^([ \t]*)(?=#{1,6}(?:[ \t]|$)|[-+*](?:[ \t]|$)|[-=*_][-=*_ \t]*$|```|~~~|\|)",
    re.MULTILINE,
)
_ORDERED_MARK = re.compile(r"^([ \t]*\d{1,9})([.)])(?=[ \t]|$)", re.MULTILINE)


def _inline(text: str) -> str:
    return _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def markdown_text(value: Any) -> Any:
    """People's words as Markdown shows them: `<script>` as text, and no line of theirs
    starting a heading, a list, a fence or a table. Markdown and non-strings pass unchanged."""
    if not isinstance(value, str) or isinstance(value, Markdown):
        return value
    text = _inline(value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ORDERED_MARK.sub(r"\1\\\2", text)
    return _BLOCK_START.sub(lambda found: found[1] + "\\", text)


def oneline(value: Any) -> str:
    """A value on one line, for a heading: line breaks folded into spaces."""
    return " ".join(str(value).split())


def iso(moment: datetime | None) -> str | None:
    """The JSON form of a time: ISO 8601 in UTC with a Z, to the second."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def show(value: Any) -> Any:
    """The value, or "_not recorded_" when there is none: a reader must never see "None"."""
    if value is None or value == "" or value == []:
        return NOT_RECORDED
    return value


def utc(value: str | datetime | None) -> str:
    """`2024-03-05 14:03 UTC`."""
    if value is None or value == "":
        return NOT_RECORDED
    return _parse(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def utc_time(value: str | datetime) -> str:
    """`2024-03-05 14:03`, for a table whose header already says UTC."""
    return _parse(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def duration(seconds: float | None) -> str:
    """A span as people say it: `42 d 3 h`, `3 h 10 min`, `3 h`, `45 min`, `30 s`.

    The one rule for every duration in the postmortem: the largest unit, then the next one
    down only when it is not zero (never `3 h 00 min`), the rest cut off, not rounded, so a
    span never reads longer than it was; seconds only under a minute."""
    if seconds is None:
        return NOT_RECORDED
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [f"{days} d"] + ([f"{hours} h"] if hours else [])
    elif hours:
        parts = [f"{hours} h"] + ([f"{minutes} min"] if minutes else [])
    elif minutes:
        parts = [f"{minutes} min"]
    else:
        parts = [f"{secs} s"]
    return sign + " ".join(parts)


def number(value: float | int | None) -> str:
    """`100`, `0.72`, `12345.6`: no float noise, no exponent, no trailing zeros."""
    if value is None:
        return NOT_RECORDED
    if float(value).is_integer():
        return str(int(value))
    return f"{round(float(value), 4):f}".rstrip("0").rstrip(".")


def signed(value: float | int | None) -> str:
    if value is None:
        return NOT_RECORDED
    text = number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def percent(value: float | None) -> str:
    """A relative change: `-95%`, `+900%`, `-4.5%`."""
    if value is None:
        return NOT_RECORDED
    rounded = round(value, 1)
    text = f"{rounded:+.1f}".removesuffix(".0")
    return "0%" if rounded == 0 else f"{text}%"


def count(value: int | None) -> str:
    return NOT_RECORDED if value is None else f"{value:,}"


def cell(value: Any) -> Markdown:
    """A Markdown table cell: pipes escaped and line breaks kept, so no value breaks the row."""
    text = _inline(str(show(value)))
    text = text.replace("\\|", "|").replace("|", "\\|")
    lines = (line.strip() for line in text.strip().splitlines())
    return Markdown("<br>".join(lines) or NOT_RECORDED)


_URL_ESCAPES = str.maketrans({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})


def link(url: str | None, text: str | None = None) -> Any:
    """A Markdown link that survives parentheses and spaces in the address."""
    if not url:
        return NOT_RECORDED if text is None else text
    safe = url.translate(_URL_ESCAPES)
    label = _inline(" ".join((text or url).split())).replace("[", "\\[").replace("]", "\\]")
    return Markdown(f"[{label}]({safe})")


# Mermaid's timeline grammar: a period is `[^#:\n]+`, an event ends at ": " and `#` or `%%`
# start a comment. Anything carrying those would cut an entry short or break the diagram.
_MERMAID_REPLACEMENTS = str.maketrans(
    {
        "#": "\uff03",  # look-alikes: the reader sees the character, Mermaid does not
        ";": ",",
        "<": "\u2039",
        ">": "\u203a",
        "`": "'",
        "{": "(",
        "}": ")",
        "\n": " ",
        "\r": " ",
        "\t": " ",
    }
)
_COLON_BREAK = re.compile(r":(?=\s|$)")
_PERCENTS = re.compile(r"%{2,}")


def mermaid(value: Any, limit: int = 80) -> Markdown:
    """Text safe inside a Mermaid timeline entry, shortened to `limit` characters."""
    text = str(value).translate(_MERMAID_REPLACEMENTS)
    text = _PERCENTS.sub("%", _COLON_BREAK.sub(" -", text))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    # A period label may not contain a colon at all.
    return Markdown(text or "-")


def mermaid_period(value: str) -> Markdown:
    return Markdown(mermaid(value).replace(":", "h"))


FILTERS: dict[str, Callable[..., Any]] = {
    "show": show,
    "utc": utc,
    "utc_time": utc_time,
    "duration": duration,
    "number": number,
    "signed": signed,
    "percent": percent,
    "count": count,
    "cell": cell,
    "oneline": oneline,
    "link": link,
    "mermaid": mermaid,
    "mermaid_period": mermaid_period,
}
