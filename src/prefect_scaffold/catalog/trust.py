"""Whether a template may use copier's unsafe features, decided before any of its Jinja runs.

copier refuses a template with tasks, migrations or Jinja extensions unless it is trusted: `--trust`
(copier's `unsafe=True`), or the template's URL listed under `trust` in copier's own settings file
(https://copier.readthedocs.io/en/stable/settings/#trusted-locations). copier checks this only when
it renders, after we have evaluated the template's questions; so we decide first, the same way, and
refuse before a team template's defaults or validators are evaluated at all. Those are evaluated in
a Jinja sandbox either way (questions.py).
"""

from __future__ import annotations

from prefect_scaffold.errors import ScaffoldError, UntrustedTemplate

from .registry import Template

#: copier.yml settings that make copier run code or import Python (copier's "unsafe" features).
UNSAFE_SETTINGS = {"_tasks": "tasks", "_migrations": "migrations",
                   "_jinja_extensions": "jinja_extensions"}


def unsafe_features(template: Template) -> list[str]:
    return sorted(name for key, name in UNSAFE_SETTINGS.items() if template.settings.get(key))


def decide(template: Template, url: str, *, trust: bool) -> str | None:
    """Raise UntrustedTemplate unless `template` is safe or trusted.

    Returns a line to show the user when copier's settings (not --trust) grant the trust.
    """
    features = unsafe_features(template)
    if not features or trust:
        return None
    if _trusted_by_copier_settings(url):
        return (f"trusting {url} ({', '.join(features)}): it is listed under `trust` in "
                "copier's settings.yml")
    raise UntrustedTemplate(f"--template-source {url}", features)


def _trusted_by_copier_settings(url: str) -> bool:
    # copier's own matcher, so we agree exactly with the check run_copy makes later; it is not
    # public API, so a copier without it means "not trusted" (fail closed).
    import copier

    try:
        from copier._settings import is_trusted_repository
    except ImportError:  # pragma: no cover - depends on the copier release
        return False
    try:
        settings = copier.load_settings()
    except Exception as error:  # copier's SettingsError and YAML errors alike
        raise ScaffoldError(f"copier settings: cannot be read ({error.__class__.__name__}); "
                            "fix or remove copier's settings.yml") from None
    return is_trusted_repository(settings.trust, url)
