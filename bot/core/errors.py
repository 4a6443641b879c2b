"""Domain errors: each carries a message a responder can act on.

The Slack app's single error handler turns these into ephemeral replies; the REST API turns
them into 4xx bodies. Anything else is a bug and is logged, never shown.
"""

from __future__ import annotations


class DomainError(Exception):
    """An error whose message is safe and useful to show to the person who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAnIncidentChannel(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "This command works inside an incident channel. Run it in the channel of the "
            "incident (see `/ai-incident list`), or declare one with `/ai-incident open <title>`."
        )


class IncidentNotFound(DomainError):
    def __init__(self, number: int) -> None:
        super().__init__(f"There is no incident #{number}.")
        self.number = number


class IncidentClosed(DomainError):
    def __init__(self, number: int) -> None:
        super().__init__(f"Incident #{number} is closed; its record can no longer change.")
        self.number = number


class InvalidInput(DomainError):
    """Bad input, naming the field at fault so the user can fix exactly that."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DuplicateDeclaration(Exception):
    """Storage saw the declare key already taken; the declaration is a repeat, not an error."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
