"""What `check` finds: findings with file, line, rule and severity, gathered in a report."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One problem (or note) in one file; `line` is 1-based, None when the file has no lines."""

    file: str
    line: int | None
    rule: str
    severity: Severity
    message: str

    def as_text(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message} [{self.rule}]"


@dataclass
class Report:
    """Findings in the order they were found; the CLI turns them into text or JSON."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  #: files that were checked
    deploy_root: str = ""  #: the folder entrypoints were resolved from ("" without prefect.yaml)

    def add(self, file: str, line: int | None, rule: str, severity: Severity,
            message: str) -> None:
        self.findings.append(Finding(file, line, rule, severity, message))

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.file, f.line or 0))

    def summary(self) -> str:
        infos = self.count("info")
        root = f"; entrypoints resolved from {self.deploy_root}" if self.deploy_root else ""
        return (f"{self.errors} error(s), {self.warnings} warning(s), {infos} note(s) "
                f"in {len(self.checked)} file(s) checked{root}")

    def as_dict(self) -> dict[str, Any]:
        return {"findings": [asdict(f) for f in self.sorted()], "errors": self.errors,
                "warnings": self.warnings, "checked": list(self.checked),
                "deploy_root": self.deploy_root}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
