"""The simulate_incident command: a seeded run, its chart, and bad options refused by name."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("simulate_incident", *args, stdout=out)
    return out.getvalue()


def test_it_writes_the_chart_of_a_seeded_run(tmp_path):
    svg = tmp_path / "incident.svg"
    text = _run("--sensing", "2", "--buffer", "1", "--seed", "3", "--ticks", "20", "--output", str(svg))
    assert "sensing 2, buffer 1, seed 3" in text
    chart = svg.read_text()
    assert chart.startswith("<svg") and "victims not yet at a hospital" in chart
    assert "sensing 2, buffer 1, seed 3" in chart


def test_the_same_seed_gives_the_same_run():
    args = ("--sensing", "3", "--buffer", "2", "--seed", "5", "--ticks", "15", "--json")
    assert _run(*args) == _run(*args)


def test_a_longer_buffer_keeps_victims_at_the_scene_longer():
    def waiting(buffer: str) -> int:
        out = _run("--sensing", "1", "--buffer", buffer, "--seed", "1", "--ticks", "12", "--json",
                   "--deterioration", "0")
        return sum(r["victims_waiting"] for r in json.loads(out.splitlines()[0]))

    assert waiting("4") >= waiting("0")


@pytest.mark.parametrize(("args", "name"), [
    (("--sensing", "0"), "--sensing"),
    (("--buffer", "-1"), "--buffer"),
    (("--victims", "0"), "--victims"),
    (("--deterioration", "2"), "--deterioration"),
])
def test_bad_options_are_refused_by_name(args, name):
    with pytest.raises(CommandError, match=name):
        _run(*args)


def test_it_draws_runs_with_other_sensing_and_buffer_into_one_png(tmp_path):
    png = tmp_path / "incident.png"
    text = _run("--sensing", "1", "--buffer", "0", "--compare", "4:2", "--seed", "3", "--ticks", "12",
                "--victims", "12", "--ambulances", "6", "--output", str(png))
    assert f"chart written to {png}" in text
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


@pytest.mark.parametrize(("args", "message"), [
    (("--compare", "2:1"), "--compare"),  # a comparison needs a PNG to draw into
    (("--compare", "x", "--output", "a.png"), "--compare"),
    (("--compare", "0:1", "--output", "a.png"), "--compare"),
    (("--output", "chart.gif"), "--output"),
])
def test_bad_chart_options_are_refused_by_name(args, message):
    with pytest.raises(CommandError, match=message):
        _run("--ticks", "2", *args)
