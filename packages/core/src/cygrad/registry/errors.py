"""The registry's exceptions and warning category."""
from __future__ import annotations


class PluginError(Exception):
    """A plugin misbehaved, or two plugins claim the name being used.

    Raised for every plugin problem when ``CYGRAD_STRICT_PLUGINS=1``; otherwise a broken
    plugin only gets a ``PluginWarning`` and is skipped.
    """


class UnknownNameError(LookupError):
    """No component of the requested kind is registered under the requested name."""


class PluginWarning(UserWarning):
    """A plugin was skipped or has a problem; ``cygrad plugins`` lists the details."""
