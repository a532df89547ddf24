"""The test cluster itself: a client connects and sees the default namespace."""

from __future__ import annotations

from temporalio.client import Client


async def test_dev_server_accepts_clients(temporal_server: str) -> None:
    client = await Client.connect(temporal_server)
    names = [ns.namespace_info.name async for ns in _namespaces(client)]
    assert "default" in names


async def _namespaces(client: Client):  # type: ignore[no-untyped-def]
    from temporalio.api.workflowservice.v1 import ListNamespacesRequest

    response = await client.workflow_service.list_namespaces(ListNamespacesRequest())
    for ns in response.namespaces:
        yield ns
