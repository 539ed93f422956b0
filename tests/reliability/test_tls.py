"""TLS: always verified. An enterprise tracker with its own CA works once the source names the
CA bundle; without it the source fails at once with a clear TLS error (no retries, no silent
fallback); and no option, in the config or in the HTTP layer, turns verification off."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.fakes.github import FakeGitHub
from connectors.http import HttpClient
from pipelines.settings import load_settings
from tests.builders import GitHubBuilder
from tests.reliability.harness import GITHUB_TOKEN, LEDGER, run, write_config


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A CA-style self-signed certificate for 127.0.0.1, as an enterprise's private CA issues."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tracker.acme.internal")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "enterprise-ca.pem", directory / "tracker.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def https_github(store, tmp_path) -> Iterator[tuple[FakeGitHub, Path]]:
    """The fake GitHub Enterprise behind HTTPS with a certificate no public CA signed."""
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = FakeGitHub(store, token=GITHUB_TOKEN, rate_limit=None).start()
    httpd = server._httpd  # the one seam for wrapping the listening socket
    assert httpd is not None
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    try:
        yield server, cert
    finally:
        server.stop()


def test_tls_is_verified_by_default_and_a_configured_ca_bundle_makes_it_sync(
    store, https_github, tmp_path, query, reliability_env
):
    LEDGER.fault("TLS: tracker certificate from an unknown (enterprise) CA")
    server, ca_bundle = https_github
    github = GitHubBuilder(store, repo="acme/api")
    github.issue("2026-03-02 09:00")
    github.issue("2026-03-03 09:00")
    url = f"https://127.0.0.1:{server.port}"
    api_only = {"github_extra": {"repos": ["acme/api"]}, "teams": {}}

    without = load_settings(
        write_config(tmp_path / "without", github_url=url, jira_url=None, **api_only)
    )
    outcome = run(without)

    assert outcome.failed_checks == ["raw/github_main:sync_succeeded"]
    cause = outcome.causes["raw/github_main:sync_succeeded"]
    assert f"TLS verification of 127.0.0.1:{server.port} failed" in cause
    assert "certificate verify failed" in cause
    assert "set this source's ca_bundle" in cause
    assert "after" not in cause  # a certificate problem is not retried
    assert server.request_log == []  # no request (so no credential) crossed the connection

    with_bundle = load_settings(
        write_config(
            tmp_path / "with",
            github_url=url,
            jira_url=None,
            github_extra={"ca_bundle": str(ca_bundle), "repos": ["acme/api"]},
            teams={},
        )
    )
    assert run(with_bundle).success
    keys = query(with_bundle.warehouse.publish_path, "select key from marts.fct_work_items")
    assert sorted(keys) == [("acme/api#1",), ("acme/api#2",)]


def test_the_configured_ca_bundle_wins_over_requests_ca_bundle_in_the_environment(
    store, https_github, tmp_path, monkeypatch, reliability_env
):
    server, ca_bundle = https_github
    GitHubBuilder(store, repo="acme/api").issue("2026-03-02 09:00")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "some-other-bundle.pem"))
    settings = load_settings(
        write_config(
            tmp_path,
            github_url=f"https://127.0.0.1:{server.port}",
            jira_url=None,
            github_extra={"ca_bundle": str(ca_bundle), "repos": ["acme/api"]},
            teams={},
        )
    )

    assert run(settings).success


def test_no_option_turns_tls_verification_off():
    with pytest.raises(ValueError, match="TLS verification cannot be disabled"):
        HttpClient("https://tracker.example", auth_headers={}, verify=False)
