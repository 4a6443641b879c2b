"""Slack listeners of the changes feature."""
