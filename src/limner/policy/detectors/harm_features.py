"""Hashed word and character n-gram features for the harm classifier, shared by training and inference."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[^\W_]+")
_CHAR_NGRAMS = (3, 4, 5)
_FNV_PRIME = np.uint64(1099511628211)
_FNV_OFFSET = np.uint64(14695981039346656037)
_MAX_CHARS = 2000  # longer prompts are scored on their first 2,000 normalized characters

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Features:
    """Hashed features of one text: a bucket and the normalized [start, end) it came from, per n-gram."""

    buckets: IntArray
    starts: IntArray
    ends: IntArray

    def unique(self) -> tuple[IntArray, FloatArray]:
        """Distinct buckets with L2-normalised binary values (the model's input vector)."""
        buckets = np.unique(self.buckets)
        value = 1.0 / np.sqrt(max(len(buckets), 1))
        return buckets, np.full(len(buckets), value, dtype=np.float32)


def _word_features(text: str, n_buckets: int) -> tuple[list[int], list[int], list[int]]:
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    buckets, starts, ends = [], [], []
    for i, (word, start, end) in enumerate(words):
        buckets.append(zlib.crc32(f"w:{word}".encode()) % n_buckets)
        starts.append(start)
        ends.append(end)
        if i + 1 < len(words):
            following, _, following_end = words[i + 1]
            buckets.append(zlib.crc32(f"b:{word} {following}".encode()) % n_buckets)
            starts.append(start)
            ends.append(following_end)
    return buckets, starts, ends


def _char_features(text: str, n_buckets: int) -> tuple[IntArray, IntArray, IntArray]:
    """FNV-1a over code points, vectorised: one numpy pass per n-gram length."""
    padded = f" {text} "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts, starts, ends = [], [], []
    for n in _CHAR_NGRAMS:
        count = len(codes) - n + 1
        if count <= 0:
            continue
        hashes = np.full(count, _FNV_OFFSET ^ np.uint64(n), dtype=np.uint64)
        for k in range(n):
            hashes = (hashes ^ codes[k : k + count]) * _FNV_PRIME
        hashes ^= hashes >> np.uint64(29)
        parts.append((hashes % np.uint64(n_buckets)).astype(np.int64))
        position = np.arange(count, dtype=np.int64) - 1  # padded offset -> text offset
        starts.append(np.clip(position, 0, len(text)))
        ends.append(np.clip(position + n, 0, len(text)))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(parts), np.concatenate(starts), np.concatenate(ends)


def extract(normalized_text: str, n_buckets: int) -> Features:
    """Features of text that has already been through normalize(text, leet=True)."""
    text = normalized_text[:_MAX_CHARS]
    word_buckets, word_starts, word_ends = _word_features(text, n_buckets)
    char_buckets, char_starts, char_ends = _char_features(text, n_buckets)
    return Features(
        buckets=np.concatenate([np.asarray(word_buckets, dtype=np.int64), char_buckets]),
        starts=np.concatenate([np.asarray(word_starts, dtype=np.int64), char_starts]),
        ends=np.concatenate([np.asarray(word_ends, dtype=np.int64), char_ends]),
    )
