"""Errors the user can act on, each carrying its subject and the fix.

`str(error)` is the one line the CLI prints. Constructing an error never prints; the CLI maps
`exit_code` to the process exit status in one place (`_cli.py`).
"""

from __future__ import annotations

from pathlib import Path

from .secrets import find_secret, redact_url

#: Exit statuses, documented in the README.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_CRASH = 3  #: a bug in prefect-scaffold (traceback printed); never 1, which is findings
EXIT_INTERRUPTED = 130  #: Ctrl-C (SIGINT), 128 + 2
EXIT_TERMINATED = 143  #: SIGTERM, 128 + 15; cleaned up like Ctrl-C


class ScaffoldError(Exception):
    """Base class: an error caused by input the user can fix."""

    exit_code = EXIT_BAD_INPUT


class UnknownTemplate(ScaffoldError):
    def __init__(self, name: str, allowed: list[str], flag: str = "--template") -> None:
        self.name, self.allowed = name, allowed
        super().__init__(f"{flag}: unknown template {name!r}; allowed: {', '.join(allowed)}")


class UnknownKey(ScaffoldError):
    def __init__(self, key: str, template: str, allowed: list[str], source: str = "--data",
                 owners: list[str] | None = None) -> None:
        self.key, self.template, self.allowed, self.owners = key, template, allowed, owners or []
        # A key of another template is most likely a wrong --template: say which one asks it.
        whose = f" (a question of {', '.join(self.owners)})" if self.owners else ""
        super().__init__(
            f"{source} {key}: not a question of template {template}{whose}; "
            f"allowed: {', '.join(allowed)}"
        )


class InvalidAnswer(ScaffoldError):
    def __init__(self, field: str, value: object, allowed: str, source: str = "--data") -> None:
        self.field, self.value, self.allowed = field, value, allowed
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        if find_secret(value) or find_secret(field):  # never echo a credential, whatever path
            shown, field = "<redacted>", "<redacted>" if find_secret(field) else field
        super().__init__(f"{source} {field}: {shown} is not allowed: {allowed}".lstrip())


class SecretInAnswer(InvalidAnswer):
    def __init__(self, field: str, kind: str, fix: str, source: str = "--data") -> None:
        self.field, self.value, self.allowed = field, "<redacted>", fix
        # The value itself is never repeated: it would land in terminal scrollback and CI logs.
        ScaffoldError.__init__(self, f"{source} {field}: looks like {kind}; secrets are never "
                               f"written into the project: {fix}".lstrip())


class MissingAnswer(ScaffoldError):
    def __init__(self, field: str, supply: str) -> None:
        self.field, self.supply = field, supply
        super().__init__(
            f"{field}: no answer and no terminal to ask on; pass {supply}"
        )


class InvalidDataFile(ScaffoldError):
    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(f"--data-file {path}: {problem}; expected a YAML mapping of answers")


class InvalidTeamDefaults(InvalidDataFile):
    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        ScaffoldError.__init__(self, f"team defaults {path}: {problem}; expected TOML with "
                               "[defaults] and [templates.<name>] tables of answers")


class DestinationRefused(ScaffoldError):
    def __init__(self, path: Path, reason: str, fix: str = "") -> None:
        self.path, self.reason = path, reason
        super().__init__(f"destination {path}: {reason}" + (f"; {fix}" if fix else ""))


class ProjectFileRefused(ScaffoldError):
    """A project path that leaves the project, or is no file to read (project_files.py)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}; prefect-scaffold reads and writes only regular "
                         "files inside the project (replace it with a file, or remove it)")


class ContradictoryAnswers(ScaffoldError):
    def __init__(self, flags: str, reason: str) -> None:
        self.flags = flags
        super().__init__(f"{flags}: {reason}; drop the flag or pick the path that asks it "
                         "(prefect-scaffold tree shows every path)")


class UntrustedTemplate(ScaffoldError):
    """A template source with copier tasks, migrations or Jinja extensions, used without --trust
    (by `new` or `update`)."""

    def __init__(self, subject: str, features: list[str] | None = None) -> None:
        uses = f" ({', '.join(features)})" if features else ""
        super().__init__(f"{subject}: the template runs tasks or migrations or loads Jinja "
                         f"extensions{uses}; pass --trust if you trust it")


class TemplateRefused(ScaffoldError):
    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"template {url}: cannot be rendered ({problem})")


class UnreachableSource(ScaffoldError):
    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"--template-source {url}: {problem}")
        self.problem = problem


class CannotUpdate(ScaffoldError):
    def __init__(self, project: Path, problem: str) -> None:
        super().__init__(f"update {project}: {problem}")


class UntrustedSource(CannotUpdate):
    """A template location from a file a pull request can write, fetched only with --trust."""

    def __init__(self, subject: str, field: str, location: str) -> None:
        ScaffoldError.__init__(self, f"{subject}: {field} {redact_url(location)!r} is not a "
                               "bundled version, this prefect-scaffold's own index or origin, or a "
                               "source trusted in copier's settings.yml; check it, then pass "
                               "--trust to fetch it")


class CannotPin(ScaffoldError):
    def __init__(self, project: Path, problem: str) -> None:
        super().__init__(f"pin {project}: {problem}")


class TemplateExpressionError(ScaffoldError):
    """A template's own Jinja (a default, `when` or validator) failed or broke the sandbox."""

    def __init__(self, question: str, problem: str) -> None:
        self.question = question
        super().__init__(f"template question {question}: its Jinja cannot be evaluated "
                         f"({problem}); fix the template's copier.yml")


class NothingToCheck(ScaffoldError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"check {path}: {reason}; pass a Prefect project directory "
                         "(one with prefect.yaml, Helm values or a serve script)")


class FixRefused(ScaffoldError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"check --fix {path}: {reason}; nothing written")


class ApiUnavailable(ScaffoldError):
    """No API URL configured, or the API did not answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"check --api: {reason}")


class InvalidSource(ScaffoldError):
    def __init__(self, field: str, value: str, allowed: str) -> None:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        super().__init__(f"{field}: {shown} is not allowed: {allowed}")


class CannotAdopt(ScaffoldError):
    def __init__(self, project: Path, problem: str) -> None:
        super().__init__(f"adopt {project}: {problem}")


class CannotSwitch(ScaffoldError):
    def __init__(self, project: Path, problem: str) -> None:
        super().__init__(f"switch {project}: {problem}")


class NoRepositories(ScaffoldError):
    def __init__(self, paths: list[Path]) -> None:
        super().__init__(f"status {' '.join(map(str, paths))}: no repositories found; pass "
                         "project folders or a folder of checkouts")


class UnconvertibleServeScript(ScaffoldError):
    def __init__(self, script: str, line: int, problem: str) -> None:
        super().__init__(f"{script}:{line}: {problem}; move it into prefect.yaml by hand, or "
                         "make it a literal and rerun")


class CheckCrashed(ScaffoldError):
    """`check` failed on input it should have reported on: exit 3, so CI never reads a crash as
    "findings" (exit 1)."""

    exit_code = EXIT_CRASH

    def __init__(self, path: Path, problem: BaseException) -> None:
        self.path = path
        reason = str(problem).splitlines()[0][:200] if str(problem) else ""
        super().__init__(f"check {path}: internal error ({type(problem).__name__}"
                         f"{': ' + reason if reason else ''}); this is a bug in prefect-scaffold, "
                         "please report it with the file that caused it")
