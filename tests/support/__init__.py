"""Helpers shared by the test suite: a hall config for tests, a real server, real clients."""
