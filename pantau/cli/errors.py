"""Exit codes and the errors a command reports in one line."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: The work was done, but records wait in the local spool because Kafka could not take them;
#: the next crawl or `pantau spool replay` sends them.
EXIT_SPOOLED = 3


class UsageError(ValueError):
    """A mistake in how a command was called (an unknown site, a missing name): one line, exit 2."""
