"""The one-question-at-a-time flow agrees with the algorithms: every path through the
questions ends with a result that no unasked finding could change."""

from __future__ import annotations

import pytest

from triage.incident import BOOL_ANSWERS, findings_from
from triage.questions import next_question, parse
from triage.triage_rules import jumpstart, salt, start

ALGORITHMS = [("start", False, start), ("start", True, jumpstart), ("salt", False, salt), ("salt", True, salt)]
OTHER_VALUES = {
    **{key: ["true", "false"] for key in BOOL_ANSWERS},
    "respiratory_rate": ["10", "20", "34", "50"],
    "capillary_refill_s": ["1", "3"],
    "avpu": ["A", "V", "P", "P-", "U"],
}


def _paths(algorithm: str, child: bool, raw: dict[str, str]):
    question = next_question(algorithm, child, parse(raw))
    if question is None:
        yield raw
        return
    assert question.key not in raw, f"{question.key} asked twice"
    for option in question.options:
        yield from _paths(algorithm, child, {**raw, question.key: option.value})


@pytest.mark.parametrize(("algorithm", "child", "rule"), ALGORITHMS)
def test_every_path_ends_with_a_result_no_unasked_finding_changes(algorithm, child, rule):
    paths = list(_paths(algorithm, child, {}))
    assert len(paths) >= 5
    for raw in paths:
        result = rule(findings_from(parse(raw)))
        # SALT's airway question covers a child's two rescue breaths (asked as one).
        unasked = [key for key in OTHER_VALUES if key not in raw
                   and not (algorithm == "salt" and key == "breathes_after_rescue_breaths")]
        for key in unasked:
            for value in OTHER_VALUES[key]:
                other = rule(findings_from(parse({**raw, key: value})))
                assert (other.colour, other.reason) == (result.colour, result.reason), (raw, key, value)


def test_each_colour_is_reachable_with_start_and_jumpstart():
    for child, rule in ((False, start), (True, jumpstart)):
        colours = {rule(findings_from(parse(raw))).colour.value for raw in _paths("start", child, {})}
        assert colours == {"red", "yellow", "green", "black"}


def test_salt_reaches_all_five_categories():
    colours = {salt(findings_from(parse(raw))).colour.value for raw in _paths("salt", False, {})}
    assert colours == {"red", "yellow", "green", "grey", "black"}


def test_answers_that_do_not_parse_are_refused_by_name():
    with pytest.raises(Exception) as refused:
        findings_from(parse({"walks": "perhaps"}))
    assert getattr(refused.value, "field", "") == "answers.walks"
    assert next(_paths("start", False, {})) == {"walks": "true"}
