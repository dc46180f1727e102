"""The dicomedit pytest plugin: fixtures for testing scripts and deploy jobs."""

from .fake_xnat.fixture import fake_xnat  # noqa: F401
