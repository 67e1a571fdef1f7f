"""typed-ngrok: a typed, pyngrok-compatible Python SDK for the ngrok agent, with an offline local edge.

Public modules (pyngrok's names): :mod:`typed_ngrok.ngrok`, :mod:`~typed_ngrok.conf`, :mod:`~typed_ngrok.process`,
:mod:`~typed_ngrok.agent`, :mod:`~typed_ngrok.installer`, :mod:`~typed_ngrok.log`, :mod:`~typed_ngrok.exception`;
plus :mod:`typed_ngrok.aio` (native async twins) and :mod:`typed_ngrok.edge` (the local edge). Importing the
package itself loads nothing else.
"""

import logging

__version__ = "0.1.0"

__all__ = ["__version__"]

# A library leaves output to the application: without this, records of typed_ngrok's loggers (typed_ngrok.ngrok,
# .process, .process.ngrok for the agent's own lines, .installer, .agent) reach stderr through logging's last-resort
# handler when the application configured none.
logging.getLogger(__name__).addHandler(logging.NullHandler())
