from datetime import date as Date

from prefect import flow


@flow(name="daily-report")
def daily_report(day: Date | None = None, recipients: list[str] | None = None) -> str:
    return str(day)


@flow
async def weekly_report(week: int, region: str = "eu") -> str:
    return f"{region}-{week}"


def helper() -> None:
    """Not a flow."""
