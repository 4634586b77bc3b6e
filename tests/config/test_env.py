from __future__ import annotations

import pytest

from config.env import SettingError, env_bool, env_int, env_list


def test_booleans_accept_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("X", "yes")
    assert env_bool("X", False) is True
    monkeypatch.setenv("X", "0")
    assert env_bool("X", True) is False


def test_a_malformed_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(SettingError, match="DEBUG"):
        env_bool("DEBUG", False)


def test_a_malformed_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("API_PAGE_SIZE", "lots")
    with pytest.raises(SettingError, match="API_PAGE_SIZE"):
        env_int("API_PAGE_SIZE", 50)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example , b.example,")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.delenv("ALLOWED_HOSTS")
    assert env_list("ALLOWED_HOSTS", ["x"]) == ["x"]
