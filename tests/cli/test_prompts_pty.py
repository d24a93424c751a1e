"""Prompts a person can drive, through a real pseudo-terminal: help at every question, `-` for an
empty answer where the default is not empty, and invalid input answered with what is accepted."""

from __future__ import annotations

import pexpect
import pytest
import yaml

from tests.cli.test_interactive import spawn


@pytest.mark.slow
def test_help_none_and_invalid_input_at_the_template_prompts(tmp_path):
    child = spawn("new", str(tmp_path / "night-jobs"), "--template", "serve_vm", "--no-git")
    child.expect_exact("Project name")
    child.expect_exact("[night-jobs]")  # the destination's name is offered
    child.sendline("?")
    child.expect_exact("project_name: Project name")
    child.sendline("")
    child.expect_exact("One-line description")
    child.sendline("?")
    child.expect_exact("description: One-line description")
    child.sendline("")
    child.expect_exact("choose 1-4 or a value")
    child.sendline("3.99")
    child.expect_exact("'3.99' is not one of: a number from 1 to 4, 3.10, 3.11")
    child.sendline("3.13")  # by value
    child.expect_exact("Name of the example flow")
    child.sendline("")
    child.expect_exact("Cron schedule")
    child.expect_exact("(- for none, ? for help)")
    child.sendline("-")
    child.expect_exact("Run every N minutes")  # asked because the schedule is now empty
    child.sendline("")
    child.expect_exact("Run serve.py in Docker")
    child.sendline("perhaps")
    child.expect_exact("'perhaps' is not one of: y, yes, n, no")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    answers = yaml.safe_load((tmp_path / "night-jobs" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "night-jobs" and answers["python_version"] == "3.13"
    assert answers["schedule"] == "" and answers["docker"] is False


@pytest.mark.slow
def test_tree_questions_say_what_is_accepted(tmp_path):
    child = spawn("new", str(tmp_path / "p"))
    child.expect_exact("A. Do your flow runs need")
    child.sendline("maybe")
    child.expect_exact("'maybe' is not one of: y, yes, n, no")
    child.sendline("no")
    child.expect_exact("Recommended: serve_vm")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)


def test_every_question_a_prompt_asks_has_help_text():
    from prefect_scaffold.catalog.registry import get_template, template_names

    silent = [(name, q.name) for name in template_names() for q in get_template(name).questions
              if not q.computed and q.prompted and not q.help.strip()]
    assert silent == []


@pytest.mark.slow
def test_question_mark_at_a_tree_question_shows_its_help(tmp_path):
    child = spawn("new", str(tmp_path / "p"))
    child.expect_exact("A. Do your flow runs need")
    child.sendline("?")
    child.expect_exact("Answers: yes -> serverless; no -> serve_vm. As a flag: --no-containers.")
    child.sendline("no")
    child.expect_exact("Recommended: serve_vm")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)


@pytest.mark.slow
def test_question_mark_at_a_template_question_says_what_is_allowed(tmp_path):
    child = spawn("new", str(tmp_path / "night-jobs"), "--template", "serve_vm", "--no-git")
    child.expect_exact("Project name")
    child.sendline("?")
    child.expect_exact("allowed: must be lowercase letters, digits and single dashes")
    child.expect_exact("without asking: --data project_name=VALUE")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)


@pytest.mark.slow
def test_push_pool_never_offers_the_self_hosted_api_it_refuses(tmp_path):
    given = ["project_name=p", "description=d", "python_version=3.12", "flow_name=hello_etl",
             "schedule=0 6 * * *", "provider=ecs", "work_pool_name=ecs-push-pool",
             "work_queue_name=default", "code_storage=image"]
    child = spawn("new", str(tmp_path / "p"), "--template", "push_pool", "--no-git",
                  *[arg for pair in given for arg in ("--data", pair)])
    child.expect_exact("Which Prefect API `prefect deploy` talks to")
    child.expect_exact(": cloud: Prefect Cloud (the only choice here)")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    assert "self-hosted" not in child.before


@pytest.mark.slow
def test_sigterm_at_a_prompt_exits_143_and_writes_nothing(tmp_path):
    import signal

    child = spawn("new", str(tmp_path / "p"), "--template", "serve_vm")
    child.expect_exact("Project name")
    child.kill(signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 143
    assert not (tmp_path / "p").exists()
