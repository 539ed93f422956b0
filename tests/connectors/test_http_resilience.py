"""The HTTP layer against the fake trackers: retries, rate limits and clear, secret-free errors."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError, NotFoundError, PayloadError, RetriesExhaustedError
from connectors.github.client import GitHubClient
from connectors.http import RetryPolicy
from connectors.jira.client import JiraClient
from tests.builders import GitHubBuilder, JiraBuilder
from tests.conftest import GITHUB_TOKEN, JIRA_EMAIL, JIRA_TOKEN

FAST = RetryPolicy(
    max_attempts=4, backoff_base_seconds=0.01, backoff_cap_seconds=0.02, max_wait_seconds=30
)


class Sleeps(list):
    """Records the waits the client asked for, so tests need not spend them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def github_client(server, sleeps: Sleeps, token: str = GITHUB_TOKEN) -> GitHubClient:
    client = GitHubClient.connect(server.base_url, token, policy=FAST)
    client.http._sleep = sleeps
    return client


def jira_client(server, sleeps: Sleeps) -> JiraClient:
    client = JiraClient.connect(
        server.base_url, flavor="cloud", token=JIRA_TOKEN, email=JIRA_EMAIL, policy=FAST
    )
    client.http._sleep = sleeps
    return client


def test_server_errors_are_retried_until_the_tracker_recovers(store, fake_github):
    GitHubBuilder(store).issue("2026-03-02 09:00")
    fake_github.inject(r"/issues$", 502, times=2)
    sleeps = Sleeps()

    pages = list(github_client(fake_github, sleeps).issue_pages("acme/api", None))

    assert len(pages[0]) == 1
    assert len(sleeps) == 2
    assert [r.status for r in fake_github.request_log] == [502, 502, 200]


def test_a_dropped_connection_is_retried(store, fake_github):
    GitHubBuilder(store).issue("2026-03-02 09:00")
    fake_github.inject(r"/issues$", 200, drop_connection=True)
    sleeps = Sleeps()

    pages = list(github_client(fake_github, sleeps).issue_pages("acme/api", None))

    assert len(pages[0]) == 1
    assert len(sleeps) == 1


def test_jira_429_honours_retry_after(store, fake_jira):
    JiraBuilder(store).issue("2026-03-02 09:00")
    fake_jira.inject(r"/search/jql$", 429, headers={"Retry-After": "7"})
    sleeps = Sleeps()
    client = jira_client(fake_jira, sleeps)

    issues = [i for page in client.search_pages("project = PAY", ["summary"]) for i in page]

    assert len(issues) == 1
    assert sleeps == [7.0]
    assert client.http.stats.rate_limit_waits == 1


def test_github_secondary_limit_waits_as_retry_after_says(store, fake_github):
    GitHubBuilder(store).issue("2026-03-02 09:00")
    fake_github.inject(
        r"/issues$",
        403,
        headers={"retry-after": "3"},
        body={"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
    )
    sleeps = Sleeps()

    list(github_client(fake_github, sleeps).issue_pages("acme/api", None))

    assert sleeps == [3.0]


def test_retries_are_bounded(store, fake_github):
    GitHubBuilder(store).issue("2026-03-02 09:00")
    fake_github.inject(r"/issues$", 500, times=10)

    with pytest.raises(
        RetriesExhaustedError, match=r"GET /repos/acme/api/issues failed after 4 attempts"
    ):
        list(github_client(fake_github, Sleeps()).issue_pages("acme/api", None))


def test_a_wrong_token_is_fatal_and_the_message_never_contains_it(store, fake_github):
    GitHubBuilder(store)

    with pytest.raises(AuthError) as error:
        list(
            github_client(fake_github, Sleeps(), token="wrong-token-123").issue_pages(
                "acme/api", None
            )
        )

    assert "401" in str(error.value)
    assert "wrong-token-123" not in str(error.value)
    assert GITHUB_TOKEN not in str(error.value)


def test_an_unknown_repo_is_not_found_naming_the_endpoint(store, fake_github):
    GitHubBuilder(store)

    with pytest.raises(NotFoundError, match=r"GET /repos/acme/missing/issues: 404"):
        list(github_client(fake_github, Sleeps()).issue_pages("acme/missing", None))


def test_a_body_that_is_not_json_is_a_payload_error(store, fake_github):
    GitHubBuilder(store)
    fake_github.inject(r"/milestones$", 200, body="<html>proxy error</html>")

    with pytest.raises(PayloadError, match="not JSON"):
        github_client(fake_github, Sleeps()).milestones("acme/api")
