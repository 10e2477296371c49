"""What a person typed into a search, kept out of the URL.

A search box may be given a CPR number (the child list's is made for it). In a GET query string
that number would land in the web server's and proxies' logs, the browser's history and the
Referer of every link followed from the result. So the search form is POSTed, the text is kept in
the person's own session under a short random token, and the result's address carries only the
token (`?soegning=…`): paging, reloading and going back work, the address tells nothing, and the
token means nothing in another session or after TOKEN_MINUTES.
"""

from __future__ import annotations

import secrets
import time

SESSION_KEY = "typed_searches"
TOKEN_MINUTES = 60  # longer than the idle timeout: a search lives as long as the session, at most an hour
KEPT = 20           # the newest searches of a session; older tokens stop working


def keep(session, text: str) -> str:
    """Keep `text` in the session and return the token that recalls it."""
    now = int(time.time())
    kept = {token: entry for token, entry in session.get(SESSION_KEY, {}).items()
            if entry[1] > now}
    token = secrets.token_urlsafe(9)
    kept[token] = [text, now + TOKEN_MINUTES * 60]
    session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])
    return token


def recall(session, token: str | None) -> str | None:
    """The text kept under `token` in this session, or None (unknown, another session's or expired)."""
    if not token:
        return None
    entry = session.get(SESSION_KEY, {}).get(token)
    if entry is None or entry[1] <= time.time():
        return None
    return entry[0]
