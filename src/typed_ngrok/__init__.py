"""typed-ngrok."""

__version__ = "0.1.0"
