"""The one place tests find the recorded payloads: $ACCORD_SAMPLE_DATA, else ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import samples
from tests.samples import SampleDataNotFound, sample_data_dir, sample_path


def test_the_variable_points_at_the_samples_when_it_is_set(tmp_path, monkeypatch):
    # given a clone whose samples live in a folder of its own
    (tmp_path / "jira").mkdir()
    monkeypatch.setenv("ACCORD_SAMPLE_DATA", str(tmp_path))
    # then that folder is the one the tests read
    assert sample_data_dir() == tmp_path
    assert sample_path("jira") == tmp_path / "jira"


def test_without_the_variable_the_folder_next_to_the_clone_is_used(tmp_path, monkeypatch):
    # given no variable and samples in <repo>/../shared/data
    monkeypatch.delenv("ACCORD_SAMPLE_DATA", raising=False)
    monkeypatch.setattr(samples, "DEFAULT", tmp_path)
    # then that folder is used
    assert sample_data_dir() == tmp_path


def test_the_default_is_the_shared_data_folder_beside_the_repository():
    repository = Path(__file__).resolve().parents[1]
    expected = repository.parent / "shared" / "data"
    assert expected == samples.DEFAULT


def test_with_neither_folder_the_error_names_both_and_the_fix(tmp_path, monkeypatch):
    # given no variable and no folder next to the clone
    monkeypatch.delenv("ACCORD_SAMPLE_DATA", raising=False)
    monkeypatch.setattr(samples, "DEFAULT", tmp_path / "absent")
    # when the tests look for the samples
    with pytest.raises(SampleDataNotFound) as raised:
        sample_data_dir()
    # then one sentence names the variable, the default folder and what to do
    message = str(raised.value)
    assert "ACCORD_SAMPLE_DATA is not set" in message
    assert str(tmp_path / "absent") in message
    assert "set ACCORD_SAMPLE_DATA to the folder" in message


def test_a_variable_naming_a_missing_folder_is_refused_not_ignored(tmp_path, monkeypatch):
    # given a variable pointing nowhere, while the default folder exists
    monkeypatch.setenv("ACCORD_SAMPLE_DATA", str(tmp_path / "typo"))
    monkeypatch.setattr(samples, "DEFAULT", tmp_path)
    # then the mistake is reported rather than silently replaced by the default
    with pytest.raises(SampleDataNotFound, match=r"ACCORD_SAMPLE_DATA=.*typo is not a folder"):
        sample_data_dir()


def test_a_missing_sample_file_is_named_with_the_folder_it_was_looked_for_in(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_SAMPLE_DATA", str(tmp_path))
    with pytest.raises(SampleDataNotFound, match=r"board-8-issues\.json is missing"):
        sample_path("jira", "board-8-issues.json")


def test_the_missing_folder_error_is_a_file_not_found_error():
    # so code that already handles FileNotFoundError keeps working
    assert issubclass(SampleDataNotFound, FileNotFoundError)
