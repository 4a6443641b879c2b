"""Slack listeners of the postmortem feature."""
