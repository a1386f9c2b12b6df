"""Where the recorded Jira, Trello and GitHub payloads live, for the tests that read them.

The samples are real API answers kept outside the repository (they are not ours to publish),
by default in `shared/data` next to the clone. `ACCORD_SAMPLE_DATA` points elsewhere, for a
clone that has them somewhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

VARIABLE = "ACCORD_SAMPLE_DATA"
# <repo>/tests/samples.py → <repo>/../shared/data
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data"


class SampleDataNotFound(FileNotFoundError):
    """The folder of recorded payloads, or a file in it, is not where the tests look."""


def sample_data_dir() -> Path:
    """The folder holding the recorded payloads: $ACCORD_SAMPLE_DATA if set, else ../shared/data."""
    configured = os.environ.get(VARIABLE, "").strip()
    if configured:
        folder = Path(configured).expanduser()
        if folder.is_dir():
            return folder
        raise SampleDataNotFound(
            f"{VARIABLE}={configured} is not a folder; point it at the folder that holds "
            f"the jira/, trello/ and github/ samples, or unset it to use {DEFAULT}."
        )
    if DEFAULT.is_dir():
        return DEFAULT
    raise SampleDataNotFound(
        f"No sample data: {VARIABLE} is not set and {DEFAULT} does not exist; set "
        f"{VARIABLE} to the folder that holds the jira/, trello/ and github/ samples."
    )


def sample_path(*parts: str) -> Path:
    """A file or folder inside the sample data, e.g. sample_path("jira", "board-8-issues.json")."""
    folder = sample_data_dir()
    path = folder.joinpath(*parts)
    if not path.exists():
        raise SampleDataNotFound(f"{path} is missing from the sample data in {folder}.")
    return path
