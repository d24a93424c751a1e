"""The recording stand-ins the script tests rely on: every call is one whole line, even at once."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers.recorded_commands import MalformedLog, recorded_commands

# Long enough that bash's printf writes the line in several pieces (it flushes every 4 KiB).
LONG = "x" * 9000


@pytest.mark.slow
def test_concurrent_piped_calls_each_log_one_whole_line(tmp_path):
    commands = recorded_commands(tmp_path)
    commands.add("produce", "echo secret")
    commands.add("consume", "cat >/dev/null")
    pipelines = 40
    script = (f"for i in $(seq {pipelines}); do\n"
              f"  produce \"$i\" {LONG} 'a b' | consume --password-stdin \"$i\" &\n"
              "done\nwait\n")
    subprocess.run(["bash", "-c", script], check=True, timeout=120,
                   env={"PATH": f"{commands.bin}:/usr/bin:/bin"})

    calls = commands.calls()
    assert len(calls) == 2 * pipelines
    assert sorted(commands.calls("produce")) == sorted(
        ["produce", str(i), LONG, "a b"] for i in range(1, pipelines + 1))
    assert sorted(commands.calls("consume")) == sorted(
        ["consume", "--password-stdin", str(i)] for i in range(1, pipelines + 1))


@pytest.mark.parametrize("log", ["aws ecr get-login\n\n", "docker login 'unclosed\n", "aws ec"],
                         ids=["empty line", "broken quoting", "cut off"])
def test_a_malformed_log_fails_loudly(tmp_path, log):
    commands = recorded_commands(tmp_path)
    commands.log.write_text(log)
    with pytest.raises(MalformedLog, match=r"calls\.log"):
        commands.calls()


# What a script may pass: a JSON document over lines, a tab, ESC, quotes, backslashes, UTF-8. bash's
# %q writes some of these as $'...' (octal bytes for UTF-8 in the C locale).
AWKWARD = ['{\n  "Version": "2012-10-17"\n}', "a\tb", "\x1b[0m", "it's", "back\\slash\\E",
           "$'not ansi-c'", "", "café", "é\n", "*"]


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_every_argument_reads_back_as_it_was_passed(tmp_path, locale):
    commands = recorded_commands(tmp_path)
    commands.add("aws", "true")
    subprocess.run(["bash", "-c", 'aws "$@"', "bash", *AWKWARD], check=True, timeout=60,
                   env={"PATH": f"{commands.bin}:/usr/bin:/bin", "LC_ALL": locale})
    assert commands.calls() == [["aws", *AWKWARD]]
