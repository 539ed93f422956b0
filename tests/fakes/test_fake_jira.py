"""FakeJira over real HTTP: enhanced search, 410 on removed search, changelogs, JQL time zones,
Data Center offset search, auth and rate-limit headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from connectors.fakes.jira import GONE_MESSAGE, FakeJira
from connectors.fakes.sample_org import OrgSummary, SampleOrg
from connectors.fakes.store import TrackerStore, jira_timestamp

EMAIL = "sync@acme.example"
TOKEN = "atl-test-token"
PAT = "dc-personal-access-token"
ALL_PROJECTS = "project in (PAY, WEB, OPS)"


@pytest.fixture(scope="module")
def populated() -> Iterator[tuple[TrackerStore, OrgSummary]]:
    store = TrackerStore()
    summary = SampleOrg(seed=7, items=3000).populate(store)
    yield store, summary
    store.close()


@pytest.fixture
def store(populated: tuple[TrackerStore, OrgSummary]) -> TrackerStore:
    return populated[0]


@pytest.fixture
def summary(populated: tuple[TrackerStore, OrgSummary]) -> OrgSummary:
    return populated[1]


@pytest.fixture
def jira(store: TrackerStore) -> Iterator[FakeJira]:
    with FakeJira(store, email=EMAIL, token=TOKEN) as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.auth = (EMAIL, TOKEN)
    yield session
    session.close()


def _search_all(http: requests.Session, base: str, body: dict) -> tuple[list[dict], int]:
    issues: list[dict] = []
    pages = 0
    token: str | None = None
    while True:
        payload = dict(body)
        if token:
            payload["nextPageToken"] = token
        response = http.post(f"{base}/rest/api/3/search/jql", json=payload, timeout=10)
        assert response.status_code == 200, response.text
        page = response.json()
        assert "total" not in page
        issues.extend(page["issues"])
        pages += 1
        token = page.get("nextPageToken")
        if page["isLast"]:
            assert token is None
            return issues, pages
        assert token


def test_search_jql_pages_through_everything_with_tokens(jira, http, summary):
    body = {
        "jql": f"{ALL_PROJECTS} ORDER BY updated ASC, id ASC",
        "maxResults": 500,
        "fields": ["summary", "updated", "status"],
    }
    issues, pages = _search_all(http, jira.base_url, body)
    assert len(issues) == summary.jira_issues
    assert len({i["id"] for i in issues}) == len(issues)
    assert pages == -(-summary.jira_issues // 100)  # maxResults capped at 100
    stamps = [datetime.strptime(i["fields"]["updated"], "%Y-%m-%dT%H:%M:%S.%f%z") for i in issues]
    assert stamps == sorted(stamps)
    assert set(issues[0]["fields"]) == {"summary", "updated", "status"}


def test_search_jql_get_defaults_to_ids_only(jira, http):
    response = http.get(
        f"{jira.base_url}/rest/api/3/search/jql",
        params={"jql": "project = PAY ORDER BY key"},
        timeout=10,
    )
    page = response.json()
    assert len(page["issues"]) == 50
    assert all(set(issue) == {"id"} for issue in page["issues"])
    assert page["isLast"] is False
    assert page["nextPageToken"]


def test_unknown_page_token_and_bad_jql_are_400(jira, http):
    bad_token = http.post(
        f"{jira.base_url}/rest/api/3/search/jql",
        json={"jql": "project = PAY", "nextPageToken": "not-a-token"},
        timeout=10,
    )
    assert bad_token.status_code == 400
    assert bad_token.json()["errorMessages"]
    unbounded = http.post(
        f"{jira.base_url}/rest/api/3/search/jql", json={"jql": "order by key"}, timeout=10
    )
    assert unbounded.status_code == 400
    assert "Unbounded" in unbounded.json()["errorMessages"][0]
    unknown = http.get(
        f"{jira.base_url}/rest/api/3/search/jql", params={"jql": "project = NOPE"}, timeout=10
    )
    assert unknown.status_code == 400


def test_expired_token_is_rejected(jira, http):
    first = http.post(
        f"{jira.base_url}/rest/api/3/search/jql",
        json={"jql": "project = WEB", "maxResults": 10},
        timeout=10,
    ).json()
    jira.expire_page_tokens()
    second = http.post(
        f"{jira.base_url}/rest/api/3/search/jql",
        json={"jql": "project = WEB", "maxResults": 10, "nextPageToken": first["nextPageToken"]},
        timeout=10,
    )
    assert second.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/rest/api/3/search"),
        ("POST", "/rest/api/3/search"),
        ("GET", "/rest/api/2/search"),
        ("POST", "/rest/api/2/search"),
    ],
)
def test_removed_search_endpoints_answer_410(jira, http, method, path):
    response = http.request(
        method, f"{jira.base_url}{path}", json={"jql": "project = PAY"}, timeout=10
    )
    assert response.status_code == 410
    assert response.json() == {"errorMessages": [GONE_MESSAGE], "errors": {}}


def _tz_store() -> TrackerStore:
    """Three issues updated at 10:00, 15:00 and 20:00 UTC on 2026-06-01."""
    store = TrackerStore()
    store.put_jira_project({"id": "10000", "key": "TZ", "name": "Time zones"})
    for number, hour in enumerate((10, 15, 20), start=1):
        moment = datetime(2026, 6, 1, hour, 0, 30, tzinfo=UTC)
        store.put_jira_issue(
            {
                "id": str(20000 + number),
                "key": f"TZ-{number}",
                "fields": {
                    "summary": f"issue {number}",
                    "created": jira_timestamp(moment),
                    "updated": jira_timestamp(moment),
                },
            }
        )
    return store


def test_jql_dates_are_read_in_the_users_time_zone(http):
    store = _tz_store()
    jql = 'project = TZ AND updated >= "2026-06-01 05:00" ORDER BY updated ASC, id ASC'
    with (
        FakeJira(store, email=EMAIL, token=TOKEN, timezone="America/Los_Angeles") as la,
        FakeJira(store, email=EMAIL, token=TOKEN, timezone="UTC") as utc,
    ):
        myself = http.get(f"{la.base_url}/rest/api/3/myself", timeout=10).json()
        assert myself["timeZone"] == "America/Los_Angeles"
        # 05:00 in Los Angeles (PDT) is 12:00 UTC: only the 15:00 and 20:00 issues qualify.
        la_hits = http.post(
            f"{la.base_url}/rest/api/3/search/jql", json={"jql": jql, "fields": "key"}, timeout=10
        ).json()["issues"]
        assert [i["key"] for i in la_hits] == ["TZ-2", "TZ-3"]
        utc_hits = http.post(
            f"{utc.base_url}/rest/api/3/search/jql", json={"jql": jql, "fields": "key"}, timeout=10
        ).json()["issues"]
        assert [i["key"] for i in utc_hits] == ["TZ-1", "TZ-2", "TZ-3"]
        # Minute precision and the slash format: 10:00 (UTC user) still matches 10:00:30.
        slash = 'project = TZ AND updated >= "2026/06/01 10:00" ORDER BY updated DESC'
        desc = http.post(
            f"{utc.base_url}/rest/api/3/search/jql",
            json={"jql": slash, "fields": "key"},
            timeout=10,
        ).json()["issues"]
        assert [i["key"] for i in desc] == ["TZ-3", "TZ-2", "TZ-1"]
    store.close()


def test_embedded_changelog_is_truncated_and_paged_changelog_is_complete(jira, http, store):
    body = {
        "jql": f"{ALL_PROJECTS} ORDER BY id ASC",
        "fields": "summary",
        "expand": "changelog",
        "maxResults": 100,
    }
    issues, _ = _search_all(http, jira.base_url, body)
    big = [i for i in issues if i["changelog"]["total"] > 100]
    assert len(big) >= 3
    target = max(big, key=lambda i: i["changelog"]["total"])
    embedded = target["changelog"]
    assert embedded["total"] == 250
    assert len(embedded["histories"]) == 20
    embedded_ids = [int(h["id"]) for h in embedded["histories"]]
    assert embedded_ids == sorted(embedded_ids, reverse=True)  # newest first

    values: list[dict] = []
    start_at = 0
    while True:
        page = http.get(
            f"{jira.base_url}/rest/api/3/issue/{target['key']}/changelog",
            params={"startAt": start_at, "maxResults": 100},
            timeout=10,
        ).json()
        assert page["total"] == 250
        values.extend(page["values"])
        start_at += len(page["values"])
        if page["isLast"]:
            break
    ids = [int(h["id"]) for h in values]
    assert len(ids) == 250
    assert ids == sorted(ids)  # oldest first
    assert set(embedded_ids) == set(ids[-20:])


def test_bulk_changelog_fetch_filters_fields_and_pages(jira, http, store):
    keys = [
        i["key"]
        for i in http.post(
            f"{jira.base_url}/rest/api/3/search/jql",
            json={"jql": "project = PAY ORDER BY key", "fields": "key", "maxResults": 30},
            timeout=10,
        ).json()["issues"]
    ]
    collected: dict[str, list[dict]] = {}
    token = None
    pages = 0
    while True:
        body = {"issueIdsOrKeys": keys, "fieldIds": ["status"], "maxResults": 25}
        if token:
            body["nextPageToken"] = token
        page = http.post(f"{jira.base_url}/rest/api/3/changelog/bulkfetch", json=body, timeout=10)
        assert page.status_code == 200, page.text
        data = page.json()
        pages += 1
        for log in data["issueChangeLogs"]:
            collected.setdefault(log["issueId"], []).extend(log["changeHistories"])
        token = data.get("nextPageToken")
        if not token:
            break
    assert pages > 1
    items = [item for hs in collected.values() for h in hs for item in h["items"]]
    assert items
    assert {item["fieldId"] for item in items} == {"status"}
    for issue_id, histories in collected.items():
        full = [h for h in store.jira_histories(int(issue_id)) if '"fieldId":"status"' in h]
        assert len(histories) == len(full)


def test_reference_endpoints(jira, http):
    statuses = http.get(f"{jira.base_url}/rest/api/3/status", timeout=10).json()
    assert {s["statusCategory"]["key"] for s in statuses} == {"new", "indeterminate", "done"}
    assert "5" not in {s["id"] for s in statuses}  # legacy "Resolved" is not served
    categories = http.get(f"{jira.base_url}/rest/api/3/statuscategory", timeout=10).json()
    assert {c["key"] for c in categories} >= {"new", "indeterminate", "done"}
    fields = {f["id"]: f for f in http.get(f"{jira.base_url}/rest/api/3/field", timeout=10).json()}
    assert fields["customfield_10016"]["schema"]["custom"].endswith("jsw-story-points")
    assert fields["customfield_10023"]["name"] == "Target end"
    types = {
        t["name"]: t for t in http.get(f"{jira.base_url}/rest/api/3/issuetype", timeout=10).json()
    }
    assert types["Initiative"]["hierarchyLevel"] == 2
    assert types["Sub-task"]["hierarchyLevel"] == -1


def test_headers_auth_and_injected_429(jira, http):
    ok = http.get(f"{jira.base_url}/rest/api/3/myself", timeout=10)
    for header in (
        "X-AREQUESTID",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Beta-RateLimit-Policy",
    ):
        assert header in ok.headers
    assert ok.headers["X-RateLimit-Reset"].endswith("Z")
    assert requests.get(f"{jira.base_url}/rest/api/3/myself", timeout=10).status_code == 401
    wrong = requests.get(f"{jira.base_url}/rest/api/3/myself", auth=(EMAIL, "bad"), timeout=10)
    assert wrong.status_code == 401
    jira.inject(r"/search/jql$", 429, times=2, headers={"Retry-After": "2"})
    for _ in range(2):
        limited = http.post(
            f"{jira.base_url}/rest/api/3/search/jql", json={"jql": "project = OPS"}, timeout=10
        )
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "2"
        assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
    after = http.post(
        f"{jira.base_url}/rest/api/3/search/jql", json={"jql": "project = OPS"}, timeout=10
    )
    assert after.status_code == 200
    assert [e.auth_scheme for e in jira.request_log[1:3]] == [None, "Basic"]


def test_datacenter_offset_search_with_full_changelog(store, summary):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {PAT}"
    with FakeJira(store, flavor="datacenter", token=PAT) as dc:
        seen: list[dict] = []
        start_at = 0
        while True:
            page = session.get(
                f"{dc.base_url}/rest/api/2/search",
                params={
                    "jql": "project = WEB ORDER BY key ASC",
                    "startAt": start_at,
                    "maxResults": 200,
                    "expand": "changelog",
                },
                timeout=10,
            ).json()
            assert page["total"] == summary.jira_issues_by_project["WEB"]
            seen.extend(page["issues"])
            start_at += len(page["issues"])
            if start_at >= page["total"]:
                break
        assert len({i["id"] for i in seen}) == summary.jira_issues_by_project["WEB"]
        for issue in seen:
            changelog = issue["changelog"]
            assert changelog["total"] == len(changelog["histories"])
            ids = [int(h["id"]) for h in changelog["histories"]]
            assert ids == sorted(ids, reverse=True)
        assignee = next(i["fields"]["assignee"] for i in seen if i["fields"]["assignee"])
        assert "name" in assignee
        assert "accountId" not in assignee
        assert isinstance(seen[0]["fields"]["description"], str)
        assert session.get(f"{dc.base_url}/rest/api/3/myself", timeout=10).status_code == 404
        basic = requests.get(f"{dc.base_url}/rest/api/2/myself", auth=(EMAIL, PAT), timeout=10)
        assert basic.status_code == 401
        assert "X-RateLimit-Limit" in basic.headers
    session.close()


def test_store_mutations_show_up_in_search(http):
    store = TrackerStore()
    SampleOrg(seed=11, items=300).populate(store)
    with FakeJira(store, email=EMAIL, token=TOKEN) as server:
        url = f"{server.base_url}/rest/api/3/search/jql"
        victim = http.post(
            url, json={"jql": "project = PAY ORDER BY key", "fields": "key"}, timeout=10
        )
        first, second = victim.json()["issues"][:2]
        moment = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
        history = {
            "items": [
                {
                    "field": "labels",
                    "fieldtype": "jira",
                    "fieldId": "labels",
                    "from": None,
                    "fromString": "",
                    "to": None,
                    "toString": "touched",
                }
            ]
        }
        store.touch_jira_issue(int(first["id"]), history, {"labels": ["touched"]}, moment)
        store.move_jira_issue(int(second["id"]), "WEB-999", at=moment)
        recent = http.post(
            url,
            json={
                "jql": f'{ALL_PROJECTS} AND updated >= "2026-11-03 09:00"',
                "fields": "key,labels",
                "expand": "changelog",
            },
            timeout=10,
        ).json()["issues"]
        by_id = {i["id"]: i for i in recent}
        assert set(by_id) == {first["id"], second["id"]}
        assert by_id[second["id"]]["key"] == "WEB-999"
        assert by_id[first["id"]]["changelog"]["histories"][0]["items"][0]["toString"] == "touched"
        store.delete_jira_issue(int(first["id"]))
        gone = http.get(f"{server.base_url}/rest/api/3/issue/{first['key']}", timeout=10)
        assert gone.status_code == 404
    store.close()
