"""A local mock news web for offline tests: outlets served on 127.0.0.1."""

from tests.mockweb.server import MockWeb, Response

__all__ = ["MockWeb", "Response"]
