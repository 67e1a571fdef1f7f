"""Tunnels and inspection: everything behind ``connect``/``disconnect``/``get_tunnels`` and the captured requests.

The decisions are written once, without I/O, and driven by the sync (:mod:`typed_ngrok.ngrok`,
:mod:`typed_ngrok.agent`) and async (:mod:`typed_ngrok.aio`) public modules through :mod:`typed_ngrok._drive`:

- :mod:`.flows`: the multi-step flows (connect with its endpoint->tunnel fallback and timed-out removal, connect_all,
  get_tunnels, disconnect with companions, the captured-request and status calls) as generators yielding agent API
  calls.
- :mod:`.resolve`: argument and config resolution shared by the public modules (``pyngrok_config``, agent format,
  the user's config file, ``limit``, ``public_url``, a free ``name``, v2 companion names, the edge CA).
- :mod:`.requests`: ``connect`` arguments and options checked and translated into the agent's request body.
- :mod:`.model`: ``NgrokTunnel``/``ConnectedTunnel`` and the other tunnel result types.
- :mod:`.registry`: the per-agent tunnel registry. **The concern's only module-level mutable state** lives there (the
  registries by ``ngrok_path``, the running async reapers).
- :mod:`.reaper`: removing the tunnel of a ``connect`` that timed out: one flow, driven in a thread (sync) or a task
  (``aio``).
- :mod:`.captured`, :mod:`.http_message`: captured requests' arguments, ordering and wire-format parsing.

Importing this package is cheap: it imports nothing itself.
"""
