"""Reminders: what is due (rules) and sending each exactly once (service)."""
