"""Errors the actions raise that every front door (page, API, import) knows how to show."""


class ConflictError(Exception):
    """Someone else changed or moved the record first; the caller's change was not applied."""


class InvalidTransition(Exception):
    """The record is not in a state that allows this step (any more)."""
