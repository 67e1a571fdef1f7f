"""The agent's local HTTP API client.

- :mod:`.requests`: every operation's request and the checks of its answer, from the spec (no I/O).
- :mod:`.wire`: the ``httpx.Request`` both shells send, the default transports, the closed-object error.
- :mod:`.sync`: :class:`~.sync.AgentAPI` (the sync shell) and the shared instance per agent (module state).
- :mod:`.aio`: :class:`~.aio.AsyncAgentAPI` (the async shell).
- :mod:`.transport`: the kept-alive loopback HTTP/1.1 transport.
- :mod:`.api_request`: the core of the public ``ngrok.api_request``/``aio.api_request``.
"""
