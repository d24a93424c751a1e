"""`pin`: record how CI installs prefect-scaffold (`scaffold_install` in the answers file).

A project rendered by a prefect-scaffold run from a local path (a checkout, `uv tool install .`)
cannot say how another machine installs that tool, so its CI skips the steps that need it with a
warning naming this command. The answers file says NEVER EDIT MANUALLY; this is the edit.

The spec must be one `update` can rebuild the project's template from without running code
(template_history.py): `prefect-scaffold==X.Y.Z` (then X.Y.Z must be the version the project's
template was rendered with), `git+URL@COMMIT`, or a wheel URL.
"""

from __future__ import annotations

import re
from pathlib import Path

from prefect_scaffold.errors import CannotPin, CannotUpdate
from prefect_scaffold.writing import answers_file
from prefect_scaffold.writing.staging import signals_held

from .history import _GIT_SPEC, _INSTALLABLE, _WHEEL_URL


def pin(project: Path, spec: str | None) -> str:
    """Record `spec` (default: how the running tool was installed) as the project's
    `scaffold_install`; the spec recorded."""
    from prefect_scaffold.answers.computed import install_spec

    try:
        recorded = answers_file.read(project)
    except CannotUpdate as problem:
        raise CannotPin(project, str(problem).partition(": ")[2]) from None
    if spec is None:
        spec = install_spec()
        if not spec:
            raise CannotPin(project, "this prefect-scaffold runs from a local path, so it "
                               "cannot say how CI installs it; pass --spec "
                               f"prefect-scaffold=={recorded.version or 'X.Y.Z'} or "
                               "--spec git+URL@COMMIT")
    spec = spec.strip()
    # The answers file is committed: CI authenticates with its own secret, not one in the URL.
    if re.match(r"(git\+)?https?://[^/\s]*@", spec):
        raise CannotPin(project, f"--spec {spec!r}: holds credentials, which would be committed; "
                           "give the URL without them (CI authenticates with its own secret)")
    if not spec.isprintable() or not (_INSTALLABLE.fullmatch(spec) or _GIT_SPEC.fullmatch(spec)
                                      or _WHEEL_URL.fullmatch(spec)):
        raise CannotPin(project, f"--spec {spec!r}: must be prefect-scaffold==X.Y.Z, "
                           "git+URL@COMMIT or an https URL of a prefect_scaffold wheel")
    pinned = spec.partition("==")[2].strip()
    if _INSTALLABLE.fullmatch(spec) and recorded.version and pinned != recorded.version:
        raise CannotPin(project, f"--spec {spec}: the project's template is at release "
                           f"{recorded.version}; pin prefect-scaffold=={recorded.version}, or "
                           f"run `uvx --from {spec} prefect-scaffold update` to move to {pinned}")
    with signals_held(commits=True):  # written: a Ctrl-C now must not claim otherwise
        answers_file.record_answer(recorded.path, "scaffold_install", spec)
    return spec
