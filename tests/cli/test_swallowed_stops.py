"""A Ctrl-C or SIGTERM that Python swallowed: raised while a finalizer ran, it is printed as
"Exception ignored" and the command goes on. It must still stop a command before its point of no
return, never be reported as "nothing was written" after a write, and not outlive its command."""

import os
import subprocess
import sys
import textwrap
import threading

import pytest
import typer

from prefect_scaffold import _cli
from tests.helpers.projects import render_template

# A Ctrl-C that lands while some library object's `__del__` runs (plumbum's, in copier, did in
# CI) raises inside the finalizer: Python prints "Exception ignored ... Traceback" and goes on.
SWALLOWED_DURING_NEW = textwrap.dedent("""
    import os, signal, sys
    import copier
    from prefect_scaffold import _cli

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.{signal})
            for _ in range(1000):  # the handler runs here, inside the finalizer
                pass

    real_run_copy = copier.run_copy

    def render_then_collect(src, dst, **kwargs):
        real_run_copy(src, dst, **kwargs)
        Finalized()  # collected at once

    copier.run_copy = render_then_collect
    sys.argv = ["prefect-scaffold", "new", sys.argv[1], "--template", "serve_vm", "--defaults"]
    _cli.main()
""")


@pytest.mark.parametrize(("signal_name", "exit_code"), [("SIGINT", 130), ("SIGTERM", 143)])
@pytest.mark.slow
def test_a_stop_swallowed_by_a_finalizer_still_stops_the_render(tmp_path, signal_name,
                                                               exit_code):
    result = subprocess.run(
        [sys.executable, "-c", SWALLOWED_DURING_NEW.format(signal=signal_name), tmp_path / "p"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == exit_code, result.stderr
    assert result.stderr == "error: interrupted; nothing was written\n"
    assert os.listdir(tmp_path) == []



# The same stop after `pin` wrote the answers file: the command finishes (it did write).
SWALLOWED_AFTER_PIN = textwrap.dedent("""
    import os, signal, sys
    from prefect_scaffold import _cli
    from prefect_scaffold.writing import answers_file

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs here, inside the finalizer
                pass

    real_record_answer = answers_file.record_answer

    def record_then_collect(*args, **kwargs):
        real_record_answer(*args, **kwargs)
        Finalized()  # collected at once, after the file was written

    answers_file.record_answer = record_then_collect
    sys.argv = ["prefect-scaffold", "pin", sys.argv[1], "--spec", "prefect-scaffold==0.1.0"]
    _cli.main()
""")


@pytest.mark.slow
def test_a_stop_swallowed_after_pin_wrote_is_not_reported_as_nothing_written(tmp_path):
    project = tmp_path / "p"
    render_template("serve_vm", project)
    answers = project / ".copier-answers.yml"
    before = answers.read_text()
    result = subprocess.run([sys.executable, "-c", SWALLOWED_AFTER_PIN, project],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert answers.read_text() != before and "nothing was written" not in result.stderr


@pytest.mark.slow
def test_a_swallowed_stop_does_not_outlive_the_command(tmp_path, monkeypatch):
    import prefect_scaffold.scaffold as scaffold
    from prefect_scaffold.errors import InvalidAnswer

    class Finalized:
        def __del__(self):
            raise KeyboardInterrupt  # what our SIGINT handler raises inside a finalizer

    def walk_then_fail(*args, **kwargs):
        Finalized()
        raise InvalidAnswer("--cloud", "x", "one of aws, gcp, azure", source="")

    monkeypatch.setattr(scaffold, "walk", walk_then_fail)
    with pytest.raises(typer.Exit):
        _cli._run(lambda: scaffold.walk())  # the stop is kept, then the command fails
    monkeypatch.undo()
    import prefect_scaffold

    # A later library call, in a program that never pressed Ctrl-C again, must not stop.
    try:
        prefect_scaffold.new(tmp_path / "q", template="serve_vm", use_defaults=True, git=False)
    except KeyboardInterrupt:  # caught: left alone it would end the pytest session
        raise AssertionError("a stop swallowed in an earlier command stopped this one") from None
    assert os.path.isdir(tmp_path / "q")


def test_the_unraisable_hook_is_ours_only_while_a_main_thread_command_runs():
    # Library callers keep their own hook: in a thread (where our signal handlers are not
    # installed) it is never replaced, and it is put back when a command ends.
    before, seen = sys.unraisablehook, []
    _cli._run(lambda: seen.append(sys.unraisablehook is not before))
    thread = threading.Thread(target=_cli._run,
                              args=(lambda: seen.append(sys.unraisablehook is before),))
    thread.start()
    thread.join()
    assert seen == [True, True] and sys.unraisablehook is before


# A program that runs the command line in its own process (a notebook, a task runner).
ENTRY_POINT_IN_A_HOST = textwrap.dedent("""
    import signal, sys
    import prefect_scaffold.__main__ as entry

    def hosts(signum, frame):
        print("host handled", signum)

    signal.signal(signal.SIGINT, hosts)
    signal.signal(signal.SIGTERM, hosts)
    for _ in range(2):
        sys.argv = ["prefect-scaffold", "tree"]
        try:
            entry.main()
        except SystemExit as leaving:
            print("exit", leaving.code)
    print(signal.getsignal(signal.SIGINT) is hosts, signal.getsignal(signal.SIGTERM) is hosts)
    signal.raise_signal(signal.SIGINT)
""")


def test_the_entry_point_gives_a_host_program_its_signal_handlers_back():
    result = subprocess.run([sys.executable, "-c", ENTRY_POINT_IN_A_HOST], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines.count("exit 0") == 2, result.stdout  # no stop left over from the first call
    assert lines[-2:] == ["True True", "host handled 2"], result.stdout
