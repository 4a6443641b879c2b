"""Runbooks as data: ordered phases, each with a timebox, a checklist, stabilization levers and
exit criteria.

Teams own their runbooks as YAML files (see runbooks/README.md); `bot.core.runbooks.loader`
turns those files into the models below. The models are strict and forbid unknown keys because
a typo in a file someone edits by hand ("timebox: 15") must be an error, not a silently ignored
key that leaves a phase without a clock.

Ids and names are short slugs because they travel inside Slack action ids and option values,
which have tight length limits. The size caps on texts and lists exist for the same reason: a
phase's checklist must fit one Slack message (50 blocks, 3000 characters per section).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.core.errors import DomainError

SLUG_MAX_LENGTH = 40
_SLUG = re.compile(r"[a-z0-9_-]+")

# Titles and signals show up as select options and button labels, which Slack caps at 75.
SHORT_TEXT_MAX = 75
ITEM_TEXT_MAX = 200
PROSE_MAX = 1000
MAX_CHECKLIST_ITEMS = 20
MAX_LEVERS = 10
MAX_EXIT_CRITERIA = 10
# A week: a longer "timebox" is not a timebox, and usually a minutes/hours mix-up.
MAX_TIMEBOX_MINUTES = 7 * 24 * 60


def _check_slug(value: str) -> str:
    if len(value) > SLUG_MAX_LENGTH or not _SLUG.fullmatch(value):
        raise PydanticCustomError(
            "slug",
            "must be a short slug: 1 to {max} characters from a-z, 0-9, '-' and '_' "
            "(got '{value}')",
            {"max": SLUG_MAX_LENGTH, "value": value[:60]},
        )
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT_MAX)
]
ItemText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ITEM_TEXT_MAX)
]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, max_length=PROSE_MAX)]
Timebox = Annotated[int, Field(gt=0, le=MAX_TIMEBOX_MINUTES)]


class UnknownRunbookError(DomainError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"There is no runbook '{name}'. Runbooks: {', '.join(known)}.")
        self.name = name


class UnknownPhaseError(DomainError):
    def __init__(self, runbook: str, phase: str, known: Sequence[str]) -> None:
        super().__init__(
            f"Runbook '{runbook}' has no phase '{phase}'. Its phases: {', '.join(known)}."
        )
        self.phase = phase


class UnknownRunbookEntryError(DomainError):
    """A checklist item, lever or exit criterion id that the phase does not have, typically a
    button on an old message after the runbook was edited."""

    def __init__(self, phase: str, kind: str, entry_id: str) -> None:
        super().__init__(
            f"Phase '{phase}' has no {kind} '{entry_id}'; the runbook may have changed since "
            "this message was posted."
        )
        self.entry_id = entry_id


class _RunbookModel(BaseModel):
    # strict: YAML already gives typed values, so "15" where a number belongs is a mistake to
    # report, not to coerce. frozen: one catalogue is shared by every request.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChecklistItem(_RunbookModel):
    """One check a responder ticks. Required items block advancing to the next phase."""

    id: Slug
    text: ItemText
    required: bool = True
    hint: Prose | None = None


class StabilizationLever(_RunbookModel):
    """A way to stop the bleeding before the cause is fixed. Pulling one is recorded with who
    authorized it and the trade-off, which `trade_off_prompt` asks for."""

    id: Slug
    title: ShortText
    description: Prose
    trade_off_prompt: ItemText


class ExitCriterion(_RunbookModel):
    """A measured signal a responder confirms before mitigation counts as done."""

    id: Slug
    signal: ShortText
    description: Prose


def _unique_entry_ids(
    checklist: Sequence[ChecklistItem],
    levers: Sequence[StabilizationLever],
    exit_criteria: Sequence[ExitCriterion],
) -> None:
    """Ids are unique across a phase's three lists, because a Slack action carries only the
    phase and the id."""
    seen: dict[str, str] = {}
    lists: tuple[tuple[str, Sequence[ChecklistItem | StabilizationLever | ExitCriterion]], ...] = (
        ("checklist", checklist),
        ("levers", levers),
        ("exit_criteria", exit_criteria),
    )
    for list_name, entries in lists:
        for index, entry in enumerate(entries):
            where = f"{list_name}.{index}"
            if entry.id in seen:
                raise PydanticCustomError(
                    "duplicate_id",
                    "id '{id}' is used twice in this phase (first at {first})",
                    # `at` lets the loader point at the second occurrence, not the whole phase.
                    {"id": entry.id, "first": seen[entry.id], "at": (list_name, index, "id")},
                )
            seen[entry.id] = where


class RunbookPhase(_RunbookModel):
    """One phase of a runbook: what it is for, how long it may take, and what to do in it."""

    name: Slug
    title: ShortText
    timebox_minutes: Timebox
    goal: Prose = ""
    checklist: Annotated[list[ChecklistItem], Field(max_length=MAX_CHECKLIST_ITEMS)] = []
    levers: Annotated[list[StabilizationLever], Field(max_length=MAX_LEVERS)] = []
    exit_criteria: Annotated[list[ExitCriterion], Field(max_length=MAX_EXIT_CRITERIA)] = []

    @model_validator(mode="after")
    def _ids_are_unique(self) -> RunbookPhase:
        _unique_entry_ids(self.checklist, self.levers, self.exit_criteria)
        return self

    @property
    def required_items(self) -> list[ChecklistItem]:
        return [item for item in self.checklist if item.required]

    def item(self, item_id: str) -> ChecklistItem:
        return _find(self.name, "checklist item", self.checklist, item_id)

    def lever(self, lever_id: str) -> StabilizationLever:
        return _find(self.name, "stabilization lever", self.levers, lever_id)

    def exit_criterion(self, criterion_id: str) -> ExitCriterion:
        return _find(self.name, "exit criterion", self.exit_criteria, criterion_id)


_Entry = TypeVar("_Entry", ChecklistItem, StabilizationLever, ExitCriterion)


def _find(phase: str, kind: str, entries: Sequence[_Entry], entry_id: str) -> _Entry:
    for entry in entries:
        if entry.id == entry_id:
            return entry
    raise UnknownRunbookEntryError(phase, kind, entry_id)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_NamedT = TypeVar("_NamedT", bound=_Named)


def _unique_phase_names(phases: list[_NamedT]) -> list[_NamedT]:
    seen: set[str] = set()
    for index, phase in enumerate(phases):
        if phase.name in seen:
            raise PydanticCustomError(
                "duplicate_phase",
                "phase '{name}' is defined twice; phase names must be unique",
                {"name": phase.name, "at": (index, "name")},
            )
        seen.add(phase.name)
    return phases


DEFAULT_RUNBOOK = "default"
MAX_PHASES = 10


class Runbook(_RunbookModel):
    """An ordered list of phases. The order is the order responders walk them in."""

    name: Slug
    title: ShortText
    description: Prose = ""
    # Kept after resolution as a record of where the phases came from; see `extend`.
    extends: Slug | None = None
    phases: Annotated[
        list[RunbookPhase],
        Field(min_length=1, max_length=MAX_PHASES),
        AfterValidator(_unique_phase_names),
    ]

    @property
    def phase_names(self) -> list[str]:
        return [phase.name for phase in self.phases]

    @property
    def first_phase(self) -> RunbookPhase:
        return self.phases[0]

    def has_phase(self, name: str) -> bool:
        return any(phase.name == name for phase in self.phases)

    def phase(self, name: str) -> RunbookPhase:
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise UnknownPhaseError(self.name, name, self.phase_names)

    def next_phase(self, name: str) -> RunbookPhase | None:
        """The phase after `name`, or None when `name` is the last one."""
        index = self.phases.index(self.phase(name))
        return self.phases[index + 1] if index + 1 < len(self.phases) else None

    def required_items(self, phase: str | RunbookPhase) -> list[ChecklistItem]:
        """The items that must be ticked before leaving `phase`."""
        resolved = self.phase(phase) if isinstance(phase, str) else phase
        return resolved.required_items


# --- Extending a runbook -------------------------------------------------------------------


class PhaseExtension(_RunbookModel):
    """What an extending runbook says about one of its base's phases: every key but the name
    is optional, because the base already has a complete phase."""

    name: Slug
    title: ShortText | None = None
    timebox_minutes: Timebox | None = None
    goal: Prose | None = None
    checklist: Annotated[list[ChecklistItem], Field(max_length=MAX_CHECKLIST_ITEMS)] = []
    levers: Annotated[list[StabilizationLever], Field(max_length=MAX_LEVERS)] = []
    exit_criteria: Annotated[list[ExitCriterion], Field(max_length=MAX_EXIT_CRITERIA)] = []

    @model_validator(mode="after")
    def _ids_are_unique(self) -> PhaseExtension:
        _unique_entry_ids(self.checklist, self.levers, self.exit_criteria)
        return self


class RunbookExtension(_RunbookModel):
    """A runbook file with `extends: <base>`: additions to the base, merged by `extend`."""

    name: Slug
    title: ShortText
    description: Prose = ""
    extends: Slug
    phases: Annotated[
        list[PhaseExtension], Field(max_length=MAX_PHASES), AfterValidator(_unique_phase_names)
    ] = []


Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class ExtensionIssue:
    """Why an extension does not fit its base; `loc` points into the extension's own data."""

    loc: Loc
    message: str


