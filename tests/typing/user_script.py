"""The natural user script of issue 9 item 11, sync and async: it must type-check under ``mypy --strict`` with 0
errors, no casts and no ignore comments (tests/typing/test_user_code_types.py runs mypy on it and fails on any
error), and it runs for real against the 2.3.41 agent through the local edge (tests/integration/test_user_script.py).
"""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx

from typed_ngrok import agent, aio, ngrok
from typed_ngrok.conf import PyngrokConfig


def main(port: int, config: PyngrokConfig) -> list[str]:
    tunnel = ngrok.connect(port, proto="http", bind_tls=True, pyngrok_config=config)
    print(tunnel.public_url.startswith("https"))
    trusted = ssl.create_default_context(cafile=ngrok.get_ngrok_process(config).ca_path)
    with httpx.Client(verify=trusted, trust_env=False) as client:
        print(client.get(f"{tunnel.public_url}/hello").text)
    seen: list[str] = []
    requests = agent.get_requests(tunnel.name, config, limit=10)
    for _ in range(100):  # the agent lists a request a moment after the client has its answer
        if requests:
            break
        time.sleep(0.05)
        requests = agent.get_requests(tunnel.name, config, limit=10)
    for req in requests:
        captured = agent.get_request(req.id, config)
        response = captured.parsed_response()
        for _ in range(100):  # the agent records the response, then its body, a moment after the client has it
            if response is not None and response.body:
                break
            time.sleep(0.05)
            captured = agent.get_request(req.id, config)
            response = captured.parsed_response()
        if response is not None:
            seen.append(f"{response.status_code} {response.body.decode()}")
        agent.replay_request(req.id, pyngrok_config=config)
    ngrok.disconnect(tunnel.public_url, config)
    ngrok.kill(config)
    return seen


async def amain(port: int, config: PyngrokConfig) -> list[str]:
    tunnel = await aio.connect(port, proto="http", bind_tls=True, pyngrok_config=config)
    print(tunnel.public_url.startswith("https"))
    trusted = ssl.create_default_context(cafile=(await aio.get_ngrok_process(config)).ca_path)
    async with httpx.AsyncClient(verify=trusted, trust_env=False) as client:
        print((await client.get(f"{tunnel.public_url}/hello")).text)
    seen: list[str] = []
    requests = await aio.get_requests(tunnel.name, config, limit=10)
    for _ in range(100):  # the agent lists a request a moment after the client has its answer
        if requests:
            break
        await asyncio.sleep(0.05)
        requests = await aio.get_requests(tunnel.name, config, limit=10)
    for req in requests:
        captured = await aio.get_request(req.id, config)
        response = captured.parsed_response()
        for _ in range(100):  # the agent records the response, then its body, a moment after the client has it
            if response is not None and response.body:
                break
            await asyncio.sleep(0.05)
            captured = await aio.get_request(req.id, config)
            response = captured.parsed_response()
        if response is not None:
            seen.append(f"{response.status_code} {response.body.decode()}")
        await aio.replay_request(req.id, pyngrok_config=config)
    await aio.disconnect(tunnel.public_url, config)
    await aio.kill(config)
    return seen
