"""A real S3 API server on loopback for the publishing tests and benchmarks.

moto's standalone server, run in its own process (so its in-memory state and settings, such
as IAM enforcement for the access-denied case, never leak between servers), wrapped in a tiny
WSGI layer that records every request: "a second publish makes zero PUTs" is then counted
at the server, whichever process (our CLI, the AWS CLI) made the requests.

Run as a script it serves until killed and prints ``READY <port>`` once listening.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

LOG_PATH = "/_e2e_test_requests"
# GET: the faults now injected; PUT with a JSON object: replace them (``S3Server.set_faults``).
FAULTS_PATH = "/_e2e_test_faults"
REGION = "us-east-1"

# Fault injection, on object PUTs only (path ``/bucket/key``; bucket creation is never hit):
#   slowdown_every N     every Nth object PUT is answered 503 SlowDown, as S3 does when a prefix
#                        is written too fast                      (env E2E_TEST_SLOWDOWN_EVERY)
#   drop_every N         every Nth object PUT has its body read, then the connection is closed
#                        without an answer, as a dropped network or a load balancer's reset
#                                                                 (env E2E_TEST_DROP_EVERY)
#   slowdown_matching S  every object PUT whose path contains S: 503 SlowDown (a fault that persists)
#   drop_matching S      every object PUT whose path contains S: the connection is dropped
# Every injected fault is in the request log as ``"fault": "slowdown" | "drop"``.
FAULT_NAMES = ("slowdown_every", "drop_every", "slowdown_matching", "drop_matching", "latency_ms")


# --------------------------------------------------------------------------- the server process


def _initial_faults() -> dict[str, Any]:
    return {
        "slowdown_every": int(os.environ.get("E2E_TEST_SLOWDOWN_EVERY", "0")),
        "drop_every": int(os.environ.get("E2E_TEST_DROP_EVERY", "0")),
        "slowdown_matching": "",
        "drop_matching": "",
        # Every S3 request answered this much later, as over a network to a real endpoint (the
        # loopback answers in well under a millisecond; S3 takes tens of them): benchmarks only.
        "latency_ms": int(os.environ.get("E2E_TEST_LATENCY_MS", "0")),
    }


def _fault_for(faults: dict[str, Any], path: str, count: int) -> str | None:
    if faults["drop_matching"] and faults["drop_matching"] in path:
        return "drop"
    if faults["slowdown_matching"] and faults["slowdown_matching"] in path:
        return "slowdown"
    if faults["drop_every"] and count % faults["drop_every"] == 0:
        return "drop"
    if faults["slowdown_every"] and count % faults["slowdown_every"] == 0:
        return "slowdown"
    return None


def _json_answer(start_response: Any, data: Any) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _serve(port: int) -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    moto_app = DomainDispatcherApplication(create_backend_app)
    log: list[dict[str, str]] = []
    lock = threading.Lock()
    faults = _initial_faults()
    object_puts = [0]

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        if path == LOG_PATH:
            with lock:
                if method == "DELETE":
                    log.clear()
                return _json_answer(start_response, log)
        if path == FAULTS_PATH:
            with lock:
                if method == "PUT":
                    asked = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
                    faults.clear()
                    faults.update({**_initial_faults(), "slowdown_every": 0, "drop_every": 0, **asked})
                    object_puts[0] = 0  # "every Nth PUT" counts from the faults' setting
                return _json_answer(start_response, dict(faults))
        fault = None
        with lock:
            latency_s = faults["latency_ms"] / 1000
            request = {"method": method, "path": path, "query": environ.get("QUERY_STRING", "")}
            if method == "PUT" and path.count("/") >= 2:
                object_puts[0] += 1
                fault = _fault_for(faults, path, object_puts[0])
                if fault:
                    request["fault"] = fault
            log.append(request)
        if latency_s:
            time.sleep(latency_s)  # in the request's own thread: requests at once wait at once
        if fault:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if fault == "drop":
            # Closed without a word: the client sees the connection end before any answer.
            connection = environ["werkzeug.socket"]
            try:
                connection.shutdown(socket.SHUT_RDWR)
            finally:
                connection.close()
            raise ConnectionAbortedError("fault injected: connection dropped")
        if fault == "slowdown":
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate.</Message></Error>"
            )
            start_response(
                "503 Slow Down", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return moto_app(environ, start_response)

    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen

    def requests(self) -> list[dict[str, str]]:
        import urllib.request

        with urllib.request.urlopen(self.endpoint + LOG_PATH, timeout=10) as resp:
            return json.loads(resp.read())

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(
            urllib.request.Request(self.endpoint + LOG_PATH, method="DELETE"), timeout=10
        ).read()

    def puts(self) -> list[dict[str, str]]:
        return [r for r in self.requests() if r["method"] in {"PUT", "POST"}]

    def faults(self) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(self.endpoint + FAULTS_PATH, timeout=10) as resp:
            return json.loads(resp.read())

    def set_faults(self, **faults: int | str) -> dict[str, Any]:
        """Replace the injected faults (see FAULT_NAMES); no arguments: none from now on."""
        import urllib.request

        unknown = set(faults) - set(FAULT_NAMES)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        request = urllib.request.Request(
            self.endpoint + FAULTS_PATH, data=json.dumps(faults).encode(), method="PUT"
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(extra_env: dict[str, str] | None = None) -> S3Server:
    """Start a server process on a free loopback port and wait until it listens."""
    env = {**os.environ, **(extra_env or {})}
    env.pop("AWS_ENDPOINT_URL_S3", None)
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        process.wait()
        raise RuntimeError(f"the S3 server did not start (said {line!r})")
    return S3Server(endpoint=f"http://127.0.0.1:{int(line.split()[1])}", process=process)


def client_env(endpoint: str, *, access_key: str = "testing", secret_key: str = "testing") -> dict[str, str]:
    """Standard AWS settings pointing at the loopback server, and nothing else.

    The instance-metadata lookup is disabled so a missing credential never sends a request
    to a non-loopback address.
    """
    return {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


_CLEARED = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "E2E_REPORT_BUCKET",
    "E2E_REPORT_PREFIX",
    "E2E_REPORT_URL",
)


@contextmanager
def aws_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, **kwargs: str) -> Iterator[None]:
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in client_env(endpoint, **kwargs).items():
        monkeypatch.setenv(name, value)
    yield


def make_bucket(endpoint: str, *, public: bool, name: str | None = None) -> str:
    """A fresh bucket; ``public`` grants anonymous GET by bucket policy (how a team site or a
    CloudFront origin is opened), otherwise it stays private."""
    name = name or f"e2e-{uuid.uuid4().hex[:12]}"
    client = _client(endpoint)
    client.create_bucket(Bucket=name)
    if public:
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{name}/*",
                }
            ],
        }
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return name


def _client(endpoint: str) -> Any:
    """An S3 client for the loopback server with the test keys, whatever the environment says."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def read_objects(endpoint: str, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under ``prefix`` with its bytes (for byte-for-byte comparisons)."""
    client = _client(endpoint)
    found: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def head(endpoint: str, bucket: str, key: str) -> dict[str, Any]:
    return _client(endpoint).head_object(Bucket=bucket, Key=key)


# --------------------------------------------------------------------------- pytest fixtures


@contextmanager
def running_server() -> Iterator[S3Server]:
    """A loopback S3 server for as long as the block runs (fails in CI when moto is missing)."""
    from tests.support.ci import require  # not at the top: this file also runs as the server's script

    try:
        import moto.server  # noqa: F401
    except ImportError:
        require(False, "moto[server] is not installed (pip install -e '.[dev]')")
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_server() as server:
        yield server


@pytest.fixture
def s3(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """The session's server, with this test's environment pointing at it."""
    with aws_env(monkeypatch, s3_server.endpoint):
        yield s3_server


if __name__ == "__main__" and "--serve" in sys.argv:
    _serve(0)
