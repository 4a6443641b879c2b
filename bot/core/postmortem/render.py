"""Rendering the postmortem's JSON form into Markdown through a Jinja2 template.

Teams may replace the template: a `postmortem.md.j2` in their runbooks directory's
`templates/` wins over the built-in one, and may `{% extends "builtin/postmortem.md.j2" %}` to
override single blocks. A replaced template that fails to load or render must not cost the
team its postmortem at close, so the built-in one is used instead and the failure is returned
as a sentence naming the file (relative to the templates folder: the sentence is shown in the
channel, which has no business knowing server paths), the line and the error, for the caller
to show. A team's template, or anything it includes, that is a link to a file outside the
templates folder is refused the same way: the folder is the whole of what a template may read.

Jinja's autoescaping is HTML's, not Markdown's, so it is off; every printed value goes through
`markdown_text` instead (the environment's `finalize`). StrictUndefined turns a misspelt
field into an error instead of an empty string that would silently drop a section. The
sandbox keeps a template file to data and filters.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    pass_eval_context,
)
from jinja2.loaders import split_template_path
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment

from bot.core.postmortem.formatting import FILTERS, Markdown, markdown_text, timeline_rows
from runbooks import shipped_dir

TEMPLATE_NAME = "postmortem.md.j2"


def builtin_template_dir() -> Path:
    """The shipped `runbooks/templates` directory, wherever the package is installed."""
    return shipped_dir() / "templates"


class TemplateOutsideFolder(TemplateError):
    """A template that is a link to a file outside the templates folder."""


class _ConfinedLoader(FileSystemLoader):
    """Templates from one folder, refusing any that resolves (through a link) outside it."""

    def __init__(self, folder: str) -> None:
        super().__init__(folder)
        self._root = Path(folder).resolve()

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        candidate = Path(self.searchpath[0], *split_template_path(template))
        if candidate.exists() and not candidate.resolve().is_relative_to(self._root):
            raise TemplateOutsideFolder(f"{template} links outside the templates folder")
        return super().get_source(environment, template)


@lru_cache(maxsize=16)
def _environment(custom_dir: str | None) -> SandboxedEnvironment:
    """One environment per template directory, kept so templates are compiled once; Jinja's
    loader still notices an edited file (it checks the modification time on each lookup)."""
    builtin = FileSystemLoader(str(builtin_template_dir()))
    loader: BaseLoader = builtin
    if custom_dir is not None:
        loader = ChoiceLoader([_ConfinedLoader(custom_dir), PrefixLoader({"builtin": builtin})])
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=markdown_text,
    )
    env.filters.update(FILTERS)
    env.filters["timeline_rows"] = _timeline_rows
    return env


@pass_eval_context
def _timeline_rows(eval_ctx: EvalContext, events: Iterable[Mapping[str, Any]]) -> Markdown:
    """`timeline_rows`, remembering each event's row for the length of one rendering (the key
    events' table and the full log share most of their rows)."""
    cache = eval_ctx.__dict__.setdefault("_timeline_row_cache", {})
    return timeline_rows(events, cache)


def _render(custom_dir: str | None, data: Mapping[str, Any]) -> str:
    return _environment(custom_dir).get_template(TEMPLATE_NAME).render(pm=data)


def _describe(error: Exception, template_dir: Path) -> str:
    """`<template> line <n>: <ErrorType>: <message>`, the template named as the team knows it
    (relative to its templates folder) and the line found in the rendered frames."""
    name, line = TEMPLATE_NAME, None
    if isinstance(error, TemplateSyntaxError):
        # The error may sit in a file the template extends or includes: name that one.
        name, line = error.name or name, error.lineno
    else:
        template = str(template_dir / TEMPLATE_NAME)
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename == template:
                line = frame.lineno
    where = f"{name} line {line}" if line else name
    return f"{where}: {type(error).__name__}: {_without_folder(str(error), template_dir)}"


def _without_folder(message: str, template_dir: Path) -> str:
    """An error's message with the templates folder left out of any path it quotes."""
    for folder in {str(template_dir), str(template_dir.resolve())}:
        message = message.replace(folder + os.sep, "").replace(folder, ".")
    return message


def render_markdown(
    data: Mapping[str, Any], *, template_dir: Path | None = None
) -> tuple[str, str | None]:
    """The Markdown, and why a replaced template was not used (None when nothing went wrong)."""
    if template_dir is None or not (template_dir / TEMPLATE_NAME).is_file():
        return _render(None, data), None
    try:
        return _render(str(template_dir), data), None
    except Exception as error:  # any failure of a team's template falls back to ours
        return _render(None, data), _describe(error, template_dir)
