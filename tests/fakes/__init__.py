"""Test doubles of the core's ports, shared by every test folder: import them from here."""
