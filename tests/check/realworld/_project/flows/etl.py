from prefect import flow, task


@task(retries=2)
def extract(source: str) -> list[str]:
    return [source]


@flow(log_prints=True)
def etl(source: str = "s3://raw/events", limit: int = 100) -> int:
    return len(extract(source)[:limit])
