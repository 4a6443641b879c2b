"""What a command that cannot start raises: main() prints it as one line and exits non-zero."""

from __future__ import annotations

EXIT_FAILED = 2


class StartupError(Exception):
    """The command cannot start; the message is one line naming the fix (and no secret)."""
