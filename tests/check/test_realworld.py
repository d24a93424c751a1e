"""`check` on prefect.yaml files shaped like public projects: no false errors, mistakes found.

Each `realworld/*.yaml` is written for this suite after reading the shapes real projects use
(Prefect's recipes and docs examples, third-party repositories). Its header says what it models
and, per `# expect: SEVERITY RULE "text on the line"`, every error and warning `check` must report
(`# expect: none` for a clean file). Each `realworld/seeded/*.yaml` seeds mistakes, one
`# seeded: ...` line each, that `check` must catch. The project around each file is
`realworld/_project` (flows, a src-layout package), copied into a temporary directory.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from prefect_scaffold.check import check

HERE = Path(__file__).parent / "realworld"
EXPECT = re.compile(r'^# (expect|seeded): (error|warning) ([a-z0-9-]+) "(.+)"$')


@dataclass(frozen=True)
class Expected:
    severity: str
    rule: str
    line: int


def expectations(path: Path, kind: str) -> set[Expected]:
    lines = path.read_text().splitlines()
    found = set()
    for header in lines:
        match = EXPECT.match(header)
        if match and match.group(1) == kind:
            _, severity, rule, text = match.groups()
            line = next(i for i, body in enumerate(lines, 1)
                        if text in body and not body.startswith("#"))
            found.add(Expected(severity, rule, line))
    return found


def run(path: Path, tmp_path: Path) -> list[Expected]:
    """Errors and warnings of `check` on the fixture, duplicates kept (noise counts)."""
    root = tmp_path / "project"
    shutil.copytree(HERE / "_project", root)
    shutil.copy(path, root / "prefect.yaml")
    report = check(root)
    return sorted((Expected(f.severity, f.rule, f.line or 0) for f in report.findings
                   if f.severity != "info"), key=str)


REALWORLD = sorted(HERE.glob("*.yaml"))
SEEDED = sorted((HERE / "seeded").glob("*.yaml"))


def test_the_corpus_is_large_enough() -> None:
    assert len(REALWORLD) >= 40 and len(SEEDED) >= 10
    for path in REALWORLD:
        text = path.read_text()
        assert "# shape: " in text and "# expect: " in text, path.name
    for path in SEEDED:
        assert expectations(path, "seeded"), path.name


@pytest.mark.parametrize("path", REALWORLD, ids=[p.stem for p in REALWORLD])
def test_realworld_findings_are_exactly_the_expected_ones(path: Path, tmp_path: Path,
                                                         record_property) -> None:
    found = run(path, tmp_path)
    expected = expectations(path, "expect")
    # Summed at the end of the run by tests/check/conftest.py (from every worker's reports).
    record_property("false_findings", len([f for f in found if f not in expected]))
    assert found == sorted(expected, key=str)


@pytest.mark.parametrize("path", SEEDED, ids=[p.stem for p in SEEDED])
def test_seeded_mistakes_are_caught(path: Path, tmp_path: Path, record_property) -> None:
    found = run(path, tmp_path)
    seeded = expectations(path, "seeded")
    record_property("seeded_caught", [len(seeded & set(found)), len(seeded)])
    assert sorted(seeded - set(found), key=str) == [], "seeded mistakes missed"
    assert len(found) == len(set(found)), "a mistake reported more than once"
    assert [f for f in found if f.severity == "error" and f not in seeded] == [], \
        "errors beyond the seeded mistakes"


#: Findings that mean `prefect deploy` cannot read the file at all.
FILE_VOIDING = {"syntax", "prefect-model"}


@pytest.mark.parametrize("path", REALWORLD, ids=[p.stem for p in REALWORLD])
def test_prefect_itself_agrees_on_which_files_it_skips(path: Path) -> None:
    """Prefect 3.9's loader is the judge: it skips a file exactly when we expect a file-voiding
    error (a schedule error may void it too, or only fail at deploy time)."""
    from tests.check.prefect_judge import prefect_loads

    _, said = prefect_loads(path)
    rules = {e.rule for e in expectations(path, "expect") if e.severity == "error"}
    if "Skipping" in said or "Unable to" in said:
        assert rules & (FILE_VOIDING | {"schedule"}), said
    else:
        assert not rules & FILE_VOIDING
