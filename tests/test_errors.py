"""Every error a user can act on is declared in errors.py, with its exit code."""

import importlib
import pkgutil

import prefect_scaffold
from prefect_scaffold import errors


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found)) if found else found


def test_every_scaffold_error_lives_in_errors_py():
    for module in pkgutil.walk_packages(prefect_scaffold.__path__, "prefect_scaffold."):
        if module.name != "prefect_scaffold.__main__":  # it runs the CLI
            importlib.import_module(module.name)
    strays = sorted(f"{cls.__module__}.{cls.__name__}" for cls in _subclasses(errors.ScaffoldError)
                    if cls.__module__ != errors.__name__ and not cls.__module__.startswith("tests"))
    assert not strays, f"declare these in errors.py: {strays}"


def test_public_api_is_importable_from_the_package():
    for name in prefect_scaffold.__all__:
        assert callable(getattr(prefect_scaffold, name)) or name in {"TREE", "__version__"}
