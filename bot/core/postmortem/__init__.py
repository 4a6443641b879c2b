"""The postmortem: what responders record, how it is checked, and how it is compiled.

- `analysis`: the recorded facts (detection, scope rows, root cause, action items, resolution).
- `forms`: the input models of the forms: raw values -> those models, or `{field: message}`.
- `flags`: the review flags, DOMAIN.md's anti-patterns as named checks.
- `compiler`: the JSON form and the Markdown, rendered through a replaceable Jinja2 template.
- use cases: `records_service` (detection, scope, root cause), `action_items_service`, and
  `service` (the document as it stands, and the close); `reader` loads what they all read.
"""

from bot.core.postmortem.compiler import Postmortem, compile_postmortem
from bot.core.postmortem.draft import CloseOverride, PostmortemInput
from bot.core.postmortem.flags import Flag, blocking, review

__all__ = [
    "CloseOverride",
    "Flag",
    "Postmortem",
    "PostmortemInput",
    "blocking",
    "compile_postmortem",
    "review",
]
