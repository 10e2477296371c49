class Refusal(str):
    """Why a rule refuses an action: the Danish reason (the string itself, shown to the person) and a
    stable `code` (for tests, the access log and an API), so rewording a message changes no test.
    The guards (`refusal_<action>`) return one of these or None."""

    code: str

    def __new__(cls, code: str, reason: str):
        refusal = super().__new__(cls, reason)
        refusal.code = code
        return refusal

    @property
    def reason(self) -> str:
        return str.__str__(self)


class Refused(Exception):
    """A workflow action the rules do not allow: `Refused(code, reason)`, or `Refused(refusal)` with a
    guard's `Refusal`. The reason is Danish and is shown to the user; the code is stable."""

    def __init__(self, code: str, reason: str | None = None):
        if reason is None:
            if not isinstance(code, Refusal):
                raise TypeError("Refused needs a code and a reason: Refused(code, reason) or Refused(refusal)")
            refusal = code  # kept whole: a subclass may carry more (what is missing, with links)
        else:
            refusal = Refusal(code, reason)
        super().__init__(refusal.reason)
        self.refusal = refusal
        self.code = refusal.code
        self.reason = refusal.reason
        self.message = refusal.reason  # the views show `.message`
        # Every refusal leaves a trace: noted on the request being answered, logged after it.
        from haandguide.access import note_refused

        note_refused(refusal.reason, code=refusal.code)


class EditConflict(Refused):
    """Someone else saved the same record after this user opened it (optimistic locking)."""

    def __init__(self, reason: str):
        super().__init__("edit_conflict", reason)
