"""Regression cases and eval runs: the failing examples an incident leaves in the team's eval
set, and what the CI gate says about them."""