class ExtensionError(Exception):
    def __init__(self, issues: Sequence[ExtensionIssue]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, i.loc))}: {i.message}" for i in issues))
        self.issues = tuple(issues)


_LISTS = ("checklist", "levers", "exit_criteria")


def extend(base: Runbook, extension: RunbookExtension) -> Runbook:
    """Apply `extension` to `base`. The merge rule:

    - The result is named, titled and described by the extension; `extends` records the base.
    - It has exactly the base's phases, in the base's order. An extension phase is matched to a
      base phase by name; naming a phase the base does not have is an error, so a typo cannot
      quietly add a phase. (To change the phase list, write a runbook without `extends`.)
    - In a matched phase, `title`, `timebox_minutes` and `goal` replace the base's when given.
      `checklist`, `levers` and `exit_criteria` merge list by list: an entry whose id the base
      list already has replaces that entry where it stands (to reword a check or make it
      optional); every other entry is appended after the base's entries, in file order. Reusing
      an id that the base phase has in a different list is an error.
    - Base phases the extension does not mention are kept as they are.

    Raises ExtensionError listing every problem, located in the extension's data.
    """
    issues: list[ExtensionIssue] = []
    mentioned: dict[str, tuple[int, PhaseExtension]] = {}
    for index, ext_phase in enumerate(extension.phases):
        if base.has_phase(ext_phase.name):
            mentioned[ext_phase.name] = (index, ext_phase)
        else:
            issues.append(
                ExtensionIssue(
                    ("phases", index, "name"),
                    f"runbook '{base.name}' has no phase '{ext_phase.name}' (its phases: "
                    f"{', '.join(base.phase_names)}); an extending runbook can only add to "
                    "its base's phases",
                )
            )
    merged: list[RunbookPhase] = []
    for base_phase in base.phases:
        if base_phase.name not in mentioned:
            merged.append(base_phase)
            continue
        index, ext_phase = mentioned[base_phase.name]
        conflicts = _cross_list_conflicts(base_phase, ext_phase, index)
        issues.extend(conflicts)
        if not conflicts:
            try:
                merged.append(_merge_phase(base_phase, ext_phase))
            except ValidationError as exc:
                issues.extend(_located_in_extension(exc, index, base.name))
    if issues:
        raise ExtensionError(issues)
    return Runbook.model_validate(
        {
            "name": extension.name,
            "title": extension.title,
            "description": extension.description,
            "extends": base.name,
            "phases": merged,
        }
    )


