class Refused(Exception):
    """A workflow action the rules do not allow. The message is Danish and is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        # Every refusal leaves a trace: noted on the request being answered, logged after it.
        from haandguide.access import note_refused

        note_refused(message)


class EditConflict(Refused):
    """Someone else saved the same record after this user opened it (optimistic locking)."""
