"""Settings for encryption at rest."""

from __future__ import annotations

from pydantic import BaseModel, Field

from limner.vault.blob_stores import BlobStoreConfig
from limner.vault.blob_stores.filesystem import FilesystemBlobConfig
from limner.vault.key_providers import KeyProviderConfig
from limner.vault.key_providers.local import LocalKeyConfig


class VaultSettings(BaseModel):
    key_provider: KeyProviderConfig = Field(default_factory=LocalKeyConfig)
    blob_store: BlobStoreConfig = Field(default_factory=FilesystemBlobConfig)
