"""The S3 target: a bucket's prefix through boto3.

Both targets (this and ``local_target``) speak in keys relative to the publish root (``<bucket>/<prefix>/`` or the
folder), so the publisher never branches on which one it talks to. The S3 side is plain
boto3: a ``put_object`` per small object from 16 worker threads and the transfer manager's
multipart upload for large ones (``S3Target.put`` says why not the manager for all), botocore's
adaptive retry mode does the backoff on throttling, and the endpoint, region and credentials come
from the standard AWS settings only, so the same code talks to AWS and to a local S3 server.
What is written here is the part no library has: telling a user, in one sentence, which
setting is at fault when S3 says no.
"""

from __future__ import annotations

import io
import os
import queue
import shlex
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from runner.publish.headers import headers_for
from runner.publish.target import (
    DEFAULT_ATTEMPTS,
    MULTIPART_CHUNKSIZE,
    MULTIPART_THRESHOLD,
    SERVER_SIDE_ENCRYPTION,
    STREAM_BLOCK,
    UPLOAD_CONCURRENCY,
    ProgressCallback,
    PublishError,
    RemoteObject,
    Target,
    Upload,
    UploadReport,
)

# A file up to this size is read whole for its PUT (16 workers hold at most 16 of them); a
# larger one is streamed from the open file.
READ_WHOLE = 8 * 1024 * 1024


class _Cancelled(Exception):
    """An upload given up because the publish was interrupted."""

    def __str__(self) -> str:
        return "the publish was interrupted before this file was uploaded"


# The upload workers' own state: the publish they work for was interrupted.
_worker = threading.local()

# A body below this size is sent without ``Expect: 100-continue``. botocore asks for the
# server's go-ahead before every PutObject body, whatever its size: one round trip more per
# object, which for a file of a few KB costs more than sending it to a server that refuses.
# Above it the handshake stays, so a refused large body is not sent in vain.
EXPECT_CONTINUE_FROM = 1024 * 1024


def _before_send(request: Any, **kwargs: Any) -> None:
    """Called by botocore before every attempt of a PutObject (retries included), after
    signing (``Expect`` is not a signed header)."""
    cancelled = getattr(_worker, "cancelled", None)
    if cancelled is not None and cancelled.is_set():
        raise _Cancelled()
    length = request.headers.get("Content-Length")
    if length is not None and int(length) < EXPECT_CONTINUE_FROM and "Expect" in request.headers:
        del request.headers["Expect"]


def _endpoint_source(environ: Mapping[str, str]) -> str:
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        if environ.get(name):
            return f"{name}={environ[name]}"
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "the default"
    return f"the public S3 endpoint of region {region} (AWS_REGION)"


