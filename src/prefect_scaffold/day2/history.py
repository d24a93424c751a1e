"""Find a bundled template exactly as it was at a recorded content tag, on any machine.

In order: this machine's store of rendered versions (template_cache.py); the installed tool
itself, when it bundles exactly that version (a colleague's clone needs no cache); the git
repository the cache kept before that store existed (projects rendered then recorded its path); the
prefect-scaffold release that rendered it, installed with uv into a cached folder of its own
(wheels only, no dependencies: nothing of the release runs) and verified against the tag; or a
folder the user points to with `update --template-source`.

A pull request can write `scaffold_install`: only `prefect-scaffold==X.Y.Z` (the configured
index) and the place the running prefect-scaffold itself was installed from are fetched as they
are; any other repository or URL needs `--trust`, and is named before it is fetched. A release's
template is used only if no symlink in it leads out of the release.

The same wheels-only install answers `update --check --latest-from SPEC`: which template version
the newest release a requirement allows (on the index uv is configured with) bundles.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from prefect_scaffold import hardened_git
from prefect_scaffold.answers.computed import install_spec as running_install_spec
from prefect_scaffold.catalog import cache as template_cache
from prefect_scaffold.catalog.sources import validate_location, validate_ref
from prefect_scaffold.errors import CannotUpdate, InvalidSource, UntrustedSource
from prefect_scaffold.secrets import redact_url
from prefect_scaffold.writing.answers_file import RecordedSource

#: What an answers file's `scaffold_install` may ask `update` to fetch: an exact release from the
#: configured index, a wheel URL, or a git commit (cloned and read, never built).
_INSTALLABLE = re.compile(r"prefect-scaffold\s*==\s*[0-9][0-9A-Za-z.]*")
_NOT_INSTALLABLE = ("is not a prefect-scaffold release this can install without running its code "
                    "(prefect-scaffold==X.Y.Z, git+URL@COMMIT or a wheel URL, in ASCII, no shell "
                    "characters)")
#: No shell character anywhere (those copier.yml refuses for `scaffold_install`): the spec is
#: also read by the rendered scripts/prefect-scaffold.sh and pasted by people. Nothing beyond
#: ASCII either: a person deciding on --trust cannot tell `g\u0456thub.com` from github.com.
_SHELL = r"\s\"'`$\\;|&<>\x80-\U0010ffff"
_WHEEL_URL = re.compile(rf"https://[^#?{_SHELL}]+/prefect_scaffold-[^/#?{_SHELL}]+\.whl")
_GIT_SPEC = re.compile(rf"git\+(?P<url>[^@{_SHELL}]+(?:@[^@/:{_SHELL}]+:[^@{_SHELL}]+)?)"
                       r"@(?P<ref>[A-Za-z0-9._/+-]+)"
                       r"(?:#subdirectory=(?P<subdirectory>[A-Za-z0-9._-][A-Za-z0-9._/-]*))?")


def install_spec(recorded: RecordedSource) -> str:
    """How to install the prefect-scaffold that rendered the project (as recorded, or derived)."""
    spec = recorded.answers.get("scaffold_install") or f"prefect-scaffold=={recorded.version}"
    return str(spec).strip()


def old_template(project: Path, recorded: RecordedSource, template_source: Path | None, *,
                 remedy: str, trust: bool = False,
                 notify: Callable[[str], None] = lambda _: None) -> Path:
    """The folder of the bundled template that rendered `project`, verified by its content tag.

    `remedy` ends the error when no source has that version: the way out the calling command
    offers (only options it has).
    """
    from prefect_scaffold.catalog.registry import get_template, template_names

    name, tag = recorded.bundled, recorded.commit
    assert name is not None
    if tag is None:
        raise CannotUpdate(project, "the answers file records no template version (_commit)")
    if (folder := template_cache.cached(name, tag)) is not None:
        return folder
    if name in template_names() and template_cache.content_tag(get_template(name)) == tag:
        return template_cache.store(name, get_template(name).path, tag)
    if template_source is not None:
        return _from_folder(project, name, tag, template_source)
    if recorded.legacy and (folder := _from_legacy_repository(Path(recorded.src_path), name, tag)):
        return folder
    spec = install_spec(recorded)
    place = _place(spec)
    if not _INSTALLABLE.fullmatch(spec) and (place is None
                                             or place != _place(running_install_spec())):
        if not trust:
            raise UntrustedSource(f"update {project}", "scaffold_install", spec)
        _fetch_plan(spec, _cannot(project, name, tag, spec, remedy))  # refused before the notice
        notify(f"fetching template {name} {tag} from {redact_url(spec)} (--trust)")
    return _from_release(project, name, tag, spec, remedy)


def _place(spec: str) -> str | None:
    """Where an install spec fetches from: a git repository's URL, a wheel's folder URL."""
    if git := _GIT_SPEC.fullmatch(spec):
        return git["url"]
    if _WHEEL_URL.fullmatch(spec):
        return spec.rpartition("/")[0]
    return None


def _from_folder(project: Path, name: str, tag: str, given: Path) -> Path:
    for candidate in (given, given / "templates" / name, given / "prefect_scaffold" / "templates"
                      / name, given / name):
        if (candidate / "copier.yml").is_file() and template_cache.tag_matches(candidate, tag):
            return template_cache.store(name, candidate, tag)
    raise CannotUpdate(project, f"--template-source {given}: holds no {name} template at {tag}")


def _from_legacy_repository(repository: Path, name: str, tag: str) -> Path | None:
    """Read `tag` from the cache repository of older releases, even if its worktree is broken."""
    if not (repository / ".git").is_dir():
        return None
    result = hardened_git.run("-C", str(repository), "archive", "--format=tar",
                              f"refs/tags/{tag}", text=False)
    if result.returncode != 0:
        return None
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-legacy-") as workdir:
        with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
            archive.extractall(workdir, filter="data")
        if not template_cache.tag_matches(Path(workdir), tag):
            return None
        return template_cache.store(name, Path(workdir), tag)


#: Where an installed wheel keeps the bundled templates.
_WHEEL_TEMPLATES = Path("prefect_scaffold") / "templates"
#: What `--latest-from` may name: a release requirement (`prefect-scaffold`,
#: `prefect-scaffold<0.4`, `prefect-scaffold~=0.3.0`) or a wheel URL; never a path or an option.
_REQUIREMENT = re.compile(
    r"prefect-scaffold\s*(?:(?:[<>=!~]=?|===)\s*[0-9][0-9A-Za-z.*]*\s*,?\s*)*")


def _wheel_install(spec: str, target: str) -> list[str]:
    # Wheels only, without dependencies: installing runs no code of the release.
    return ["uv", "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
            "--target", target, "--", spec]


def newest_allowed(project: Path, name: str, spec: str) -> str:
    """The content tag of template `name` in the newest release `spec` allows, installed (wheel
    only, nothing of it runs) from the index uv is configured with: UV_INDEX_URL, UV_FIND_LINKS,
    uv.toml. Never cached: a new release must show up on the next run."""
    def cannot(why: str) -> CannotUpdate:
        return CannotUpdate(project, f"cannot learn the newest release {spec!r} allows: {why}")

    if not (_REQUIREMENT.fullmatch(spec) or _WHEEL_URL.fullmatch(spec)):
        raise cannot("not a release requirement (prefect-scaffold, prefect-scaffold<0.4, "
                     "prefect-scaffold==X.Y.Z) or a wheel URL")
    if shutil.which("uv") is None:
        raise cannot("it needs uv, which is not on PATH")
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-newest-") as workdir:
        result = subprocess.run(_wheel_install(spec, "t"), cwd=workdir, capture_output=True,
                                text=True, check=False, env={**os.environ, "NO_COLOR": "1"})
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines() or ["uv pip install failed"]
            raise cannot(lines[-1].strip())
        installed = Path(workdir) / "t"
        versions = [p.name.removesuffix(".dist-info").rpartition("-")[2]
                    for p in installed.glob("prefect_scaffold-*.dist-info")]
        folder = installed / _WHEEL_TEMPLATES / name
        if not versions or not (folder / "copier.yml").is_file():
            raise cannot(f"the release it installs bundles no template named {name}")
        if not template_cache.contained(folder, installed):
            raise cannot("the release it installs has a symlink leading out of it")
        tag = f"{versions[0]}+g{template_cache.content_hash(folder)}"
        template_cache.store(name, folder, tag)  # `update` with that release finds it here
        return tag


def _cannot(project: Path, name: str, tag: str, spec: str,
            remedy: str) -> Callable[[str], CannotUpdate]:
    return lambda why: CannotUpdate(project, f"cannot reconstruct template {name} {tag}: "
                                    f"{spec!r} {why}; {remedy}")


def _fetch_plan(spec: str, cannot: Callable[[str], CannotUpdate],
                ) -> tuple[list[str], Path, list[list[str]]]:
    """How `spec` is fetched without running its code: the command, where its templates land,
    the checkout steps after it. Anything else raises `cannot(why)`."""
    if git := _GIT_SPEC.fullmatch(spec):
        try:
            validate_location(git["url"], "scaffold_install")
            validate_ref(git["ref"], "scaffold_install")
            if ".." in (git["subdirectory"] or ""):
                raise InvalidSource("scaffold_install", spec, "a subdirectory inside the clone")
        except InvalidSource as problem:
            raise cannot(f"is not allowed ({problem})") from None
        templates = Path(git["subdirectory"] or ".") / "templates"
        return (["git", "clone", "--quiet", "--no-checkout", "--", git["url"], "t"], templates,
                [["git", "-C", "t", "checkout", "--quiet", git["ref"], "--", str(templates)]])
    if _INSTALLABLE.fullmatch(spec) or _WHEEL_URL.fullmatch(spec):
        return _wheel_install(spec, "t"), _WHEEL_TEMPLATES, []
    raise cannot(_NOT_INSTALLABLE)


def _from_release(project: Path, name: str, tag: str, spec: str, remedy: str) -> Path:
    """Install (or clone) the recorded release into the cache, then take its template."""
    cannot = _cannot(project, name, tag, spec, remedy)
    command, templates, checkout = _fetch_plan(spec, cannot)
    if shutil.which(command[0]) is None:
        raise cannot(f"needs {command[0]}, which is not on PATH")
    digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
    release = template_cache.cache_root() / "releases" / digest
    if not release.is_dir():
        release.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=release.parent))
        try:
            for step in (command, *checkout):
                result = (hardened_git.run(*step[1:], cwd=building) if step[0] == "git" else
                          subprocess.run(step, cwd=building, capture_output=True, text=True,
                                         check=False, env={**os.environ, "NO_COLOR": "1"}))
                if result.returncode != 0:
                    lines = result.stderr.strip().splitlines() or [f"{step[0]} failed"]
                    raise cannot(f"could not be installed ({lines[-1].strip()})")
            os.rename(building / "t", release)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    folder = release / templates / name
    if not template_cache.contained(folder, release):
        raise cannot("has a symlink leading out of the release")
    if not (folder / "copier.yml").is_file():
        raise cannot(f"does not bundle a template named {name}")
    if not template_cache.tag_matches(folder, tag):
        raise cannot(f"bundles different {name} files than {tag} (content tag mismatch)")
    return template_cache.store(name, folder, tag)
