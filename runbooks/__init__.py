"""The runbooks and the postmortem template shipped with ai-incident: data users may edit.

This is a package only so that the files travel with `pip install .` and can be found from any
working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_dir() -> Path:
    """The directory holding the shipped runbook YAML files (and `templates/`)."""
    location = files(__name__)
    if not isinstance(location, Path):
        # Only happens for an install that is not on the file system (a zip); the loader reads
        # directories, so say so plainly instead of failing later with a stranger error.
        raise RuntimeError(f"the shipped runbooks are not in a directory: {location}")
    return location
