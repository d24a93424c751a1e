"""Recognize credentials pasted into answers, so they never reach a rendered file.

Rendered projects reference secrets (environment variables, Kubernetes Secrets, Prefect blocks,
Secrets Manager ARNs); an answer that looks like the secret itself is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

_PATTERNS = [
    (re.compile(r"pn[ub]_[A-Za-z0-9]{20,}"), "a Prefect API key",
     "set PREFECT_API_KEY in the environment (or a Kubernetes / Secrets Manager secret) instead"),
    (re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"), "an AWS access key id",
     "use an IAM role, or an AWS credentials block created from environment variables"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----"), "a private key",
     "store it in a secret manager or a Prefect block and reference that"),
    (re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
     "an AWS secret access key",
     "use an IAM role, or an AWS credentials block created from environment variables"),
    (re.compile(r"\b((ghp|gho|ghs|ghu|ghr|github_pat)_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})"),
     "a git access token",
     "store it in a Prefect Secret block and give the block's name instead"),
]


def find_secret(value: object) -> tuple[str, str] | None:
    """(what it looks like, where it belongs) when `value` holds a credential, else None.

    Lists and mappings are searched through, keys included: a data file may nest a pasted key
    anywhere, and every error that names a key or echoes a value must not print it.
    """
    if isinstance(value, Mapping):
        return next(filter(None, (find_secret(part) for item in value.items()
                                  for part in item)), None)
    if isinstance(value, (list, tuple, set)):
        return next(filter(None, (find_secret(part) for part in value)), None)
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if not isinstance(value, str):
        return None
    if _url_userinfo(value):
        return "a URL with credentials", "give the URL without user:password@ (use a git " \
            "credential helper, an SSH key or a Prefect Secret block)"
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

_REDACTED = "***"


def _url_userinfo(text: str) -> bool:
    """Whether `text` holds a URL carrying a password (or any user for http, which is a token)."""
    for match in re.finditer(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/@]+@", text):
        scheme, _, userinfo = match.group()[:-1].partition("://")
        if userinfo != _REDACTED and (":" in userinfo or scheme.lower() in ("http", "https")):
            return True
    return False


_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/@]+)@")


def redact_urls(text: str) -> str:
    """`text` with every URL's user:password@ (or http user, a token) replaced by ***@, for
    output; `ssh://git@host` stays, a user name there is no secret."""
    def redact(match: re.Match[str]) -> str:
        scheme, userinfo = match["scheme"], match["userinfo"]
        secret = ":" in userinfo or scheme.lower().startswith(("http", "git+http"))
        return f"{scheme}{_REDACTED}@" if secret else match.group()

    return _USERINFO.sub(redact, text)


def redact_url(url: str) -> str:
    """`url` with any user:password@ replaced by ***@, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a URL that cannot be parsed>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{_REDACTED}@{host}", parts.path, parts.query,
                       parts.fragment))
