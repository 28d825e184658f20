"""The one exception type that means "the user asked for something we cannot do".

The CLI turns a :class:`UserError` into a single line on stderr and exit status 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(ValueError):
    """Bad input from the user: a config key, a data file, a run directory.

    The message must fit on one line and name the offending thing (file, column,
    key) and, where there is a fixed set, the allowed values.
    """

    exit_code = 2
