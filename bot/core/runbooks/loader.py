"""Load runbook YAML files into a `RunbookCatalog`, reporting every problem with its line.

People edit these files by hand, so a problem is only useful when it says where:
`runbooks/ours.yaml:14: phases.1.timebox_minutes: required key is missing`. The YAML is composed
into nodes first (their marks carry line numbers), then validated by the pydantic models; each
validation error's location (`phases.1.timebox_minutes`) is walked back through the nodes to a
line. A missing key is reported at the line of the mapping that should hold it.

Where runbooks come from: the shipped ones (`runbooks.shipped_dir()`), then the files of an
optional custom directory (`AI_INCIDENT_RUNBOOKS_DIR`), where a runbook with a shipped name
replaces the shipped one. `extends: <name>` resolves as follows:

- a shipped runbook extends another shipped runbook, so the shipped set means the same
  everywhere, whatever a custom directory holds;
- a custom runbook extends a custom runbook of that name if there is one, else the shipped one;
- a custom runbook that extends its own name extends the shipped runbook it replaces
  (`name: default` + `extends: default` = "our default is the shipped one plus our checks").

How the base and the extension merge is `bot.core.runbooks.model.extend`.

Files are read from disk only at start-up (`serve`) and by `runbooks check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.core.runbooks.model import (
    ExtensionError,
    Loc,
    Runbook,
    RunbookCatalog,
    RunbookExtension,
    extend,
)
from runbooks import shipped_dir

__all__ = [
    "RunbookCatalog",
    "RunbookError",
    "RunbookProblem",
    "check_runbooks",
    "format_problems",
    "load_catalog",
]

RUNBOOK_SUFFIXES = (".yaml", ".yml")
# Not a key path: the problem is with the file or directory as a whole.
WHOLE_FILE = "(file)"
YAML_SYNTAX = "(yaml)"


@dataclass(frozen=True, order=True)
class RunbookProblem:
    """One thing wrong in one runbook file. `line` is 1-based; 0 means no particular line."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


def format_problems(problems: Iterable[RunbookProblem]) -> str:
    """One problem per line, in the `file:line: field: message` form editors can jump to."""
    return "\n".join(str(problem) for problem in problems)


class RunbookError(Exception):
    """The runbooks cannot be used as they are; the message lists every problem."""

    def __init__(self, problems: Sequence[RunbookProblem]) -> None:
        super().__init__(format_problems(problems))
        self.problems = tuple(problems)


def load_catalog(custom_dir: Path | None = None) -> RunbookCatalog:
    """The shipped runbooks plus those in `custom_dir`. Raises RunbookError on any problem:
    a deployment with a broken runbook should not start half-configured."""
    catalog, problems = _load(custom_dir)
    if problems:
        raise RunbookError(problems)
    return catalog


def check_runbooks(custom_dir: Path | None = None) -> list[RunbookProblem]:
    """Every problem in the shipped runbooks and in `custom_dir`; empty when all is well."""
    return _load(custom_dir)[1]


# --- Reading files ---------------------------------------------------------------------------

# Where a runbook file comes from; decides what its `extends` can see.
_Origin = Literal["shipped", "custom"]


@dataclass(frozen=True)
class _RunbookFile:
    """A file that parsed and validated on its own; `extends` is resolved later."""

    label: str
    root: yaml.MappingNode
    model: Runbook | RunbookExtension

    def problem(self, loc: Loc, message: str) -> RunbookProblem:
        return RunbookProblem(self.label, _line_of(self.root, loc), _field(loc), message)


@dataclass(frozen=True)
class _FileRead:
    """What reading one file gave: the file if it is valid on its own, and its runbook name
    and that name's line whenever they can be read (so even a broken file claims its name)."""

    file: _RunbookFile | None
    name: str | None = None
    name_line: int = 0


# name -> the file, or None when the file with that name is broken (already reported).
_ByName = dict[str, _RunbookFile | None]


def _load(custom_dir: Path | None) -> tuple[RunbookCatalog, list[RunbookProblem]]:
    problems: list[RunbookProblem] = []
    layers: dict[_Origin, _ByName] = {
        "shipped": _read_dir(shipped_dir(), problems),
        "custom": {} if custom_dir is None else _read_dir(custom_dir, problems),
    }
    resolver = _Resolver(layers, problems)
    chosen: dict[str, Runbook] = {}
    for layer in ("shipped", "custom"):
        for name in layers[layer]:
            runbook = resolver.resolve((layer, name))
            if runbook is not None:
                chosen[name] = runbook  # custom after shipped: a clash overrides
    return RunbookCatalog(chosen.values()), sorted(problems)


