"""Runbooks: phases with checklists, timeboxes, exit criteria and stabilization levers."""
