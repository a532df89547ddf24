"""The Run once listener answers malformed requests with an HTTP error instead of dropping
the connection, and still takes the next good request."""

from __future__ import annotations

import asyncio

import pytest

from app.gui.debugger.webhook_wait import WebhookListener


async def exchange(port: int, raw: bytes) -> bytes:
    """Send raw bytes on a fresh socket, read the whole answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.mark.parametrize("length", ["abc", "-5", "+3", "1_0", "٣"])
async def test_a_bad_content_length_gets_400(length: str) -> None:
    listener = WebhookListener()
    await listener.start()
    try:
        answer = await exchange(listener.port, (
            f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}").encode())
        assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
        assert answer.endswith(b"Bad Content-Length")
        waiting = asyncio.ensure_future(listener.next_request())
        good = asyncio.ensure_future(exchange(listener.port, (
            b'POST /?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')))
        request = await asyncio.wait_for(waiting, 5)
        assert request["body"] == "{}" and request["query"] == {"a": "1"}
        listener.respond(None)
        assert (await good).startswith(b"HTTP/1.1 200 OK\r\n")
    finally:
        await listener.close()
