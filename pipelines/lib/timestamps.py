"""Tracker timestamp parsing and the cursor arithmetic built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def parse_timestamp(value: str) -> datetime:
    """Parse GitHub (`...Z`) and Jira (`....000+0000`) timestamps into aware UTC datetimes."""
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # +0000 -> +00:00
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def jql_since(cursor: datetime, overlap: timedelta, timezone: str) -> str:
    """A JQL date literal for `cursor - overlap` in the user's profile zone, floored to the minute.

    JQL reads date literals in the calling user's time zone, at minute precision: formatting a
    UTC cursor as-is would skip a whole offset's worth of updates east of UTC.
    """
    local = (cursor - overlap).astimezone(ZoneInfo(timezone))
    return local.strftime("%Y-%m-%d %H:%M")
