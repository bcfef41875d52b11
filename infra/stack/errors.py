"""Why a stack operation failed, as exceptions whose message is one line a person can act on.

Every failure of the local stack is a :class:`StackError`; the subclasses name the cases a
command line answers differently (a port someone else holds, a directory with no stack).
"""

from __future__ import annotations


class StackError(RuntimeError):
    """The stack could not be fetched, started or stopped; the message says why and what to look at."""


class PortInUseError(StackError):
    """A port the stack needs is held by a process the stack did not start."""

    def __init__(self, setting: str, port: int, holder: str | None) -> None:
        self.setting = setting
        self.port = port
        self.holder = holder
        by = f"by {holder}" if holder else "by another process"
        env = "PANTAU_" + setting.upper()
        super().__init__(f"port {port} ({setting}) is already in use {by}; stop it or choose another port with {env}")


class NoStackError(StackError):
    """The stack directory holds no stack (nothing was ever started there)."""

    def __init__(self, stack_dir: object) -> None:
        self.stack_dir = stack_dir
        super().__init__(f"no stack in {stack_dir}: nothing to stop (set PANTAU_STACK_DIR to the stack's directory)")


class ModeMismatchError(StackError):
    """Elasticsearch already runs with security on while off was asked for, or the other way round."""

    def __init__(self, url: str, running_secure: bool) -> None:
        now, wanted = ("on", "off") if running_secure else ("off", "on")
        flag = "without --secure" if running_secure else "with --secure"
        super().__init__(
            f"elasticsearch at {url} already runs with security {now}; "
            f"run `pantau stack down` first to start it {flag} (security {wanted})"
        )
