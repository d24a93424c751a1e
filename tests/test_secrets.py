"""A pasted credential is refused wherever it reaches us, and never echoed back.

Each test hands the CLI a credential through one door (an answer of any type, a key, a nested
value, a flag, a URL) and asserts: exit 2, one line, the credential nowhere in the output, nothing
written.
"""

from __future__ import annotations

import pytest

from prefect_scaffold.secrets import find_secret
from tests.helpers.cli import assert_refused

PREFECT_KEY = "pnu_" + "a1B2" * 9
TOKENS = {
    "GitLab personal token": "glpat-" + "xY3_zQ-9" * 3,
    "GitHub user-to-server token": "ghu_" + "A1b2C3d4" * 5,
    "GitHub refresh token": "ghr_" + "A1b2C3d4" * 5,
    "Prefect service-account key": "pnb_" + "a1B2" * 9,
    "PGP private key": "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQdGBF...",
}


def refused_silently(result, tmp_path, secret: str, *fragments: str) -> None:
    assert_refused(result, *fragments)
    assert secret not in result.stdout + result.stderr
    assert not (tmp_path / "p").exists()


def new(cli, tmp_path, *args):
    return cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults", *args)


@pytest.mark.parametrize("kind", TOKENS)
def test_more_real_token_formats_are_recognised(cli, tmp_path, kind):
    token = TOKENS[kind]
    refused_silently(new(cli, tmp_path, "--data", f"description=ci uses {token}"), tmp_path,
                     token, "description", "looks like")


@pytest.mark.parametrize("pair", [
    f"interval_minutes={PREFECT_KEY}",  # an int question: the cast error used to echo it
    f"schedule={PREFECT_KEY}",
    PREFECT_KEY,  # no `=`: the KEY=VALUE error used to echo it
    f"{PREFECT_KEY}=x",  # as the answer's name: the unknown-key error used to echo it
    f"no_such_question={PREFECT_KEY}",
])
def test_a_key_in_any_data_pair_is_refused_before_other_checks(cli, tmp_path, pair):
    refused_silently(new(cli, tmp_path, "--data", pair), tmp_path, PREFECT_KEY,
                     "looks like a Prefect API key")


@pytest.mark.parametrize("content", [
    f"description: [fine, {{nested: {PREFECT_KEY}}}]\n",
    f"{PREFECT_KEY}: x\n",
    f"python_version: 3.12\nunrelated:\n  deep: [[{PREFECT_KEY}]]\n",
])
def test_a_key_anywhere_in_a_data_file_is_refused(cli, tmp_path, content):
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content)
    refused_silently(new(cli, tmp_path, "--data-file", data_file), tmp_path, PREFECT_KEY,
                     "--data-file", "looks like")


def test_a_key_in_a_team_defaults_file_for_another_template_is_still_refused(
        cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text(f'[defaults]\nnamespace = "{PREFECT_KEY}"\n')
    monkeypatch.chdir(tmp_path)
    refused_silently(cli("new", "p", "--template", "serve_vm", "--defaults"), tmp_path,
                     PREFECT_KEY, "prefect-scaffold.toml", "namespace")


@pytest.mark.parametrize("flag", ["--template", "--vcs-ref"])
def test_a_key_given_as_a_flag_is_refused(cli, tmp_path, flag):
    args = ["new", tmp_path / "p", flag, PREFECT_KEY, "--defaults"]
    if flag == "--vcs-ref":
        args += ["--template-source", tmp_path]
    refused_silently(cli(*args), tmp_path, PREFECT_KEY, flag)


@pytest.mark.parametrize("url", [
    "https://deploy:hunter2-not-a-token@git.example.com/team/template.git",
    "https://oauth2@gitlab.example.com/team/template.git",
])
def test_a_template_source_url_with_credentials_is_refused_redacted(cli, tmp_path, url):
    result = cli("new", tmp_path / "p", "--template-source", url, "--defaults")
    userinfo = url.split("//")[1].split("@")[0]
    refused_silently(result, tmp_path, userinfo, "--template-source https://***@", "credentials")


def test_ssh_urls_with_a_plain_user_are_not_credentials():
    assert find_secret("ssh://git@github.com/acme/template.git") is None
    assert find_secret("git@github.com:acme/template.git") is None
