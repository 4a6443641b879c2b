"""The domain, free of Slack and of SQL.

Everything here is plain Python and pydantic: the incident state, the timeline kinds and their
root-cause axes, the ports (repository, notifier, clock) and the use-case services that drive
them. A lint rule (bot/core/ruff.toml) keeps slack_bolt, slack_sdk and sqlalchemy out.
"""
