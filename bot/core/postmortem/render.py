"""Rendering the postmortem's JSON form into Markdown through a Jinja2 template.

Teams may replace the template: a `postmortem.md.j2` in their runbooks directory's
`templates/` wins over the built-in one, and may `{% extends "builtin/postmortem.md.j2" %}` to
override single blocks. A replaced template that fails to load or render must not cost the
team its postmortem at close, so the built-in one is used instead and the failure is returned
as a sentence naming the file, the line and the error, for the caller to show.

Autoescaping is off because the output is Markdown, not HTML; the `cell` filter escapes table
pipes. StrictUndefined turns a misspelt field into an error instead of an empty string that
would silently drop a section. The sandbox keeps a template file to data and filters.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateSyntaxError,
)
from jinja2.sandbox import SandboxedEnvironment

from bot.core.postmortem.formatting import FILTERS
from runbooks import shipped_dir

TEMPLATE_NAME = "postmortem.md.j2"


def builtin_template_dir() -> Path:
    """The shipped `runbooks/templates` directory, wherever the package is installed."""
    return shipped_dir() / "templates"


@lru_cache(maxsize=16)
def _environment(custom_dir: str | None) -> SandboxedEnvironment:
    """One environment per template directory, kept so templates are compiled once; Jinja's
    loader still notices an edited file (it checks the modification time on each lookup)."""
    builtin = FileSystemLoader(str(builtin_template_dir()))
    loader: BaseLoader = builtin
    if custom_dir is not None:
        loader = ChoiceLoader([FileSystemLoader(custom_dir), PrefixLoader({"builtin": builtin})])
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def _render(custom_dir: str | None, data: Mapping[str, Any]) -> str:
    return _environment(custom_dir).get_template(TEMPLATE_NAME).render(pm=data)


def _describe(error: Exception, path: Path) -> str:
    """`<file> line <n>: <ErrorType>: <message>`, the line found in the rendered frames."""
    line: int | None = None
    if isinstance(error, TemplateSyntaxError):
        # The error may sit in a file the template extends or includes: name that one.
        path, line = Path(error.filename) if error.filename else path, error.lineno
    else:
        for frame in traceback.extract_tb(error.__traceback__):
            if Path(frame.filename) == path:
                line = frame.lineno
    where = f"{path} line {line}" if line else str(path)
    return f"{where}: {type(error).__name__}: {error}"


def render_markdown(
    data: Mapping[str, Any], *, template_dir: Path | None = None
) -> tuple[str, str | None]:
    """The Markdown, and why a replaced template was not used (None when nothing went wrong)."""
    if template_dir is None or not (template_dir / TEMPLATE_NAME).is_file():
        return _render(None, data), None
    custom = template_dir / TEMPLATE_NAME
    try:
        return _render(str(template_dir), data), None
    except Exception as error:  # any failure of a team's template falls back to ours
        return _render(None, data), _describe(error, custom)
