"""A team template's copier.yml Jinja cannot exhaust the machine (issue 20, finding 4).

Every payload of the issue, and new ones of the same classes (huge strings by padding,
formatting, joining, replacing or doubling; huge integers; long loops; a backtracking regex), is
refused under `new --dry-run` without --trust: exit 2, one line naming the question, and the
process's peak memory stays under 200 MB. The bounds themselves (1 s of evaluation, 64 MB more
address space) are in answers/questions.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.answers.test_questions_sandbox import team_template

ISSUE = [
    "{{ 'x'.ljust(3e8|int) }}",
    "{{ 'x'.ljust(300000000) }}",
    "{{ '{:>300000000}'.format('x') }}",
    "{{ 'x'|center(300000000) }}",
    "{{ '%300000000s'|format('x') }}",
    "{{ 'x'|indent(300000000, true) }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s|length }}",
    "{{ ((10**1000)**1000)**1000 }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
]
NEW = [
    "{{ 'x'.rjust(300000000) }}",
    "{{ 'x'.zfill(300000000) }}",
    "{{ ('x' * 999999).replace('x', 'y' * 500) }}",
    "{{ (['x' * 999999] * 999)|join }}",
    "{{ ('ab ' * 333333)|wordwrap(2) }}",
    "{{ '{:0300000000d}'.format(1) }}",
    "{{ (2 ** 99999) * (2 ** 99999) }}",
    "{{ 99999999999 ** 9999 }}",
    "{{ ('a' * 40 ~ 'b')|regex_search('(a+)+$') }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
    "{{ range(100000)|map('string')|join * 1 }}{% for i in range(99999) %}{% for j in "
    "range(99999) %}{% if i == j %}{% endif %}{% endfor %}{% endfor %}",
    "{% macro r(n) %}{{ r(n) }}{% endmacro %}{{ r(1) }}",
]

MEASURE = """
import resource, subprocess, sys
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"code": run.returncode, "stderr": run.stderr,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


#: Every payload as a default; one of each class (memory, time) as a validator and a `when`.
CASES = [(expression, "default") for expression in ISSUE + NEW] + [
    (expression, field) for expression in (ISSUE[0], ISSUE[-1], NEW[-4])
    for field in ("validator", "when")]


@pytest.mark.parametrize(("expression", "field"), CASES)
@pytest.mark.slow
def test_an_unbounded_expression_is_refused_with_bounded_memory(tmp_path, expression, field):
    question = {"type": "str", "default": "x", field: expression}
    source = team_template(tmp_path / "team", question)
    command = [sys.executable, "-m", "prefect_scaffold", "new", str(tmp_path / "p"),
               "--template-source", str(source), "--defaults", "--dry-run"]
    measured = subprocess.run([sys.executable, "-c", "import json\n" + MEASURE, *command],
                              capture_output=True, text=True, check=True, timeout=300)
    outcome = json.loads(measured.stdout)
    assert outcome["code"] == 2, outcome
    lines = outcome["stderr"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: template question team_name:"), lines
    assert outcome["peak_mb"] < 200, outcome
    assert not Path(tmp_path / "p").exists()
