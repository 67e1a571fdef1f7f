"""Contains all the data models used in inputs/outputs"""

from .get_root_response_200 import GetRootResponse200

__all__ = ("GetRootResponse200",)
