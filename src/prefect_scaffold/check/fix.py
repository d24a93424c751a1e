"""`check --fix`: safe, mechanical rewrites of a prefect.yaml, shown as a diff or written.

Fixed: Prefect 2 step names (`prefect.projects.steps.*`), `is_paused` / `is_schedule_active`,
a legacy `schedule:` mapping (into a one-item `schedules:` list), interval strings with units
(`1h`, `30 minutes`) into seconds, and typos with exactly one close candidate in step names,
keys and timezones. Each fix edits only the characters it changes (the key or value on its line,
the indentation of a moved block), so comments, anchors, quoting and layout stay as they were;
fixes inside anchored content are made once, at the anchor. Before anything is shown or written,
the fixed text is parsed again and must equal the original data with exactly the intended
changes: otherwise (merge keys copying a fixed value, unusual layout) nothing is changed. A
second run finds nothing to do.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import errno
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import is_inside
from .prefect_yaml import deployments
from .source import Document, SourceError, load_yaml, read_text
from .steps import KNOWN_MODULES, KNOWN_STEPS, all_steps, prefect2_name, step_spec

Path_ = tuple[str | int, ...]
#: How close a typo must be to its one candidate (difflib ratio) to be fixed.
CUTOFF = 0.8
ZONE_CUTOFF = 0.9  #: ~600 zone names: `Europe/Londn` is also 0.8 from `Europe/Lisbon`
UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60,
         "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600,
         "hours": 3600, "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800,
         "weeks": 604800}
#: `1M`: minutes to some, months to others (pandas, ISO 8601): not guessed.
MONTH_OR_MINUTE = re.compile(r"(?<![A-Za-z])M(?![A-Za-z])")
DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*")
#: `key: value  # comment` with the value a plain or quoted scalar.
SCALAR = (r"^(?P<head>\s*(?:-\s+)?{key}\s*:\s+)"
          r"""(?P<value>"[^"]*"|'[^']*'|[^\s#{{}}\[\],][^#]*?)(?P<tail>\s*(?:#.*)?)$""")


@dataclass(frozen=True)
class Change:
    line: int
    what: str


