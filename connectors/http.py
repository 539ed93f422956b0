"""One polite HTTP session per tracker source.

Both trackers throttle, and both fail transiently. This layer honours `Retry-After` and the
rate-limit reset headers, retries 5xx and dropped connections with capped exponential backoff
and jitter, and counts what it did so every materialisation can report requests, waits and
304s. Auth headers live only on the session; they are never logged or put in an error.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from connectors.errors import (
    AuthError,
    ConnectorError,
    FatalError,
    NotFoundError,
    PayloadError,
    RetriesExhaustedError,
    TlsError,
)

log = logging.getLogger(__name__)

RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_ID_HEADERS = ("x-github-request-id", "x-arequestid", "x-request-id")


@dataclass
class RequestStats:
    """What one source's session did during a run; reported as run metadata."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "not_modified": self.not_modified,
            "retries": self.retries,
            "rate_limit_waits": self.rate_limit_waits,
            "waited_seconds": round(self.waited_seconds, 3),
        }


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    max_wait_seconds: float = 3600.0
    secondary_limit_wait_seconds: float = 60.0


class HttpClient:
    """A `requests.Session` bound to one base URL, with retry and rate-limit handling."""

    def __init__(
        self,
        base_url: str,
        *,
        auth_headers: Mapping[str, str],
        default_headers: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.stats = RequestStats()
        self._sleep = sleep
        self._jitter = random.Random()  # noqa: S311 - jitter, not cryptography
        if verify is False:
            # No configuration turns TLS off; an enterprise CA is a bundle path, not False.
            raise ValueError("TLS verification cannot be disabled; pass a CA bundle path instead")
        self.verify: bool | str = verify
        self._session = requests.Session()
        self._session.headers.update(default_headers or {})
        self._session.headers.update(auth_headers)
        self._session.verify = verify

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url + "/", path_or_url.lstrip("/"))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        accept_statuses: frozenset[int] = frozenset(),
    ) -> requests.Response:
        """Send with retries; return a 2xx/304 response or one whose status the caller accepts."""
        url = self.url(path_or_url)
        endpoint = f"{method} {urlsplit(url).path}"
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=headers,
                    timeout=self.timeout,
                    # Explicit, so REQUESTS_CA_BUNDLE in the environment cannot replace the
                    # bundle configured for this source (it still applies when none is).
                    verify=self.verify,
                )
                # Read the whole body now, so a connection dropped mid-body is retried here.
                _ = response.content
            except requests.exceptions.SSLError as exc:
                self.stats.requests += 1
                raise _tls_error(endpoint, url, exc) from None
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                self.stats.requests += 1
                self._retry_or_raise(
                    attempt, endpoint, self._backoff(attempt), self._transport_reason(url, exc)
                )
                continue
            self.stats.requests += 1
            status = response.status_code
            self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1
            if status == 304:
                self.stats.not_modified += 1
                return response
            if status < 400 or status in accept_statuses:
                self._throttle_if_exhausted(response)
                return response
            wait = self._rate_limit_wait(response, attempt)
            if wait is not None:
                self.stats.rate_limit_waits += 1
                self._retry_or_raise(attempt, endpoint, wait, f"rate limited ({status})", response)
                continue
            if status in RETRIABLE_STATUSES:
                wait = _retry_after(response) or self._backoff(attempt)
                self._retry_or_raise(attempt, endpoint, wait, f"HTTP {status}", response)
                continue
            raise _fatal(endpoint, response)

    def get_json(self, path_or_url: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return parse_json(self.request("GET", path_or_url, params=params))

    def post_json(self, path_or_url: str, body: Any) -> Any:
        return parse_json(self.request("POST", path_or_url, json_body=body))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.policy.backoff_cap_seconds, self.policy.backoff_base_seconds * 2 ** (attempt - 1)
        )
        return self._jitter.uniform(ceiling / 2, ceiling)

    def _retry_or_raise(
        self,
        attempt: int,
        endpoint: str,
        wait: float,
        reason: str,
        response: requests.Response | None = None,
    ) -> None:
        if attempt >= self.policy.max_attempts:
            raise RetriesExhaustedError(
                f"{endpoint} failed after {attempt} attempts: {reason}{_request_id(response)}",
                endpoint=endpoint,
                status=None if response is None else response.status_code,
            )
        wait = max(0.0, min(wait, self.policy.max_wait_seconds))
        self.stats.retries += 1
        self.stats.waited_seconds += wait
        log.warning(
            "%s: %s; retry %d in %.1fs%s", endpoint, reason, attempt, wait, _request_id(response)
        )
        self._sleep(wait)

    def _transport_reason(self, url: str, exc: requests.RequestException) -> str:
        """A one-line cause an operator can act on; names host and port, never userinfo."""
        where = _host_port(url)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return f"could not connect to {where} within {self.timeout[0]:g}s"
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return f"{where} sent no response within {self.timeout[1]:g}s (read timeout)"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.Timeout):
            return f"connection to {where} dropped mid-response ({type(exc).__name__})"
        text = str(exc).lower()
        if "refused" in text:
            return f"connection refused by {where} (is base_url right and the tracker up?)"
        if "name or service not known" in text or "nodename nor servname" in text:
            return f"cannot resolve host {where} (check base_url)"
        if "remotedisconnected" in text or "connection aborted" in text or "reset" in text:
            return f"connection to {where} dropped mid-response"
        return f"cannot reach {where} ({type(exc).__name__})"

    def _rate_limit_wait(self, response: requests.Response, attempt: int = 1) -> float | None:
        """Seconds to wait when the response says we hit a rate limit, else None."""
        status = response.status_code
        if status not in (403, 429, 503):
            return None
        headers = response.headers
        retry_after = _retry_after(response)
        if retry_after is not None:
            return retry_after  # both vendors: Retry-After, when sent, is the wait to honour
        remaining = _first_header(headers, "x-ratelimit-remaining", "x-beta-ratelimit-remaining")
        if remaining == "0":
            reset = _reset_seconds(headers)
            if reset is not None:
                return reset
        if status in (403, 429) and "secondary rate limit" in response.text.lower():
            # no Retry-After: wait at least the documented minute, doubling on each repeat
            return self.policy.secondary_limit_wait_seconds * 2 ** (attempt - 1)
        return None  # a plain 429 without headers takes the generic backoff path

    def _throttle_if_exhausted(self, response: requests.Response) -> None:
        """Spend nothing more until reset once the last request used the final unit of budget."""
        if _first_header(response.headers, "x-ratelimit-remaining") != "0":
            return
        reset = _reset_seconds(response.headers)
        if reset:
            self.stats.rate_limit_waits += 1
            wait = min(reset, self.policy.max_wait_seconds)
            self.stats.waited_seconds += wait
            self._sleep(wait)


