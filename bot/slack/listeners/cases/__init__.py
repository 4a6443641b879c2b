"""Slack listeners of the regression cases."""
