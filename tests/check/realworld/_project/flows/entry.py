"""Re-exports and derived flows: Prefect imports this file, so these names exist at run time."""

from flows.etl import etl
from flows.hello import hello

fast_etl = etl.with_options(name="fast-etl", retries=0)

__all__ = ["etl", "fast_etl", "hello"]