def parse_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        endpoint = f"{response.request.method} {urlsplit(response.url).path}"
        raise PayloadError(
            f"{endpoint} returned a body that is not JSON ({len(response.content)} bytes)"
            f"{_request_id(response)}",
            endpoint=endpoint,
            status=response.status_code,
        ) from None


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def _tls_error(endpoint: str, url: str, exc: requests.exceptions.SSLError) -> TlsError:
    """Certificate problems never heal on retry; say what failed and what to configure."""
    text = " ".join(str(exc).split())
    match = re.search(r"certificate verify failed: ([^(]+)", text)
    if match:
        cause = f"certificate verify failed: {match.group(1).strip()}"
    elif "hostname" in text.lower() and "match" in text.lower():
        cause = "the certificate does not match the host name"
    else:
        cause = "TLS handshake failed"
    return TlsError(
        f"{endpoint}: TLS verification of {_host_port(url)} failed ({cause}); if the tracker "
        "uses an enterprise or self-signed CA, set this source's ca_bundle to its PEM file",
        endpoint=endpoint,
    )


def _first_header(headers: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value.strip()
    return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reset_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until the rate-limit window resets: GitHub sends epoch seconds, Jira an ISO time."""
    value = _first_header(headers, "x-ratelimit-reset", "x-beta-ratelimit-reset")
    if not value:
        return None
    now = datetime.now(UTC)
    try:
        return max(0.0, float(value) - now.timestamp()) + 0.5
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds()) + 0.5


def _request_id(response: requests.Response | None) -> str:
    if response is None:
        return ""
    value = _first_header(response.headers, *REQUEST_ID_HEADERS)
    return f" (request id {value})" if value else ""


def _fatal(endpoint: str, response: requests.Response) -> ConnectorError:
    status = response.status_code
    detail = _error_detail(response)
    rid = _request_id(response)
    if status == 401:
        return AuthError(
            f"{endpoint}: 401 Unauthorized{rid}: check the credentials in the environment "
            f"variables named in the config{detail}",
            endpoint=endpoint,
            status=status,
        )
    if status == 403:
        return FatalError(
            f"{endpoint}: 403 Forbidden{rid}: the credentials lack permission for this "
            f"resource; grant the token read access to it{detail}",
            endpoint=endpoint,
            status=status,
        )
    if status == 404:
        return NotFoundError(
            f"{endpoint}: 404 Not Found{rid}: check the name in the config and that the token "
            f"can see it{detail}",
            endpoint=endpoint,
            status=status,
        )
    return FatalError(f"{endpoint}: HTTP {status}{rid}{detail}", endpoint=endpoint, status=status)


def _error_detail(response: requests.Response) -> str:
    """The tracker's own error message, which never echoes credentials back."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        message = body.get("message") or "; ".join(body.get("errorMessages") or [])
        if message:
            return f": {str(message)[:300]}"
    return ""
