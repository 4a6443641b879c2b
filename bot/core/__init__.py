"""The domain, free of Slack and of SQL: one package per feature, and a small shared kernel.

Kernel: `clock`, `errors`, `timeline` (kinds and root-cause axes), `unit_of_work`. Each feature
(`incidents`, `runbooks`, `changes`, `postmortem`, `reminders`) holds its model, its use cases
(`service`) and its ports. Import contracts in pyproject.toml (`lint-imports`) keep Slack, SQL,
HTTP and the rest of `bot` out.
"""
