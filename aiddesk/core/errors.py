"""Errors whose message is fit to show a user (Chinese, says what to do)."""


class UserError(Exception):
    """A problem the user can fix; ``str(err)`` is the Chinese message to show.

    ``field`` names the form field (English identifier) the message belongs
    next to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(UserError):
    """Several field problems found at once; ``problems`` maps field → message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        lines = "；".join(self.problems.values())
        super().__init__(lines, field=next(iter(self.problems), None))
