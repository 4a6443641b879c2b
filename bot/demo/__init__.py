"""`ai-incident demo`: a whole scripted incident through the real app against the Slack sandbox.

- `rehearsal`: the real runtime wired to the sandbox (the end-to-end tests drive it too).
- `story`: the legal-RAG incident, told step by step.
- `ledger`, `postmortem`: its change-ledger and postmortem chapters.
"""
