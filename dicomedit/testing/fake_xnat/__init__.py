"""A fake XNAT server for tests: stateful, real HTTP on 127.0.0.1, faithful to the XNAT contract.

Sites can use it to test their own deploy jobs::

    from dicomedit.testing.fake_xnat import FakeXNAT

    with FakeXNAT() as xnat:
        xnat.add_user("deployer", "secret", admin=True)
        run_my_deploy_job(url=xnat.url, user="deployer", password="secret")
        assert "(0010,0010)" in xnat.site_script

or, with pytest, the ``fake_xnat`` fixture of ``dicomedit.testing.plugin``.
"""

from __future__ import annotations

from .server import FakeXNAT
from .state import (
    DEFAULT_SCRIPT,
    ArchivedFile,
    ArchivedResource,
    ArchivedScan,
    ArchivedSession,
    FailRule,
    Knobs,
    LoggedRequest,
    Project,
    Subscription,
    User,
)

__all__ = [
    "DEFAULT_SCRIPT",
    "ArchivedFile",
    "ArchivedResource",
    "ArchivedScan",
    "ArchivedSession",
    "FailRule",
    "FakeXNAT",
    "Knobs",
    "LoggedRequest",
    "Project",
    "Subscription",
    "User",
]
