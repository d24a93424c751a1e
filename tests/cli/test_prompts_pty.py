"""Prompts a person can drive, through a real pseudo-terminal: help at every question, `-` for an
empty answer where the default is not empty, and invalid input answered with what is accepted."""

from __future__ import annotations

import pexpect
import yaml

from tests.cli.test_interactive import spawn


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