class S3Target(Target):
    def __init__(
        self,
        bucket: str,
        prefix: str,
        *,
        bucket_source: str = "E2E_REPORT_BUCKET",
        public_url: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        import boto3
        import botocore.session
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.bucket_source = bucket_source
        self.public_url = public_url.rstrip("/") if public_url else None
        self._environ = os.environ if environ is None else environ
        root = f"{self.prefix}/" if self.prefix else ""
        self.description = f"s3://{bucket}/{root}"
        core = botocore.session.get_session()
        self._session = boto3.session.Session(botocore_session=core)
        common = {"signature_version": "s3v4", "user_agent_extra": "e2e-runner-publish"}
        # Adaptive mode adds client-side rate limiting on top of exponential backoff, which
        # is what a bucket answering SlowDown to sixteen parallel uploads needs. The number
        # of attempts is the standard AWS setting (AWS_MAX_ATTEMPTS, max_attempts in the AWS
        # config file) when one is set, else 11 (10 retries).
        try:
            configured = core.get_config_variable("max_attempts")
            attempts = int(configured) if configured is not None else DEFAULT_ATTEMPTS
        except ValueError as exc:
            raise PublishError(
                f"AWS_MAX_ATTEMPTS (or max_attempts in the AWS config file): expected a whole number ({exc})."
            ) from None
        if attempts < 1:
            raise PublishError(f"AWS_MAX_ATTEMPTS = {attempts}: expected a whole number of at least 1.")
        self._client = self._session.client(
            "s3",
            config=Config(
                retries={"total_max_attempts": attempts, "mode": "adaptive"},
                max_pool_connections=UPLOAD_CONCURRENCY + 4,
                connect_timeout=5,
                read_timeout=60,
                **common,
            ),
        )
        self._client.meta.events.register("before-send.s3.PutObject", _before_send)
        # The preflight must fail fast on an unreachable endpoint instead of retrying for
        # a minute, so it has its own client with a short leash.
        self._probe = self._session.client(
            "s3",
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=10, **common
            ),
        )

    def _full(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full_key: str) -> str:
        return full_key[len(self.prefix) + 1 :] if self.prefix else full_key

    # -- errors

    def explain(self, exc: BaseException, action: str) -> PublishError:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
            ReadTimeoutError,
        )

        where = f"{action} on {self.description}"
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return PublishError(
                f"{where}: no AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or AWS_PROFILE, or run where a role provides them (CodeBuild's service role); "
                "or publish to a local folder with --to DIR."
            )
        if isinstance(exc, NoRegionError):
            return PublishError(f"{where}: no AWS region configured. Set AWS_REGION (for example us-east-1).")
        if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
            return PublishError(
                f"{where}: the S3 endpoint is unreachable ({exc}). The endpoint comes from "
                f"{_endpoint_source(self._environ)}: check it and the network, then publish again."
            )
        if isinstance(exc, ConnectionClosedError | ReadTimeoutError):
            return PublishError(
                f"{where}: the connection to the S3 endpoint broke off or timed out, again on every "
                f"retry ({exc}). The endpoint comes from {_endpoint_source(self._environ)}: check "
                "the network (or a proxy in between), then publish again."
            )
        if isinstance(exc, ClientError):
            return self._explain_refusal(exc, action, where)
        return PublishError(f"{where}: {type(exc).__name__}: {exc}")

    def _explain_refusal(self, exc: Any, action: str, where: str) -> PublishError:
        """S3 answered, and said no: which setting is at fault, by the error code."""
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in {"NoSuchBucket", "404", "NotFound"} and action.startswith("checking bucket"):
            return PublishError(
                f"{where}: bucket {self.bucket!r} does not exist (from {self.bucket_source}). "
                "Create it (the infrastructure template does) or set E2E_REPORT_BUCKET / --bucket "
                "to an existing bucket."
            )
        if code == "NoSuchBucket":
            return PublishError(
                f"{where}: bucket {self.bucket!r} does not exist (from {self.bucket_source}). "
                "Set E2E_REPORT_BUCKET / --bucket to an existing bucket."
            )
        if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"}:
            return PublishError(
                f"{where}: the AWS credentials were rejected ({code}). Check AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN or AWS_PROFILE; refresh expired session tokens."
            )
        if code in {"AccessDenied", "403", "Forbidden", "AllAccessDisabled"} or status == 403:
            return PublishError(
                f"{where}: access denied to bucket {self.bucket!r} (from {self.bucket_source}). "
                f"The identity publishing needs s3:ListBucket on the bucket and s3:GetObject and "
                f"s3:PutObject on {self.description}*; check its policy, or set E2E_REPORT_BUCKET / "
                "--bucket to a bucket it may write."
            )
        if code in {"SlowDown", "503", "ServiceUnavailable", "InternalError", "500"}:
            return PublishError(
                f"{where}: S3 kept answering {code} (throttled or unavailable), again on every retry: "
                "publish again later."
            )
        message = error.get("Message") or str(exc)
        return PublishError(f"{where}: S3 answered {code or status}: {message}")

    # -- operations

    def _not_s3(self, action: str, answer: str) -> PublishError:
        return PublishError(
            f"{action} on {self.description}: the endpoint answered {answer}: it does not look like an "
            f"S3 API, so whether bucket {self.bucket!r} exists is unknown. The endpoint comes from "
            f"{_endpoint_source(self._environ)}: point it at an S3 API (or unset it to use AWS), or "
            "check a proxy in between."
        )

    def _missing_or_not_s3(self) -> PublishError:
        """HEAD answered 404, which has no body to say why: S3 answers a GET of a missing
        bucket with the error code NoSuchBucket, while something that is not S3 (a web server,
        a wrong port) answers its own 404 or a page."""
        from botocore.exceptions import ClientError
        from botocore.parsers import ResponseParserError

        try:
            self._probe.list_objects_v2(Bucket=self.bucket, Prefix=self._full(""), MaxKeys=1)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return self.explain(exc, "checking bucket")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                return self._not_s3(
                    "checking bucket", "404 Not Found without an S3 error code (S3 says NoSuchBucket)"
                )
            return self.explain(exc, "checking bucket")
        except ResponseParserError as exc:  # an answer that does not parse as S3's XML
            return self._not_s3("checking bucket", f"404 to HEAD and unreadably to GET ({exc})")
        except Exception as exc:
            return self.explain(exc, "checking bucket")
        # HEAD said there is no bucket, a listing of it worked: not an S3 API either.
        return self._not_s3("checking bucket", "404 to HEAD of the bucket yet listed it")

    def preflight(self) -> None:
        if self._session.get_credentials() is None:
            from botocore.exceptions import NoCredentialsError

            raise self.explain(NoCredentialsError(), "checking bucket")
        from botocore.exceptions import ClientError

        try:
            self._probe.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                raise self._missing_or_not_s3() from exc
            if status != 403:
                raise self.explain(exc, "checking bucket") from exc
        except Exception as exc:
            raise self.explain(exc, "checking bucket") from exc
        # HEAD answers a bare 403 both for a rejected key and for a denied identity (and
        # a role may lack HeadBucket yet list fine); a LIST says which, in words.
        try:
            self._probe.list_objects_v2(Bucket=self.bucket, Prefix=self._full(""), MaxKeys=1)
        except Exception as exc:
            raise self.explain(exc, "checking bucket") from exc

    def list(self, under: str) -> dict[str, RemoteObject]:
        objects: dict[str, RemoteObject] = {}
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._full(under)
            )
            for page in pages:
                for item in page.get("Contents", []):
                    key = self._relative(item["Key"])
                    objects[key] = RemoteObject(key, item["ETag"].strip('"'), int(item["Size"]))
        except Exception as exc:
            raise self.explain(exc, f"listing {under or 'the root'}") from exc
        return objects

    def _unless_missing(self, key: str, call: Callable[[], Any]) -> Any:
        """``call()``, or None when the object does not exist; any other failure explained."""
        from botocore.exceptions import ClientError

        try:
            return call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise self.explain(exc, f"reading {key}") from exc
        except Exception as exc:
            raise self.explain(exc, f"reading {key}") from exc

    def stat(self, key: str) -> RemoteObject | None:
        head = self._unless_missing(
            key, lambda: self._client.head_object(Bucket=self.bucket, Key=self._full(key))
        )
        if head is None:
            return None
        return RemoteObject(key, head["ETag"].strip('"'), int(head["ContentLength"]))

    def read(self, key: str) -> bytes | None:
        return self._unless_missing(
            key, lambda: self._client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"].read()
        )

    def stream(self, key: str) -> tuple[Iterator[bytes], int] | None:
        response = self._unless_missing(
            key, lambda: self._client.get_object(Bucket=self.bucket, Key=self._full(key))
        )
        if response is None:
            return None
        return response["Body"].iter_chunks(STREAM_BLOCK), int(response["ContentLength"])

    def download(self, key: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._client.download_file(self.bucket, self._full(key), str(dest))
        except Exception as exc:
            raise self.explain(exc, f"downloading {key}") from exc

    def _extra(self, upload: Upload) -> dict[str, str]:
        headers = headers_for(upload.key)
        extra = {
            "ContentType": headers.content_type,
            "CacheControl": headers.cache_control,
            "ServerSideEncryption": SERVER_SIDE_ENCRYPTION,
        }
        if upload.redirect:
            # Honoured by S3 website endpoints; must be an absolute path in the bucket.
            extra["WebsiteRedirectLocation"] = "/" + self._full(upload.redirect)
        return extra

    def put(self, uploads: list[Upload], on_bytes: ProgressCallback | None = None) -> UploadReport:
        """Objects below the multipart threshold (every file of a run but a long video) go up
        as one ``put_object`` each from this target's own workers; larger ones through boto3's
        transfer manager, which splits them into parts.

        Why not the transfer manager for all: its per-object machinery (futures, subscribers,
        a submission thread, chunked reads with callbacks) cost ~30 % more client CPU per
        small object than a plain ``put_object``, measured on 3,000 files of 25 KB to a
        loopback S3 server, and a run publishes thousands of small files. The workers are
        daemon threads that stop taking work on Ctrl-C and abandon an object in the middle of
        its retries, so an interrupt is not held up by a throttling bucket (a pool from
        ``concurrent.futures`` is joined at exit, after every retry of every object in flight).
        """
        report = UploadReport()
        small = [u for u in uploads if u.size < MULTIPART_THRESHOLD]
        large = [u for u in uploads if u.size >= MULTIPART_THRESHOLD]
        if small:
            self._put_small(small, on_bytes, report)
        if large:
            self._put_multipart(large, on_bytes, report)
        return report

    def _put_one(self, upload: Upload) -> None:
        extra = self._extra(upload)
        if upload.path is None:
            self._client.put_object(
                Bucket=self.bucket, Key=self._full(upload.key), Body=upload.data or b"", **extra
            )
            return
        if upload.size <= READ_WHOLE:
            body = upload.path.read_bytes()
            self._client.put_object(Bucket=self.bucket, Key=self._full(upload.key), Body=body, **extra)
            return
        with upload.path.open("rb") as fh:  # seekable: botocore rewinds it for a retry
            self._client.put_object(Bucket=self.bucket, Key=self._full(upload.key), Body=fh, **extra)

    def _put_small(
        self, uploads: list[Upload], on_bytes: ProgressCallback | None, report: UploadReport
    ) -> None:
        pending: queue.SimpleQueue[Upload | None] = queue.SimpleQueue()
        for upload in uploads:
            pending.put(upload)
        cancelled = threading.Event()
        lock = threading.Lock()
        results: dict[str, BaseException | None] = {}

        def work() -> None:
            _worker.cancelled = cancelled
            while not cancelled.is_set():
                upload = pending.get()
                if upload is None:
                    return
                try:
                    self._put_one(upload)
                    outcome: BaseException | None = None
                except _Cancelled:
                    return
                except Exception as exc:  # collected: the caller reports them together
                    outcome = exc
                with lock:
                    results[upload.key] = outcome
                if outcome is None and on_bytes is not None and upload.size:
                    on_bytes(upload.size)

        workers = [
            threading.Thread(target=work, name=f"e2e-publish-{n}", daemon=True)
            for n in range(min(UPLOAD_CONCURRENCY, len(uploads)))
        ]
        for _ in workers:
            pending.put(None)
        try:
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        except BaseException:
            cancelled.set()  # Ctrl-C: no new object, and no new attempt of one in flight
            raise
        for upload in uploads:
            outcome = results.get(upload.key, _Cancelled())
            if outcome is None:
                report.uploaded.append(upload.key)
            else:
                report.failed[upload.key] = outcome

    def _put_multipart(
        self, uploads: list[Upload], on_bytes: ProgressCallback | None, report: UploadReport
    ) -> None:
        from boto3.s3.transfer import TransferConfig, create_transfer_manager
        from s3transfer.subscribers import BaseSubscriber

        class _Progress(BaseSubscriber):
            def on_progress(self, future, bytes_transferred, **kwargs):  # noqa: ANN001
                if on_bytes is not None and bytes_transferred > 0:
                    on_bytes(bytes_transferred)

        config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_CHUNKSIZE,
            max_concurrency=UPLOAD_CONCURRENCY,
            use_threads=True,
        )
        futures = []
        with create_transfer_manager(self._client, config) as manager:
            for upload in uploads:
                # A path is opened by the transfer manager only when its turn comes, so a
                # run with thousands of files does not hold thousands of descriptors.
                source = str(upload.path) if upload.path is not None else io.BytesIO(upload.data or b"")
                future = manager.upload(
                    source, self.bucket, self._full(upload.key), self._extra(upload), [_Progress()]
                )
                futures.append((upload.key, future))
            for key, future in futures:
                try:
                    future.result()
                    report.uploaded.append(key)
                except Exception as exc:  # collected: the caller reports them together
                    report.failed[key] = exc

    def put_new(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        headers = headers_for(key)
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._full(key),
                Body=data,
                IfNoneMatch="*",  # S3's conditional write: of two writers at once, one wins
                ContentType=headers.content_type,
                CacheControl=headers.cache_control,
                ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {
                "PreconditionFailed",
                "412",
                "ConditionalRequestConflict",
            }:
                return False
            raise self.explain(exc, f"writing {key}") from exc
        except Exception as exc:
            raise self.explain(exc, f"writing {key}") from exc
        return True

    def url(self, key: str) -> str:
        """The site URL (``E2E_REPORT_URL``) of ``key``, else its ``s3://`` location: never
        a plain https object URL, which a private bucket refuses."""
        if self.public_url:
            return f"{self.public_url}/{key}"
        return f"s3://{self.bucket}/{self._full(key)}"

    def view_command(self, key: str) -> str | None:
        """How someone with read access opens ``key`` without a site: ``e2e serve``."""
        if self.public_url:
            return None
        page = key[: -len("index.html")] if key.endswith("index.html") else key
        prefix = shlex.quote(self.prefix)
        return f"e2e serve --bucket {shlex.quote(self.bucket)} --prefix {prefix} --open {shlex.quote(page)}"

    def credentials_note(self, seconds: int) -> str | None:
        """Whether a presigned link dies before ``seconds`` with the credentials that signed it."""
        credentials = self._session.get_credentials()
        if credentials is None or not getattr(credentials, "token", None):
            return None
        expiry = getattr(credentials, "_expiry_time", None)  # botocore's refreshable credentials
        when = f" (at {expiry:%Y-%m-%d %H:%M} UTC)" if expiry is not None else ""
        return (
            f"note: signed with temporary credentials ({credentials.method}); the link stops working when "
            f"they expire{when}, which may be before the {seconds} s asked for. For a longer-lived link, "
            "presign from a laptop with long-term credentials, or use the site / e2e serve."
        )

    def presigned_url(self, key: str, seconds: int) -> str:
        try:
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._full(key)}, ExpiresIn=seconds
            )
        except Exception as exc:
            raise self.explain(exc, "presigning") from exc
