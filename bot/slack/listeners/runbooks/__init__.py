"""Slack listeners of the runbooks feature."""
