"""What the tests control in the running provider: its users' claims and the next token's fault."""

import threading

_lock = threading.Lock()
USERS: dict[str, dict] = {}  # username -> claims and flags (sub, email, upn, groups, mfa, acr)
_next_fault: list[str] = []

FAULTS = {"bad_signature", "wrong_audience", "expired", "wrong_nonce", "wrong_issuer"}


def set_fault(name: str) -> None:
    if name not in FAULTS:
        raise ValueError(name)
    with _lock:
        _next_fault[:] = [name]


def take_fault() -> str:
    with _lock:
        return _next_fault.pop() if _next_fault else ""
