"""Every free-text question's validator judges the whole value: a trailing newline or CRLF (which
`$` in `re.search` lets through) would break prefect.yaml, deploy.sh or a flow's file name."""

from __future__ import annotations

import pytest

from prefect_scaffold.answers import questions
from prefect_scaffold.errors import InvalidAnswer
from prefect_scaffold.catalog.registry import get_template, template_names


def free_text_questions():
    for name in template_names():
        template = get_template(name)
        context = {}
        for question in template.questions:
            if question.default is not None:
                context[question.name] = questions.default(question, context)
            if (question.type == "str" and question.choices is None and not question.computed
                    and question.prompted):
                yield pytest.param(template, question, dict(context),
                                   id=f"{name}.{question.name}")


@pytest.mark.parametrize(("template", "question", "context"), list(free_text_questions()))
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_trailing_line_break_is_refused(template, question, context, ending):
    valid = context[question.name]
    questions.validate(question, valid, context)  # the default itself passes...
    with pytest.raises(InvalidAnswer, match=question.name):
        questions.validate(question, valid + ending, context)  # ...not with a line break


def test_a_flow_name_with_a_newline_is_refused_on_the_command_line(cli, tmp_path):
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                 "--data", "flow_name=hello\n")
    assert result.exit_code == 2 and "flow_name" in result.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("name", ["l", "import"])
def test_a_flow_name_ruff_refuses_as_a_function_name_is_refused(cli, tmp_path, name):
    # `def l(` fails the project's own lint (E743, an ambiguous name); a keyword is no name at all.
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                 "--data", f"flow_name={name}")
    assert result.exit_code == 2 and "flow_name" in result.stderr and "not a keyword or l" in (
        result.stderr)
    assert not (tmp_path / "p").exists()
