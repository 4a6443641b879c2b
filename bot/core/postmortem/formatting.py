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
from collections.abc import Callable, Iterable, Mapping
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
    if "&" in text:
        text = _BARE_AMPERSAND.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


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
    if moment.tzinfo is UTC:  # the common case, a few times faster than the general one
        return moment.isoformat()[:19] + "Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# What `iso` writes: ISO 8601 in UTC to the second, a four-digit year from 1000.
_ISO_UTC = re.compile(r"[1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


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
    if isinstance(value, str) and _ISO_UTC.fullmatch(value):  # `iso`'s form: cut, not parsed
        return f"{value[:10]} {value[11:16]}"
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
    if "|" in text:
        text = text.replace("\\|", "|").replace("|", "\\|")
    text = text.strip()
    if text.isprintable():  # no line break in it: one line (the common case, made quick)
        return Markdown(text or NOT_RECORDED)
    lines = (line.strip() for line in text.splitlines())
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


_TIMELINE_EMPTY = "| _not recorded_ | | | | | |"


def timeline_row(event: Mapping[str, Any], memo: dict[Any, str] | None = None) -> str:
    """One timeline table row for an event of the JSON form (`pm.timeline.events`): the time,
    the kind, the axis in bold, what happened with its link, who made it and who added it,
    each escaped as a template's `{{ }}` and filters would. `memo` keeps the escaped kinds,
    axes and people, which repeat, from one row to the next."""
    if memo is None:
        memo = {}
    at = event["at"]
    if isinstance(at, str) and _ISO_UTC.fullmatch(at):
        time = f"{at[:10]} {at[11:16]}"  # digits, dashes and a colon: nothing to escape
    else:
        time = str(markdown_text(utc_time(at)))
    kind, axis = event["kind"], event["axis_label"]
    by, added_by = event["by"], event["added_by"]
    permalink = event["permalink"]
    shown = memo.get(("kind", kind, axis))
    if shown is None:
        bold = f"**{markdown_text(axis)}**" if axis else ""
        shown = memo[("kind", kind, axis)] = f" | {markdown_text(kind)} | {bold} | "
    people = memo.get(("by", by, added_by))
    if people is None:
        added = cell(added_by) if added_by else ""
        people = memo[("by", by, added_by)] = f" | {cell(by)} | {added} |"
    what: str = cell(event["summary"])
    if permalink:
        what = f"{what} ([link]({permalink.translate(_URL_ESCAPES)}))"  # `link(permalink, "link")`
    return f"| {time}{shown}{what}{people}"


def timeline_rows(
    events: Iterable[Mapping[str, Any]], cache: dict[int, str] | None = None
) -> Markdown:
    """The rows of a timeline table (`| Time (UTC) | Kind | Axis | What | By | Added by |`), one
    a line, or one row saying nothing was recorded. The same as a template's loop writing each
    row's cells with the filters, made in one join: an incident may have 100,000 events, and a
    template pays for every attribute it reads. `cache` keeps each event's row (by identity)
    for a second table over the same events."""
    memo: dict[Any, str] = {}
    rows = []
    for event in events:
        if cache is None:
            rows.append(timeline_row(event, memo))
            continue
        row = cache.get(id(event))
        if row is None:
            row = cache[id(event)] = timeline_row(event, memo)
        rows.append(row)
    return Markdown("\n".join(rows) if rows else _TIMELINE_EMPTY)


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
    "timeline_rows": timeline_rows,
}
