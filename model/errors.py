"""The one error base class of Tonlage: every expected failure derives from :class:`TonlageError`.

The CLI turns any ``TonlageError`` into a one-line message and exit code 2; anything else is a bug.
"""

from __future__ import annotations


class TonlageError(Exception):
    """An expected failure with a message meant for the user (bad input, bad file, bad setting)."""