def _cross_list_conflicts(
    base_phase: RunbookPhase, ext_phase: PhaseExtension, index: int
) -> list[ExtensionIssue]:
    list_of_base_id = {
        entry.id: list_name for list_name in _LISTS for entry in getattr(base_phase, list_name)
    }
    issues = []
    for list_name in _LISTS:
        for position, entry in enumerate(getattr(ext_phase, list_name)):
            base_list = list_of_base_id.get(entry.id)
            if base_list is not None and base_list != list_name:
                issues.append(
                    ExtensionIssue(
                        ("phases", index, list_name, position, "id"),
                        f"id '{entry.id}' is already used by {base_list} in phase "
                        f"'{base_phase.name}' of the base runbook; pick another id",
                    )
                )
    return issues


def _merge_phase(base_phase: RunbookPhase, ext_phase: PhaseExtension) -> RunbookPhase:
    return RunbookPhase.model_validate(
        {
            "name": base_phase.name,
            "title": ext_phase.title or base_phase.title,
            "timebox_minutes": ext_phase.timebox_minutes or base_phase.timebox_minutes,
            "goal": base_phase.goal if ext_phase.goal is None else ext_phase.goal,
            **{
                list_name: _merge_entries(
                    getattr(base_phase, list_name), getattr(ext_phase, list_name)
                )
                for list_name in _LISTS
            },
        }
    )


def _merge_entries(base: Sequence[_Entry], additions: Sequence[_Entry]) -> list[_Entry]:
    replacements = {entry.id: entry for entry in additions}
    merged = [replacements.pop(entry.id, entry) for entry in base]
    merged.extend(entry for entry in additions if entry.id in replacements)
    return merged


def _located_in_extension(exc: ValidationError, index: int, base: str) -> list[ExtensionIssue]:
    """A merged phase broke a limit (say, too many checklist items). Entry positions in the
    merged lists mean nothing to the author, so point at the extension's list instead."""
    return [
        ExtensionIssue(
            ("phases", index, *error["loc"][:1]),
            f"after merging with runbook '{base}': {error['msg']}",
        )
        for error in exc.errors()
    ]


# --- The catalogue -------------------------------------------------------------------------


class RunbookCatalog:
    """The runbooks a deployment offers, by name: `default` first, then the others by name,
    which is the order the declare modal lists them in."""

    def __init__(self, runbooks: Iterable[Runbook]) -> None:
        by_name: dict[str, Runbook] = {}
        for runbook in runbooks:
            if runbook.name in by_name:
                raise ValueError(f"two runbooks are named '{runbook.name}'")
            by_name[runbook.name] = runbook
        ordered = sorted(by_name, key=lambda name: (name != DEFAULT_RUNBOOK, name))
        self._by_name = {name: by_name[name] for name in ordered}

    def get(self, name: str) -> Runbook:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownRunbookError(name, self.names()) from None

    def names(self) -> list[str]:
        return list(self._by_name)

    def options(self) -> list[tuple[str, str]]:
        """(name, title) pairs for a select menu."""
        return [(runbook.name, runbook.title) for runbook in self._by_name.values()]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Runbook]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)
