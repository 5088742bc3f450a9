"""Alerts: a failed run, a failed rule check, a sync with failures or a refused sync posts one
message to a chat webhook, Slack-compatible JSON `{"text": ...}` (Slack, Mattermost, Teams'
and Google Chat's Slack-style hooks, or any HTTP receiver).

The webhook URL comes from BOOKFLOW_ALERT_WEBHOOK_URL; without it nothing is posted. A message
never carries a secret: the values of credential env vars (and the webhook URL itself) are
masked before it leaves, and messages are built from failure descriptions, never from settings.
An alert that cannot be delivered is reported to the caller, never raised: the run's own exit
code already says what happened.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

WEBHOOK_ENV = "BOOKFLOW_ALERT_WEBHOOK_URL"
MAX_LINES_PER_ERROR = 3
MAX_CHARS = 3000
# Env vars whose values are secrets wherever they turn up (a CRM echoing a token in an error body).
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|PRIVATE_KEY|API_KEY|CLIENT_ID|WEBHOOK)", re.IGNORECASE)
MASK = "[redacted]"


def webhook_url(env: Mapping[str, str] | None = None) -> str | None:
    return ((env if env is not None else os.environ).get(WEBHOOK_ENV) or "").strip() or None


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """`text` with the value of every secret-named env var masked (values under 4 characters are left: too common)."""
    env = env if env is not None else os.environ
    secrets = sorted(
        {value for name, value in env.items() if SECRET_NAME.search(name) and len(value.strip()) >= 4},
        key=len,
        reverse=True,
    )
    for secret in secrets:
        text = text.replace(secret.strip(), MASK)
    # Credentials in a URL (https://user:password@host) whatever their source.
    return re.sub(r"(https?://)[^/\s:@]+:[^/\s@]+@", r"\1" + MASK + "@", text)


def failure_message(title: str, errors: Iterable[str], *, footer: str = "") -> str:
    """A title line, each error in a few lines, and a footer (where to look next)."""
    lines = [title]
    for error in errors:
        error_lines = [line.rstrip() for line in error.strip().splitlines() if line.strip()]
        lines += ["• " + error_lines[0].strip(), *error_lines[1:MAX_LINES_PER_ERROR]] if error_lines else []
        if len(error_lines) > MAX_LINES_PER_ERROR:
            lines.append(f"  … {len(error_lines) - MAX_LINES_PER_ERROR} more lines")
    if footer:
        lines.append(footer)
    text = "\n".join(lines)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def post_alert(text: str, *, url: str | None = None, timeout: float = 10.0) -> str | None:
    """Post `text` to the webhook; return None when delivered or not configured, else why it was not."""
    url = url or webhook_url()
    if not url:
        return None
    import httpx

    try:
        response = httpx.post(url, json={"text": redact(text)}, timeout=timeout)
    except httpx.HTTPError as error:
        return f"alert not delivered: {type(error).__name__}"
    if response.status_code >= 300:
        return f"alert not delivered: the webhook answered HTTP {response.status_code}"
    return None
