import pytest

from prefect_scaffold.errors import MissingAnswer
from prefect_scaffold.recommend import next_question, recommend


def test_path_lists_each_question_and_answer_in_order():
    result = recommend({"containers": True, "serverless": False, "kubernetes": True})
    assert result.template == "k8s_pool"
    assert [(s.question.label, s.answer) for s in result.path] == [
        ("A", True), ("C", False), ("D", True)]


def test_answers_off_the_path_are_ignored():
    result = recommend({"containers": False, "kubernetes": True, "cloud_credentials": False})
    assert result.template == "serve_vm"
    assert [s.question.id for s in result.path] == ["containers"]


def test_missing_answer_names_the_flags_that_supply_it():
    with pytest.raises(MissingAnswer) as raised:
        recommend({"containers": True})
    assert "--serverless or --no-serverless" in str(raised.value)


def test_next_question_walks_the_path():
    assert next_question({}).id == "containers"
    assert next_question({"containers": True, "serverless": True}).id == "cloud_credentials"
    assert next_question({"containers": False}) is None


def test_json_form_has_template_path_and_links():
    data = recommend({"containers": True, "serverless": True, "cloud_credentials": True}).as_dict()
    assert data["template"] == "push_pool"
    assert [step["answer"] for step in data["path"]] == [True, True, True]
    assert all(link["url"].startswith("https://") for link in data["links"])
