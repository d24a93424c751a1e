from prefect import flow


def _sync(target: str = "warehouse") -> None:
    """Wrapped below without the decorator syntax."""


sync = flow(_sync, name="sync")
