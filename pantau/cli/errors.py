"""Exit codes and the errors a command reports in one line."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """A mistake in how a command was called (an unknown site, a missing name): one line, exit 2."""