def _read_dir(directory: Path, problems: list[RunbookProblem]) -> _ByName:
    """The runbooks of one directory by name; a broken file whose name can be read maps to None,
    so that runbooks extending it are skipped instead of reported a second time."""
    if not directory.is_dir():
        problems.append(
            RunbookProblem(str(directory), 0, WHOLE_FILE, "not a directory of runbook files")
        )
        return {}
    runbooks: _ByName = {}
    label_of: dict[str, str] = {}
    paths = sorted(
        path
        for path in directory.iterdir()
        if path.suffix in RUNBOOK_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )
    for path in paths:
        read = _read_file(path, problems)
        name = read.name
        if name is None:
            continue
        if name in label_of:
            problems.append(
                RunbookProblem(
                    str(path),
                    read.name_line,
                    "name",
                    f"runbook name '{name}' is already used by {label_of[name]}; "
                    "names must be unique within a directory",
                )
            )
            continue
        label_of[name] = str(path)
        runbooks[name] = read.file
    return runbooks


def _read_file(path: Path, problems: list[RunbookProblem]) -> _FileRead:
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(RunbookProblem(label, 0, WHOLE_FILE, f"cannot read the file: {exc}"))
        return _FileRead(None)
    try:
        root, data = _compose_and_construct(text)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(label, exc))
        return _FileRead(None)
    except yaml.YAMLError as exc:
        problems.append(RunbookProblem(label, 0, YAML_SYNTAX, f"not valid YAML: {exc}"))
        return _FileRead(None)
    if root is None:
        problems.append(
            RunbookProblem(
                label,
                1,
                WHOLE_FILE,
                "the file is empty; a runbook needs at least name, title and phases",
            )
        )
        return _FileRead(None)
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        problems.append(
            RunbookProblem(
                label,
                root.start_mark.line + 1,
                WHOLE_FILE,
                "a runbook file must be a mapping of keys (name, title, phases, ...)",
            )
        )
        return _FileRead(None)
    problems.extend(_duplicate_keys(label, root))
    duplicates = _duplicate_names_and_ids(label, root, data)
    problems.extend(duplicates)
    name = data.get("name")
    read = _FileRead(None, name if isinstance(name, str) else None, _line_of(root, ("name",)))
    schema: type[Runbook] | type[RunbookExtension] = (
        RunbookExtension if data.get("extends") is not None else Runbook
    )
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        problems.extend(_validation_problems(label, root, schema, exc))
        return read
    if duplicates:
        return read
    return _FileRead(_RunbookFile(label, root, model), read.name, read.name_line)


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the plain data built from that same tree."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


def _syntax_problem(label: str, exc: yaml.MarkedYAMLError) -> RunbookProblem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 0
    message = exc.problem or "not valid YAML"
    if exc.context and exc.context_mark is not None:
        message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
    elif exc.context:
        message += f" ({exc.context})"
    return RunbookProblem(label, line, YAML_SYNTAX, message)


