"""`prefect-scaffold new` driven by keystrokes through a real pseudo-terminal."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pexpect
import pytest
import yaml


def spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "prefect_scaffold", *args], encoding="utf-8",
                         timeout=60, env={"NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb",
                                          "PATH": os.environ["PATH"], "HOME": "/tmp",
                                          "PREFECT_SCAFFOLD_CACHE":
                                              os.environ["PREFECT_SCAFFOLD_CACHE"]})


@pytest.mark.slow
def test_questions_by_keystroke_then_the_equivalent_command_reproduces_the_project(tmp_path):
    child = spawn("new", str(tmp_path / "typed"))
    child.expect_exact("A. Do your flow runs need")
    child.sendline("y")
    child.expect_exact("C. Do you want serverless")
    child.sendline("n")
    child.expect_exact("D. Do you want to run flow runs on a managed Kubernetes")
    child.sendline("n")
    child.expect_exact("Recommended: serve_vm")
    child.expect_exact("Use serve_vm?")
    child.sendline("")
    child.expect_exact("Project name")
    child.sendline("typed-flows")
    child.expect_exact("One-line description")
    child.sendline("")
    child.expect_exact("choose")
    child.sendline("2")  # 3.11
    child.expect_exact("Name of the example flow")
    child.sendline("nightly")
    child.expect_exact("Cron schedule")
    child.sendline("61 * * * *")
    child.expect_exact("must be a 5-field cron expression")  # asked again, not crashed
    child.expect_exact("Cron schedule")
    child.sendline("*/30 * * * *")
    # Not asked: a yes to containers on the way to serve_vm means serve.py in Docker.
    child.expect_exact("to render the same project without questions:")
    child.expect(r"prefect-scaffold new [^\r\n]+")
    command = shlex.split(child.after)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    typed = yaml.safe_load((tmp_path / "typed" / ".copier-answers.yml").read_text())
    assert typed["project_name"] == "typed-flows" and typed["python_version"] == "3.11"
    assert typed["schedule"] == "*/30 * * * *" and typed["docker"] is True
    assert [step["answer"] for step in typed["decision_path"]] == ["yes", "no", "no"]
    assert (tmp_path / "typed" / "flows" / "nightly.py").is_file()

    assert command[:3] == ["prefect-scaffold", "new", str(tmp_path / "typed")]
    command[2] = str(tmp_path / "again")
    subprocess.run([sys.executable, "-m", "prefect_scaffold", *command[1:]], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True)
    again = yaml.safe_load((tmp_path / "again" / ".copier-answers.yml").read_text())
    assert again == typed


@pytest.mark.slow
def test_ctrl_c_at_a_prompt_writes_nothing(tmp_path):
    child = spawn("new", str(tmp_path / "p"), "--template", "serve_vm")
    child.expect_exact("Project name")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "p").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_declining_the_recommendation_offers_the_other_templates(tmp_path):
    child = spawn("new", str(tmp_path / "p"), "--no-containers")
    child.expect_exact("Use serve_vm?")
    child.sendline("n")
    child.expect_exact("Template")
    child.sendline("nope")
    child.expect_exact("'nope' is not one of")  # asked again until a template is named
    child.sendintr()
    child.expect(pexpect.EOF)
    assert not (tmp_path / "p").exists()
