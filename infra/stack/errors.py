"""Why a stack operation failed, as exceptions whose message is one line a person can act on.

Every failure of the local stack is a :class:`StackError`; the subclasses name the cases a
command line answers differently (a port someone else holds, a directory with no stack).
"""

from __future__ import annotations


class StackError(RuntimeError):
    """The stack could not be fetched, started or stopped; the message says why and what to look at."""
