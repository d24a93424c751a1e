# generated from templates/_shared/pool/project/scripts/pool_deployments.py by scripts/sync_shared_parts.py: edit that file
"""List, or delete, every deployment on a work pool: teardown removes them with their pool, or
their schedules keep creating runs that no worker will ever pick up.

    uv run python scripts/pool_deployments.py POOL           # print them, flow/deployment
    uv run python scripts/pool_deployments.py POOL --delete  # delete them, printing each

Talks to the Prefect API of the current profile or PREFECT_API_URL, as `prefect deploy` does.
"""

from __future__ import annotations

import argparse
import asyncio


async def pool_deployments(pool: str, delete: bool) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName

    names = []
    async with get_client() as client:
        on_pool = WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
        for deployment in await client.read_deployments(work_pool_filter=on_pool):
            flow = await client.read_flow(deployment.flow_id)
            names.append(f"{flow.name}/{deployment.name}")
            if delete:
                await client.delete_deployment(deployment.id)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pool", help="work pool name")
    parser.add_argument("--delete", action="store_true", help="delete them (default: list)")
    args = parser.parse_args(argv)
    for name in asyncio.run(pool_deployments(args.pool, args.delete)):
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
