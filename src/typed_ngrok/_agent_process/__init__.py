"""Running the ngrok agent: one core without I/O, two thin shells (sync and ``aio``).

- ``runner``: :class:`~typed_ngrok._agent_process.runner.RunnerCore`, every decision of one agent run (output
  handling, the start, health, the stop policy) written once as flows driven by ``typed_ngrok._drive``.
- ``readiness``: the startup state machine, the startup schedule and the one readiness probe (flows).
- ``startup``: what is prepared before the spawn (config checks, local edge, private overlay, argv, child env).
- ``config``: argv, the private overlay and secret masking; ``config_file``: reading and writing the agent's YAML.
- ``commands``: the one-shot ``ngrok api …``/``ngrok update`` commands; ``logfmt``: the agent's log-line parser.
- ``sync``: ``AgentRunner`` (``Popen`` + a reader thread); ``aio``: ``AsyncAgentRunner`` (asyncio subprocess + a
  reader task) and the ``aio`` process registry (``AsyncNgrokProcess``). The public sync registry is
  ``typed_ngrok.process``.
- ``state``: all process-level mutable state of this concern (registries, live runners, the atexit hook).
"""
