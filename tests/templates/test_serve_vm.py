import ast

import pytest
import yaml

from tests.helpers.projects import render_template


def serve_call(project):
    """The keyword arguments serve.py passes to flow.to_deployment."""
    tree = ast.parse((project / "serve.py").read_text())
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "to_deployment")
    return {kw.arg: ast.unparse(kw.value) for kw in call.keywords}


@pytest.mark.slow
def test_defaults_serve_the_flow_on_its_cron(tmp_path):
    render_template("serve_vm", tmp_path / "p")
    assert serve_call(tmp_path / "p") == {
        "name": "'hello-etl'", "cron": "'0 6 * * *'",
        "parameters": "{'source': 'demo', 'limit': 10}", "tags": "['my-flows']"}
    assert not (tmp_path / "p" / "Dockerfile").exists()


def test_interval_instead_of_cron(tmp_path):
    render_template("serve_vm", tmp_path / "p", schedule="", interval_minutes=15)
    assert serve_call(tmp_path / "p")["interval"] == "timedelta(minutes=15)"


def test_no_schedule(tmp_path):
    render_template("serve_vm", tmp_path / "p", schedule="")
    call = serve_call(tmp_path / "p")
    assert "cron" not in call and "interval" not in call


def test_docker_adds_an_image_that_runs_serve_py_with_a_restart_policy(tmp_path):
    render_template("serve_vm", tmp_path / "p", docker=True, python_version="3.11")
    dockerfile = (tmp_path / "p" / "Dockerfile").read_text()
    assert dockerfile.startswith("# The flow image")
    assert "FROM prefecthq/prefect:3-python3.11" in dockerfile
    assert 'CMD ["python", "serve.py"]' in dockerfile
    compose = yaml.safe_load((tmp_path / "p" / "compose.yaml").read_text())
    assert compose["services"]["serve"]["restart"] == "unless-stopped"


@pytest.mark.slow
def test_systemd_unit_reads_credentials_from_a_file_outside_the_repo(tmp_path):
    render_template("serve_vm", tmp_path / "p", project_name="etl")
    unit = (tmp_path / "p" / "deploy" / "etl.service").read_text()
    assert "EnvironmentFile=/etc/etl/prefect.env" in unit
    assert "Restart=always" in unit
    example = (tmp_path / "p" / "deploy" / "prefect.env.example").read_text()
    assert "PREFECT_API_KEY=\n" in example  # a placeholder, never a value


@pytest.mark.parametrize("flow_name", ["nightly_sync", "a1"])
@pytest.mark.slow
def test_flow_name_names_module_function_and_deployment(tmp_path, flow_name):
    render_template("serve_vm", tmp_path / "p", flow_name=flow_name)
    assert (tmp_path / "p" / "flows" / f"{flow_name}.py").is_file()
    assert serve_call(tmp_path / "p")["name"] == repr(flow_name.replace("_", "-"))


@pytest.mark.slow
def test_hostile_description_stays_one_toml_string(tmp_path):
    import tomllib

    description = 'quotes " and \\ backslash # hash {{ not jinja }}'
    render_template("serve_vm", tmp_path / "p", description=description)
    pyproject = tomllib.loads((tmp_path / "p" / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
