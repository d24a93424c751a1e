"""The templates' own validators, as our CLI evaluates them, checked against Prefect itself."""

import pytest

from prefect_scaffold.answers import questions
from prefect_scaffold.catalog.registry import get_template
from prefect_scaffold.errors import InvalidAnswer

VALID = ["0 6 * * *", "*/15 * * * *", "0 9-17 * * 1-5", "30 2 1,15 * *", "0 0 * jan mon",
         "@daily", "@hourly"]
INVALID = ["61 * * * *", "0 24 * * *", "* * *", "0 6 32 * *", "every day", "0 6 * 13 *",
           "0 6 * * 8"]


def our_verdict(expression: str) -> bool:
    schedule = get_template("serve_vm").question("schedule")
    try:
        questions.validate(schedule, expression, {})
    except InvalidAnswer:
        return False
    return True


def prefects_verdict(expression: str) -> bool:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=expression)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("expression", VALID + INVALID)
def test_schedule_validator_agrees_with_prefects_cron_schedule(expression):
    assert our_verdict(expression) == prefects_verdict(expression) == (expression in VALID)


def test_six_field_cron_is_refused_though_prefect_reads_seconds():
    # Prefect's croniter accepts a seconds field; the question promises 5 fields, as cron has.
    assert prefects_verdict("0 6 * * * *") and not our_verdict("0 6 * * * *")


def test_empty_schedule_means_none():
    assert our_verdict("")


@pytest.mark.parametrize(("name", "ok"), [("my-flows", True), ("a", True), ("flows2", True),
                                          ("My-Flows", False), ("my_flows", False),
                                          ("-x", False), ("x--y", False), ("x" * 65, False)])
def test_project_name_is_a_directory_and_distribution_name(name, ok):
    question = get_template("serve_vm").question("project_name")
    if ok:
        questions.validate(question, name, {})
    else:
        with pytest.raises(InvalidAnswer, match="project_name"):
            questions.validate(question, name, {})


def test_cast_turns_strings_into_the_questions_type():
    template = get_template("serve_vm")
    assert questions.cast(template.question("docker"), "yes") is True
    assert questions.cast(template.question("interval_minutes"), "15") == 15
    with pytest.raises(InvalidAnswer, match="whole number"):
        questions.cast(template.question("interval_minutes"), "1.5")
    with pytest.raises(InvalidAnswer, match="quote it"):
        questions.cast(template.question("python_version"), 3.1)
