"""The issue-11 loop as a user writes it: checked by tests/typing/test_user_code_types.py under mypy --strict (0 errors,
no casts, no ignores). Never run: it needs a real ngrok account."""

from __future__ import annotations

from typed_ngrok.cloud import AsyncCloudClient, CloudClient, TunnelSession


def restart_us_sessions() -> list[str]:
    restarted = []
    with CloudClient(api_key=None, base_url="https://api.ngrok.com", timeout=10.0, max_retries=2) as cloud:
        for s in cloud.tunnel_sessions.list(limit=100, filter='obj.region == "us"'):
            cloud.tunnel_sessions.restart(s.id)
            restarted.append(s.id)
        one: TunnelSession = cloud.tunnel_sessions.get("ts_123")
        page = cloud.tunnel_sessions.page(limit=10)
        if page.next_page_uri is not None:
            cloud.tunnel_sessions.page(next_page_uri=page.next_page_uri)
        key = cloud.api_keys.create(description="ci")
        cloud.api_keys.update(key.id, metadata="rotated")
        cloud.credentials.update(id="cr_1", acl=["bind:*.example.com"])
        cloud.api_keys.delete(key.id)
        print(one.started_at.isoformat(), cloud.request("GET", "/ip_policies"))
    return restarted


async def restart_all_async() -> None:
    async with AsyncCloudClient() as cloud:
        async for s in cloud.tunnel_sessions.list():
            await cloud.tunnel_sessions.restart(s.id)
        endpoint = await cloud.endpoints.get("ep_1")
        print(endpoint.uri, (await cloud.tunnels.page()).items)
