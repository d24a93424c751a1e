"""Recognize credentials pasted into answers, so they never reach a rendered file.

Rendered projects reference secrets (environment variables, Kubernetes Secrets, Prefect blocks,
Secrets Manager ARNs); an answer that looks like the secret itself is refused.
"""

from __future__ import annotations

import re

_PATTERNS = [
    (re.compile(r"pnu_[A-Za-z0-9]{20,}"), "a Prefect API key",
     "set PREFECT_API_KEY in the environment (or a Kubernetes / Secrets Manager secret) instead"),
    (re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"), "an AWS access key id",
     "use an IAM role, or an AWS credentials block created from environment variables"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key",
     "store it in a secret manager or a Prefect block and reference that"),
    (re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
     "an AWS secret access key",
     "use an IAM role, or an AWS credentials block created from environment variables"),
    (re.compile(r"\b(ghp|gho|ghs|github_pat|glpat)_[A-Za-z0-9_]{20,}"), "a git access token",
     "store it in a Prefect Secret block and give the block's name instead"),
]


def find_secret(value: object) -> tuple[str, str] | None:
    """(what it looks like, where it belongs) when `value` holds a credential, else None."""
    if not isinstance(value, str):
        return None
    for pattern, kind, fix in _PATTERNS:
        # An AWS secret key is 40 base64 characters with mixed case and a digit; plain words and
        # paths of that length are not.
        match = pattern.search(value)
        if match and (kind != "an AWS secret access key" or _looks_random(match.group())):
            return kind, fix
    return None


def _looks_random(text: str) -> bool:
    return (any(c.islower() for c in text) and any(c.isupper() for c in text)
            and any(c.isdigit() for c in text))
