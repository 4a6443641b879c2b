"""Incidents: declaring, channels, roles, severity, stakeholder updates, the timeline."""
