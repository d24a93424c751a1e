"""A second Ctrl-C (or SIGTERM) while a stopped `new` removes its staging folder: the removal
still runs to the end. Once it was cut short and left that folder, with the half-made project,
beside the user's destination."""

import os
import subprocess
import sys
import textwrap

import pytest

# The first stop lands once copier has rendered into the staging folder; the second while that
# folder is being removed.
SECOND_STOP_DURING_CLEANUP = textwrap.dedent("""
    import os, shutil, signal, sys
    import copier
    from prefect_scaffold import _cli

    def stop_now():
        os.kill(os.getpid(), signal.{signal})
        for _ in range(1000):  # the handler runs here
            pass

    real_run_copy, real_rmtree = copier.run_copy, shutil.rmtree

    def render_then_stop(src, dst, **kwargs):
        real_run_copy(src, dst, **kwargs)
        stop_now()

    def stop_again_then_remove(path, *args, **kwargs):
        if ".prefect-scaffold-" in str(path):
            stop_now()
        real_rmtree(path, *args, **kwargs)

    copier.run_copy, shutil.rmtree = render_then_stop, stop_again_then_remove
    sys.argv = ["prefect-scaffold", "new", sys.argv[1], "--template", "serve_vm", "--defaults"]
    _cli.main()
""")


@pytest.mark.parametrize(("signal_name", "exit_code"), [("SIGINT", 130), ("SIGTERM", 143)])
@pytest.mark.slow
def test_a_second_stop_during_cleanup_leaves_nothing_behind(tmp_path, signal_name, exit_code):
    result = subprocess.run(
        [sys.executable, "-c", SECOND_STOP_DURING_CLEANUP.format(signal=signal_name),
         tmp_path / "p"], capture_output=True, text=True, timeout=300)
    assert result.returncode == exit_code, result.stderr
    assert result.stderr == "error: interrupted; nothing was written\n"
    assert os.listdir(tmp_path) == []
