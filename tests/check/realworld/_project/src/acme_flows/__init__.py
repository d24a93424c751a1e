from acme_flows.ingest import ingest

__all__ = ["ingest"]
