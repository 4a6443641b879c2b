"""Modals: one module per form, building its view and reading its state into the core's input."""
