import json

from prefect_scaffold import __version__
from prefect_scaffold.tree.decision_tree import TREE
from tests.helpers.cli import assert_refused


def test_recommend_json_has_template_and_path(cli):
    result = cli("recommend", "--containers", "--no-serverless", "--kubernetes", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["template"] == "k8s_pool"
    assert [(s["id"], s["answer"]) for s in data["path"]] == [
        ("containers", True), ("serverless", False), ("kubernetes", True)]


def test_recommend_text_explains_the_choice(cli):
    result = cli("recommend", "--no-containers")
    assert result.exit_code == 0
    assert "-> serve_vm" in result.stdout
    assert TREE.leaves["serve_vm"].rationale in result.stdout


def test_recommend_without_a_terminal_names_the_missing_flag(cli):
    assert_refused(cli("recommend", "--containers"), "serverless", "--no-serverless")


def test_tree_mermaid(cli):
    result = cli("tree", "--format", "mermaid")
    assert result.exit_code == 0 and result.stdout.startswith("flowchart TD")


def test_tree_rejects_an_unknown_format(cli):
    assert cli("tree", "--format", "svg").exit_code == 2


def test_list_json_names_every_template_with_its_questions(cli):
    data = json.loads(cli("list", "--json").stdout)
    assert [t["name"] for t in data] == list(TREE.leaves)
    serve_vm = next(t for t in data if t["name"] == "serve_vm")
    assert {"project_name", "schedule", "docker"} <= {q["name"] for q in serve_vm["questions"]}


def test_version(cli):
    assert cli("--version").stdout.strip() == f"prefect-scaffold {__version__}"
