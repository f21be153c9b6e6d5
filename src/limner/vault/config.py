"""Settings for encryption at rest.

`MemoryKeyConfig` is re-exported for the audit signer, which keeps its key beside the KEKs.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from limner.vault.blob_stores import BlobStoreConfig
from limner.vault.blob_stores.filesystem import FilesystemBlobConfig
from limner.vault.key_providers import KeyProviderConfig as KeyProviderConfig
from limner.vault.key_providers.local import LocalKeyConfig
from limner.vault.key_providers.memory import MemoryKeyConfig as MemoryKeyConfig


class VaultSettings(BaseModel):
    key_provider: KeyProviderConfig = Field(default_factory=LocalKeyConfig)
    blob_store: BlobStoreConfig = Field(default_factory=FilesystemBlobConfig)
