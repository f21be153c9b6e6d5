"""Blobs in any S3-compatible object store (AWS S3, MinIO, Cloudflare R2, ...), through boto3.

Replicas share the bucket the way they share the database. boto3 is synchronous: every call runs in a
worker thread, on one client per store (clients are thread-safe; sessions are not). boto3 is imported
when a store is built, never when Limner is imported.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import re
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from limner.errors import NotFoundError, UnavailableError
from limner.vault.blob_stores.base import BlobInfo

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("limner.vault.s3")
T = TypeVar("T")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3BlobConfig(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)  # an error must not quote the login

    kind: Literal["s3"] = "s3"
    bucket: str = Field(description="An existing bucket; Limner never creates one")
    prefix: str = Field(default="", description="Key prefix inside the bucket, e.g. 'limner/'")
    endpoint_url: str | None = Field(default=None, description="For MinIO, R2 and the like; default AWS")
    region: str = Field(default="us-east-1", pattern=r"^[a-z0-9-]{2,32}$", description="R2: 'auto'")
    access_key_id: SecretStr | None = Field(default=None, description="Default: boto3's credential chain")
    secret_access_key: SecretStr | None = None
    addressing_style: Literal["auto", "path", "virtual"] = "auto"
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=10, description="Tries per call, the first included")

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        if not _BUCKET.match(value) or ".." in value or _is_ip(value):
            raise ValueError(
                "not a valid S3 bucket name (3-63 of a-z 0-9 . -, starting and ending alphanumeric)"
            )
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value.startswith("/") or "//" in value:
            raise ValueError("the prefix must not start with '/' or hold '//'")
        return value if not value or value.endswith("/") else value + "/"

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("endpoint_url must be an http:// or https:// URL")
        if parts.username or parts.password:
            raise ValueError("put credentials in access_key_id and secret_access_key, not in the URL")
        return value

    @model_validator(mode="after")
    def _key_pair(self) -> S3BlobConfig:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("set both access_key_id and secret_access_key, or neither")
        return self


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class S3BlobStore:
    def __init__(self, config: S3BlobConfig, *, page_size: int = 1000) -> None:
        self.bucket, self.prefix = config.bucket, config.prefix
        self.page_size = page_size  # keys per listing request; S3 sends at most 1,000
        self._client = _client(config)

    async def put(self, key: str, data: bytes) -> None:
        # A PUT is atomic in S3: readers see the old object or the new one, never part of one.
        put = functools.partial(self._client.put_object, Bucket=self.bucket, Key=self.prefix + key, Body=data)
        await self._call("put", put)

    async def get(self, key: str) -> bytes:
        return await self._call("get", functools.partial(self._read, key))

    async def delete(self, key: str) -> None:
        remove = functools.partial(self._client.delete_object, Bucket=self.bucket, Key=self.prefix + key)
        await self._call("delete", remove)

    async def keys(self) -> list[str]:
        return [entry.key for entry in await self.entries()]

    async def entries(self) -> list[BlobInfo]:
        return await self._call("list", self._list)

    async def check(self) -> None:
        """One listing request of at most one key under the prefix: endpoint, credentials and bucket."""
        listing = functools.partial(
            self._client.list_objects_v2, Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1
        )
        await self._call("check", listing)

    def _read(self, key: str) -> bytes:
        return self._client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()

    def _list(self) -> list[BlobInfo]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": self.page_size}
        )
        found = [
            BlobInfo(item["Key"][len(self.prefix) :], item["LastModified"].astimezone(UTC))
            for page in pages
            for item in page.get("Contents", [])
        ]
        return sorted(found, key=lambda info: info.key)

    async def _call(self, operation: str, call: Callable[[], T]) -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.to_thread(call)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "unknown"))
            if operation == "get" and code in _MISSING:
                raise NotFoundError("blob not found") from None
            raise self._unavailable(operation, code) from None
        except BotoCoreError as exc:  # unreachable, timed out, no credentials: the type says which
            raise self._unavailable(operation, type(exc).__name__) from None

    def _unavailable(self, operation: str, reason: str) -> UnavailableError:
        # The reason is an S3 error code or an exception type: never a message (they quote URLs and key ids).
        log.warning("s3 blob store: %s in bucket %s failed: %s", operation, self.bucket, reason)
        return UnavailableError(
            "The image store is not reachable; try again shortly.", headers={"retry-after": "5"}
        )


def _client(config: S3BlobConfig) -> S3Client:
    import boto3
    from botocore.config import Config

    settings = Config(
        connect_timeout=config.connect_timeout_s,
        read_timeout=config.read_timeout_s,
        max_pool_connections=32,  # as many as asyncio's default thread pool runs at once
        retries={"total_max_attempts": config.max_attempts, "mode": "standard"},
        s3={"addressing_style": config.addressing_style},
        # Checksums only where S3 demands them: several S3-compatible stores refuse the newer default ones,
        # and every blob is sealed with an AEAD, so a corrupted one fails to open anyway.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    key_id, secret = config.access_key_id, config.secret_access_key  # None: boto3's credential chain
    session = boto3.session.Session(
        aws_access_key_id=key_id.get_secret_value() if key_id is not None else None,
        aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
        region_name=config.region,
    )
    return session.client("s3", endpoint_url=config.endpoint_url, config=settings)