@dataclass
class FixResult:
    """The prefect.yaml's text before and after; `changes` made, `refused` ones not made."""

    file: Path
    original: str
    fixed: str
    changes: list[Change] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    project: Path | None = None  #: the folder a symlinked file must stay in

    def diff(self) -> str:
        """A unified diff, control characters escaped (file content is untrusted)."""
        lines = difflib.unified_diff(self.original.splitlines(keepends=True),
                                     self.fixed.splitlines(keepends=True),
                                     f"a/{self.file.name}", f"b/{self.file.name}")
        return "".join(_printable(line) for line in lines)

    def write(self) -> None:
        """Update the file in place, as editors and formatters do: hard links, bind mounts, owner,
        mode and ACLs keep seeing the same file. A symlink is written through only to a file in
        the project (`project`, else the file's folder). The content must still be what was read;
        the space is reserved first and Ctrl-C held off, so the file is never left half written;
        once it is whole the command finishes (a stop then would be reported as "nothing was
        written")."""
        from prefect_scaffold.errors import FixRefused
        from prefect_scaffold.writing.staging import signals_held

        # Resolved once: the path checked is the path opened, and O_NOFOLLOW refuses a symlink
        # put in its place after the check.
        try:
            target = self.file.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            target = None
        if target is None or not is_inside(target, self.project or self.file.parent):
            raise FixRefused(self.file, "a symlink to outside the project; not written")
        fixed, original = self.fixed.encode("utf-8"), self.original.encode("utf-8")
        try:
            handle = os.open(target, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as problem:
            raise FixRefused(self.file, f"cannot be written: {problem.strerror or problem}") \
                from None
        try:
            status = os.fstat(handle)
            if not stat.S_ISREG(status.st_mode):
                raise FixRefused(self.file, "not a regular file")
            # The size first: a file grown (or swapped for a huge one) is not read into memory.
            if status.st_size != len(original) or _read_all(handle, len(original)) != original:
                raise FixRefused(self.file, "changed since it was read; run --fix again")
            with signals_held(commits=True):
                try:
                    _reserve(handle, len(fixed))  # a full disk fails here, before a byte changes
                    _write_all(handle, fixed)
                except OSError as problem:
                    with contextlib.suppress(OSError):  # put back what a partial write changed
                        _write_all(handle, original)
                    raise FixRefused(self.file, "cannot be written: "
                                     f"{problem.strerror or problem}") from None
        finally:
            os.close(handle)


def _reserve(handle: int, size: int) -> None:
    try:
        os.posix_fallocate(handle, 0, size)
    except OSError as problem:
        if problem.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise  # some file systems cannot reserve: the write itself then tells


def _read_all(handle: int, limit: int) -> bytes:
    """The file's bytes, at most `limit` + 1 of them (enough to tell it is longer)."""
    chunks, offset = [], 0
    while offset <= limit and (chunk := os.pread(handle, min(1 << 20, limit + 1 - offset),
                                                 offset)):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _write_all(handle: int, data: bytes) -> None:
    written = 0
    while written < len(data):
        written += os.pwrite(handle, data[written:], written)
    os.ftruncate(handle, len(data))
    os.fsync(handle)


def _printable(text: str) -> str:
    return "".join(c if c in "\t\n" or (c.isprintable() and c != "\x7f") else
                   f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)


class _Editor:
    """Line edits plus the same change to a copy of the data, to verify the edits against."""

    def __init__(self, text: str, doc: Document) -> None:
        self.lines = text.splitlines(keepends=True)
        self.doc = doc
        self.expected = copy.deepcopy(doc.data)
        self.changes: list[Change] = []
        self.refused: list[str] = []
        self.done: set[tuple[int, str]] = set()
        self.renamed: dict[Path_, Path_] = {}  #: path under a new key -> its path in the text

    def line_of(self, path: Path_) -> int | None:
        for n in range(len(path), 0, -1):
            if path[:n] in self.renamed:
                path = self.renamed[path[:n]] + path[n:]
                break
        return self.doc.lines.get(self.doc.anchor_path(path))

    def rename_key(self, path: Path_, new: str, why: str) -> None:
        """Rename the last key of `path` (in the text once, at its anchor; in the data at path)."""
        *parent_path, old = path
        parent = _at(self.expected, tuple(parent_path))
        if not isinstance(parent, dict) or old not in parent:
            return
        if new in parent:
            self.refused.append(f"{_where(path)}: {old!r} and {new!r} both set; not merged")
            return
        line = self.line_of(path)
        if line is None:
            self.refused.append(f"{_where(path)}: its line is unknown; not renamed")
            return
        if (line, str(old)) not in self.done:
            if not self._replace(line, _key_pattern(str(old)), new):
                self.refused.append(f"line {line}: {old!r} is not written plainly; not renamed")
                return
            self.done.add((line, str(old)))
            self.changes.append(Change(line, why))
        parent[new] = parent.pop(old)  # key order is not compared: Prefect ignores it
        self.renamed[(*parent_path, new)] = self.doc.anchor_path(tuple(path))

    def set_scalar(self, path: Path_, key_text: str, value: Any, text: str, why: str) -> bool:
        """Replace the scalar value of `path` on its key's line with `text`."""
        line = self.line_of(path)
        parent = _at(self.expected, path[:-1])
        if line is None or not isinstance(parent, dict):
            return False
        pattern = re.compile(SCALAR.format(key=re.escape(key_text)))
        match = pattern.match(self.lines[line - 1].rstrip("\r\n"))
        if not match:
            self.refused.append(f"line {line}: the value of {key_text!r} is not a plain scalar "
                                "on its line; not changed")
            return False
        ending = self.lines[line - 1][len(self.lines[line - 1].rstrip("\r\n")):]
        self.lines[line - 1] = match["head"] + text + match["tail"] + ending
        parent[path[-1]] = value
        self.changes.append(Change(line, why))
        return True

    def _replace(self, line: int, pattern: re.Pattern[str], new: str) -> bool:
        text = self.lines[line - 1]
        found = list(pattern.finditer(text))
        if len(found) != 1:
            return False
        match = found[0]
        self.lines[line - 1] = text[:match.start(1)] + new + text[match.end(1):]
        return True

    def text(self) -> str:
        return "".join(self.lines)


def _key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|(?<=[\s{{,\-]))({re.escape(key)})(?=\s*:(?:\s|$))")


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        if (isinstance(data, dict) and part in data) or (
                isinstance(data, list) and isinstance(part, int) and part < len(data)):
            data = data[part]
        else:
            return None
    return data


def _where(path: Path_) -> str:
    return _printable(".".join(str(p) for p in path))


def one_candidate(word: str, choices: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The single choice close to `word`, or None when there is none or more than one."""
    close = difflib.get_close_matches(word, list(choices), n=2, cutoff=cutoff)
    return close[0] if len(close) == 1 else None


def seconds(text: str) -> int | float | None:
    """`1h30m`, `90 seconds`, `2 days` -> seconds; None for anything else."""
    if MONTH_OR_MINUTE.search(text):
        return None
    total, position = 0.0, 0
    lowered = text.strip().lower()
    while position < len(lowered):
        match = DURATION.match(lowered, position)
        if not match or match.group(2) not in UNITS:
            return None
        total += float(match.group(1)) * UNITS[match.group(2)]
        position = match.end()
    if position == 0 or total <= 0:
        return None
    return int(total) if total == int(total) else total


def fix_text(text: str, file: Path) -> FixResult:
    """The fixes of one prefect.yaml's text."""
    try:
        doc = load_yaml(text)
    except SourceError as problem:
        return FixResult(file, text, text, refused=[str(problem)])
    if not isinstance(doc.data, dict):
        return FixResult(file, text, text, refused=["not a mapping"])
    editor = _Editor(text, doc)
    for fixer in FIXERS:
        fixer(editor)
    fixed = editor.text()
    if editor.changes:
        try:
            again = load_yaml(fixed).data
        except SourceError:
            again = None
        if again != editor.expected:
            return FixResult(file, text, text, refused=[
                *editor.refused, "the rewritten file would differ from the original "
                "beyond the fixes (anchors or merge keys sharing a fixed value?); nothing changed"])
    changes = sorted(editor.changes, key=lambda change: change.line)
    return FixResult(file, text, fixed, changes, editor.refused)


def fix_file(path: Path) -> FixResult:
    """The fixes of the prefect.yaml at `path`: a folder's prefect.yaml/.yml, or a file named so
    or declaring `deployments:` (FixRefused for any other file)."""
    from prefect_scaffold.errors import FixRefused

    from .deploy_root import DEPLOYMENTS_KEY, PREFECT_FILES, prefect_file, text

    path = Path(path)
    folder, prefect = prefect_file(path)
    # A named file must be a prefect.yaml by name or by content: `check` also reads other
    # prefect* files, but fixing `prefect-worker-values.yaml` (Helm values) would rename its keys.
    if not path.is_dir() and (prefect != path or not (
            path.name in PREFECT_FILES or DEPLOYMENTS_KEY.search(text(path, folder)))):
        if not path.exists() and not path.is_symlink():
            raise FixRefused(path, "no such file")
        raise FixRefused(path, "--fix handles prefect.yaml-like deployment files only "
                         "(prefect.yaml, prefect.yml, or a YAML file with a `deployments:` list)")
    if prefect is None:
        from prefect_scaffold.errors import NothingToCheck

        raise NothingToCheck(path, "no prefect.yaml to fix")
    try:
        content = read_text(prefect, folder)
    except SourceError as problem:
        raise FixRefused(prefect, str(problem)) from None
    result = fix_text(content, prefect)
    result.project = folder
    return result


def _fix_steps(editor: _Editor) -> None:
    for step in all_steps(editor.expected):
        if not step.name:
            continue
        new = prefect2_name(step.name)
        why = f"Prefect 2 step {step.name!r} -> {new!r}"
        if new is None:
            module = step.name.rpartition(".")[0]
            if step_spec(step.name) is not None or not (module in KNOWN_MODULES
                                                        or "." not in step.name):
                continue
            new = one_candidate(step.name, KNOWN_STEPS)
            why = f"unknown step {step.name!r} -> {new!r}"
        if new is None or new not in KNOWN_STEPS:
            editor.refused.append(f"{_where(step.path)}: no single known step for "
                                  f"{step.name!r}; not renamed")
            continue
        editor.rename_key((*step.path, step.name), new, why)
    for step in all_steps(editor.expected):  # argument typos, under the (fixed) names
        spec = step_spec(step.name) if step.name else None
        if spec is None or spec.any_keyword or not isinstance(step.arguments, dict):
            continue
        for key in list(step.arguments):
            if key in ("id", "requires") or key in spec.arguments:
                continue
            _typo_key(editor, (*step.path, step.name, key), spec.arguments)


def _typo_key(editor: _Editor, path: Path_, allowed: Iterable[str]) -> None:
    key = str(path[-1])
    new = one_candidate(key, allowed)
    if new is not None:
        editor.rename_key(path, new, f"{key!r} -> {new!r}")


def _model_keys() -> dict[str, set[str]]:
    from prefect.cli.deploy._models import (
        ConcurrencyLimitSpec,
        DeploymentConfig,
        PrefectYamlModel,
        RawScheduleConfig,
        WorkPoolConfig,
    )

    from .prefect_yaml import EXTRA_TOP_KEYS, _field_names

    return {"top": _field_names(PrefectYamlModel) | EXTRA_TOP_KEYS,
            "deployment": _field_names(DeploymentConfig),
            "work_pool": _field_names(WorkPoolConfig),
            "concurrency_limit": _field_names(ConcurrencyLimitSpec),
            "schedule": _field_names(RawScheduleConfig)}


def _fix_legacy_fields(editor: _Editor) -> None:
    """is_paused -> paused; is_schedule_active -> paused (negated) or, in a schedule, active."""
    for i, deployment in enumerate(deployments(editor.expected)):
        base: Path_ = ("deployments", i)
        if "is_paused" in deployment:
            editor.rename_key((*base, "is_paused"), "paused", "is_paused -> paused")
        active = deployment.get("is_schedule_active", "absent")
        if active != "absent":
            if not isinstance(active, bool) or "paused" in deployment:
                editor.refused.append(f"{_where(base)}: is_schedule_active not a plain true/false "
                                      "or paused also set; not changed")
            else:
                why = (f"is_schedule_active: {str(active).lower()} -> paused: "
                       f"{str(not active).lower()}")
                if editor.set_scalar((*base, "is_schedule_active"), "is_schedule_active",
                                     not active, str(not active).lower(), why):
                    editor.changes.pop()  # one change: the rename below reports it
                    editor.rename_key((*base, "is_schedule_active"), "paused", why)
        for path, schedule in _schedule_items(deployment, base):
            if isinstance(schedule, dict) and "is_schedule_active" in schedule:
                editor.rename_key((*path, "is_schedule_active"), "active",
                                  "is_schedule_active -> active")


def _schedule_items(deployment: dict[str, Any], base: Path_) -> list[tuple[Path_, Any]]:
    found: list[tuple[Path_, Any]] = []
    if isinstance(deployment.get("schedule"), dict):
        found.append(((*base, "schedule"), deployment["schedule"]))
    if isinstance(deployment.get("schedules"), list):
        found += [((*base, "schedules", j), s) for j, s in enumerate(deployment["schedules"])]
    return found


def _fix_legacy_schedule(editor: _Editor) -> None:
    """`schedule: {...}` -> `schedules: [{...}]`; `schedule: []` (rejected) removed."""
    for i, deployment in enumerate(deployments(editor.expected)):
        if "schedule" not in deployment:
            continue
        path: Path_ = ("deployments", i, "schedule")
        value = deployment["schedule"]
        line = editor.line_of(path)
        if line is None or editor.doc.anchor_path(path) != path:
            continue
        text = editor.lines[line - 1]
        if value == [] and re.match(r"^\s*schedule\s*:\s*\[\s*\]\s*$", text):
            editor.lines[line - 1] = ""
            del deployment["schedule"]
            editor.changes.append(Change(line, "schedule: [] (rejected by Prefect) removed"))
            continue
        if not isinstance(value, dict) or not value or "schedules" in deployment:
            if value and "schedules" in deployment:
                editor.refused.append(f"{_where(path)}: both schedule and schedules; not merged")
            continue
        ending = text[len(text.rstrip("\r\n")):]
        head = re.match(r"^(\s*)schedule(\s*:)(\s*)(.*?)$", text.rstrip("\r\n"))
        if not head or "&" in head[4] or "*" in head[4] or "#" in head[4]:
            editor.refused.append(f"line {line}: schedule: is anchored or commented; not moved")
            continue
        indent = len(head[1])
        if head[4].startswith("{") and head[4].endswith("}"):
            editor.lines[line - 1] = f"{head[1]}schedules{head[2]}{head[3]}[{head[4]}]{ending}"
        elif head[4] == "":
            end = line
            while end < len(editor.lines) and (
                    not editor.lines[end].strip() or
                    len(editor.lines[end]) - len(editor.lines[end].lstrip()) > indent):
                end += 1
            while end > line and not editor.lines[end - 1].strip():
                end -= 1  # trailing blank lines belong to what follows
            children = range(line, end)
            first = next((n for n in children if editor.lines[n].strip()
                          and not editor.lines[n].lstrip().startswith("#")), None)
            if first is None:
                continue
            editor.lines[line - 1] = f"{head[1]}schedules{head[2]}{ending}"
            for n in children:
                current = editor.lines[n]
                if not current.strip():
                    continue
                if n == first:
                    child_indent = len(current) - len(current.lstrip())
                    editor.lines[n] = current[:child_indent] + "- " + current[child_indent:]
                else:
                    editor.lines[n] = "  " + current
        else:
            editor.refused.append(f"line {line}: schedule: written in an unusual way; not moved")
            continue
        deployment["schedules"] = [deployment.pop("schedule")]
        editor.changes.append(Change(line, "legacy schedule: -> schedules: (a one-item list)"))


def _fix_schedule_values(editor: _Editor) -> None:
    """Interval strings with units -> seconds; timezone typos with one candidate."""
    zones: set[str] | None = None
    for i, deployment in enumerate(deployments(editor.expected)):
        for path, schedule in _schedule_items(deployment, ("deployments", i)):
            if not isinstance(schedule, dict) or editor.doc.anchor_path(path) != path:
                continue
            interval = schedule.get("interval")
            if isinstance(interval, str) and (value := seconds(interval)) is not None:
                editor.set_scalar((*path, "interval"), "interval", value, str(value),
                                  f"interval {interval!r} -> {value} (seconds)")
            zone = schedule.get("timezone")
            if isinstance(zone, str) and "{{" not in zone:
                if zones is None:
                    import zoneinfo

                    zones = zoneinfo.available_timezones()
                if zone not in zones and (new := one_candidate(zone, zones, ZONE_CUTOFF)):
                    editor.set_scalar((*path, "timezone"), "timezone", new, new,
                                      f"timezone {zone!r} -> {new!r}")


def _fix_key_typos(editor: _Editor) -> None:
    keys = _model_keys()
    data = editor.expected
    anchors = set(editor.doc.aliases.values())
    for key in list(data):
        # A top-level key holding anchors is a user's store of definitions, not a typo: as
        # `build:`/`push:`/`pull:` its steps would start running.
        if str(key) not in keys["top"] and key != "version" and not any(
                anchor[:1] == (key,) for anchor in anchors):
            _typo_key(editor, (key,), keys["top"])
    for i, deployment in enumerate(deployments(data)):
        base: Path_ = ("deployments", i)
        for key in list(deployment):
            if str(key) not in keys["deployment"]:
                _typo_key(editor, (*base, key), keys["deployment"])
        for section in ("work_pool", "concurrency_limit"):
            mapping = deployment.get(section)
            for key in list(mapping) if isinstance(mapping, dict) else []:
                if str(key) not in keys[section] and key != "type":
                    _typo_key(editor, (*base, section, key), keys[section])
        for path, schedule in _schedule_items(deployment, base):
            for key in list(schedule) if isinstance(schedule, dict) else []:
                if str(key) not in keys["schedule"]:
                    _typo_key(editor, (*path, key), keys["schedule"])


FIXERS: tuple[Callable[[_Editor], None], ...] = (
    _fix_steps, _fix_legacy_fields, _fix_key_typos, _fix_schedule_values, _fix_legacy_schedule)