def _duplicate_keys(label: str, node: yaml.Node, loc: Loc = ()) -> list[RunbookProblem]:
    """YAML keeps the last of two equal keys without a word; in a hand-edited file that is
    almost always a mistake (two `checklist:` blocks, one silently lost)."""
    problems: list[RunbookProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            key_text = str(key.value)
            if key_text in seen:
                problems.append(
                    RunbookProblem(
                        label,
                        key.start_mark.line + 1,
                        _field((*loc, key_text)),
                        "this key appears twice in the same mapping; only the last would count",
                    )
                )
            seen.add(key_text)
            problems.extend(_duplicate_keys(label, value, (*loc, key_text)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems.extend(_duplicate_keys(label, item, (*loc, index)))
    return problems


_ENTRY_LISTS = ("checklist", "levers", "exit_criteria")
# The models refuse these too, but only once everything else in the list validates; the loader
# checks the raw data so that a file with several mistakes gets all of them in one run.
_DUPLICATE_ERRORS = {"duplicate_phase", "duplicate_id"}


def _duplicate_names_and_ids(
    label: str, root: yaml.MappingNode, data: dict[Any, Any]
) -> list[RunbookProblem]:
    phases = data.get("phases")
    if not isinstance(phases, list):
        return []
    problems: list[RunbookProblem] = []
    phase_names: set[str] = set()
    for index, phase in enumerate(phases):
        if not isinstance(phase, dict):
            continue
        name = phase.get("name")
        if isinstance(name, str):
            if name in phase_names:
                loc: Loc = ("phases", index, "name")
                problems.append(
                    RunbookProblem(
                        label,
                        _line_of(root, loc),
                        _field(loc),
                        f"phase '{name}' is defined twice; phase names must be unique",
                    )
                )
            phase_names.add(name)
        first_at: dict[str, str] = {}
        for list_name in _ENTRY_LISTS:
            entries = phase.get(list_name)
            if not isinstance(entries, list):
                continue
            for position, entry in enumerate(entries):
                entry_id = entry.get("id") if isinstance(entry, dict) else None
                if not isinstance(entry_id, str):
                    continue
                if entry_id in first_at:
                    loc = ("phases", index, list_name, position, "id")
                    problems.append(
                        RunbookProblem(
                            label,
                            _line_of(root, loc),
                            _field(loc),
                            f"id '{entry_id}' is used twice in this phase (first at "
                            f"{first_at[entry_id]}); ids must be unique within a phase",
                        )
                    )
                else:
                    first_at[entry_id] = f"{list_name}.{position}"
    return problems


# --- From validation errors to lines -------------------------------------------------------


def _validation_problems(
    label: str, root: yaml.MappingNode, schema: type[BaseModel], exc: ValidationError
) -> list[RunbookProblem]:
    problems = []
    for error in exc.errors():
        if error["type"] in _DUPLICATE_ERRORS:
            continue  # already reported from the raw data, see _duplicate_names_and_ids
        # Errors about a list or a phase as a whole name the offending entry in ctx["at"].
        at = (error.get("ctx") or {}).get("at", ())
        loc: Loc = (*error["loc"], *at)
        problems.append(
            RunbookProblem(label, _line_of(root, loc), _field(loc), _message(error, schema, loc))
        )
    return problems


def _line_of(root: yaml.Node, loc: Loc) -> int:
    """The line of the node at `loc`, or of the deepest enclosing node that exists (so a missing
    key points at the mapping that lacks it). For a key, the line of the key itself."""
    node = root
    line = root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = None
            for key, value in node.value:
                if str(key.value) == str(part):
                    match = (key, value)  # keep the last one, as the constructor does
            if match is None:
                return line
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _field(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) or WHOLE_FILE


def _message(error: ErrorDetails, schema: type[BaseModel], loc: Loc) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        allowed = _keys_allowed_at(schema, loc[:-1])
        unknown = str(loc[-1]) if loc else ""
        close = get_close_matches(unknown, allowed, n=1)
        suggestion = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown key (allowed here: {', '.join(allowed)}){suggestion}"
    ctx = error.get("ctx") or {}
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entry"
    if kind == "too_long":
        return (
            f"has {ctx.get('actual_length')} entries; at most {ctx.get('max_length')} fit "
            "one Slack message"
        )
    message = error["msg"]
    if kind.endswith("_type"):
        message = f"{message}, not {_describe(error['input'])}"
    return message


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _keys_allowed_at(schema: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the model found at `loc` (list indices skip to the item model)."""
    model = schema
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        if get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


# --- Resolving `extends` ---------------------------------------------------------------------

_Key = tuple[_Origin, str]


class _Resolver:
    """Resolves each runbook once, base first. A runbook whose base has a problem is left out
    without a second problem, so one mistake is reported once."""

    def __init__(self, layers: dict[_Origin, _ByName], problems: list[RunbookProblem]) -> None:
        self._layers = layers
        self._problems = problems
        self._done: dict[_Key, Runbook | None] = {}

    def resolve(self, key: _Key, chain: tuple[_Key, ...] = ()) -> Runbook | None:
        if key in self._done:
            return self._done[key]
        file = self._layers[key[0]][key[1]]
        result: Runbook | None
        if file is None:
            result = None
        elif isinstance(file.model, Runbook):
            result = file.model
        else:
            result = self._resolve_extension(key, file, file.model, (*chain, key))
        self._done[key] = result
        return result

    def _resolve_extension(
        self, key: _Key, file: _RunbookFile, extension: RunbookExtension, chain: tuple[_Key, ...]
    ) -> Runbook | None:
        base_key = self._base_of(key, extension.extends)
        if base_key is None:
            self._problems.append(file.problem(("extends",), self._unknown_base(key, extension)))
            return None
        if base_key in chain:
            cycle = " -> ".join(name for _, name in (*chain[chain.index(base_key) :], base_key))
            self._problems.append(file.problem(("extends",), f"extends cycle: {cycle}"))
            return None
        base = self.resolve(base_key, chain)
        if base is None:
            return None
        try:
            return extend(base, extension)
        except ExtensionError as exc:
            self._problems.extend(file.problem(issue.loc, issue.message) for issue in exc.issues)
            return None

    def _base_of(self, key: _Key, target: str) -> _Key | None:
        layer, name = key
        shipped = self._layers["shipped"]
        if layer == "custom" and target != name and target in self._layers["custom"]:
            return ("custom", target)
        if target in shipped and (layer == "custom" or target != name):
            return ("shipped", target)
        return None

    def _unknown_base(self, key: _Key, extension: RunbookExtension) -> str:
        layer, name = key
        if extension.extends == name:
            return (
                f"runbook '{name}' extends itself; only a custom runbook can extend the shipped "
                "runbook of the same name"
            )
        visible = set(self._layers["shipped"]) | (
            set(self._layers["custom"]) if layer == "custom" else set()
        )
        visible.discard(name)
        return f"no runbook named '{extension.extends}' (known: {', '.join(sorted(visible))})"
