"""The ONNX path of the embedder (packaged model), its export cache, the fallback to
sentence-transformers, and loading the engine in the background (/healthz, keyword
answers until ready, gunicorn workers). No timings here: speed is in benchmarks/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from portal.search import embedder, onnx_export, service
from tests.test_search_engine import DOCS, make_app, sync_and_build, write_docs

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = [
    "Hoe vraag ik gegevens op over bijstand per wijk?",
    "dpia",
    "Verkeersongevallen per kruispunt sinds 2015, uit de registratie van de politie (BRON).",
    "Een DPIA is verplicht bij verwerking van gegevens met een hoog risico voor inwoners. "
    "Denk aan grootschalige verwerking van bijzondere persoonsgegevens, het volgen van mensen "
    "in de openbare ruimte met camera's of sensoren en het koppelen van bestanden.",
    "Energiearmoede in kaart: buurten waar huishoudens een hoge energierekening en een laag "
    "inkomen hebben.",
    "Meldingen openbare ruimte: afval, verlichting en losliggende tegels.",
    "Het algoritme schat de WOZ-waarde van woningen met een model op basis van verkopen.",
    "parkeervergunning",
]


def packaged_model() -> str:
    return embedder._resolve_path(None)


@pytest.fixture(scope="session")
def exported(embedding_cache):
    """The packaged model exported once per session into the shared cache."""
    return onnx_export.ensure_exported(packaged_model(), embedding_cache)


@pytest.fixture
def fresh():
    embedder.reset()
    yield
    embedder.reset()


@pytest.mark.model
def test_onnx_vectors_match_sentence_transformers(exported, embedding_cache, fresh):
    path = packaged_model()
    reference = embedder.SentenceEmbedder(path, "reference", precision="fp32").encode(SAMPLE)
    for runtime in ("onnx-fp32", "onnx-int8"):
        model = embedder.get_embedder({"EMBEDDING_RUNTIME": runtime,
                                       "EMBEDDING_CACHE_FOLDER": str(embedding_cache)})
        assert model.runtime == runtime and model.fallback_reason is None
        vectors = model.encode(SAMPLE, batch_size=3)  # sorted, padded batches
        assert vectors.shape == (len(SAMPLE), 384) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
        cosine = (vectors * reference).sum(axis=1)
        if runtime == "onnx-fp32":
            assert cosine.min() > 0.9999
        else:  # int8: the same answers within quantisation noise
            assert cosine.mean() >= 0.99 and cosine.min() >= 0.98, cosine
        # one text alone gives the same vector as in a batch: padding is masked out (int8
        # scales activations per batch, so there it is the same within quantisation noise)
        alone = model.encode([SAMPLE[3]])[0]
        assert float(alone @ vectors[3]) > (0.9999 if runtime == "onnx-fp32" else 0.99)


@pytest.mark.model
def test_export_is_cached_by_content_and_redone_when_the_model_changes(exported,
                                                                       embedding_cache, tmp_path):
    folder = Path(exported["folder"])
    int8 = folder / "model-int8.onnx"
    before = int8.stat().st_mtime_ns
    again = onnx_export.ensure_exported(packaged_model(), embedding_cache)
    assert again["exported"] is False and again["folder"] == str(folder)
    assert int8.stat().st_mtime_ns == before
    # The key is the content, not the path: a copy uses the same export ...
    copy = tmp_path / "model-copy"
    shutil.copytree(packaged_model(), copy)
    assert onnx_export.ensure_exported(copy, embedding_cache)["exported"] is False
    # ... and a changed model is exported again, into a folder of its own.
    config = copy / "config.json"
    config.write_text(config.read_text() + "\n")
    changed = onnx_export.ensure_exported(copy, embedding_cache)
    assert changed["exported"] is True and changed["folder"] != str(folder)
    assert (Path(changed["folder"]) / "model-int8.onnx").exists()
    assert not [p for p in Path(changed["folder"]).iterdir() if p.name.endswith(".tmp")]


@pytest.mark.model
def test_an_unusable_onnx_file_falls_back_to_sentence_transformers(exported, tmp_path,
                                                                    caplog, fresh):
    cache = tmp_path / "models"
    broken = onnx_export.cached_file(packaged_model(), cache, "onnx-int8")
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not an onnx model")
    with caplog.at_level("WARNING", logger="portal.search.embedder"):
        model = embedder.get_embedder({"EMBEDDING_CACHE_FOLDER": str(cache)})
    assert model.runtime.startswith("torch-")
    assert "ONNX runtime unavailable" in model.fallback_reason
    assert any("falling back to sentence-transformers" in r.getMessage() for r in caplog.records)
    assert embedder.state({"EMBEDDING_CACHE_FOLDER": str(cache)})["reason"] == \
        model.fallback_reason
    vector = model.encode(["dpia"])[0]
    assert abs(float(vector @ vector) - 1) < 1e-4


@pytest.mark.model
def test_torch_runtime_is_plain_sentence_transformers(exported, embedding_cache, fresh):
    model = embedder.get_embedder({"EMBEDDING_RUNTIME": "torch",
                                   "EMBEDDING_CACHE_FOLDER": str(embedding_cache)})
    assert model.runtime.startswith("torch-") and model.fallback_reason is None


@pytest.mark.model
def test_a_serving_query_on_the_onnx_path_does_not_import_torch(exported, tmp_path):
    """Index built at set-up (torch allowed there); a fresh process then serves queries."""
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path, EMBEDDING_MODEL=None)
    report = sync_and_build(app)
    assert report["mode"] == "hybrid" and report["onnx_export"]["exported"] is False
    code = (
        "import sys, json; from portal import create_app; from portal.search import service\n"
        "app = create_app({'KNOWLEDGE_DIR': sys.argv[1], 'COURSES_DIR': sys.argv[2]})\n"
        "with app.app_context():\n"
        "    r = service.search('verkeersongelukken'); state = service.engine_state()\n"
        "print(json.dumps({'mode': r.mode, 'first': r.results[0].id, 'runtime': state['runtime'],"
        " 'heavy': sorted(m for m in ('torch', 'sentence_transformers', 'transformers')"
        " if m in sys.modules)}))")
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "knowledge"), str(tmp_path / "courses")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"mode": "hybrid", "first": "verkeersongevallen", "runtime": "onnx-int8",
                   "heavy": []}


def test_while_the_engine_loads_search_answers_by_keyword(tmp_path, fresh):
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path, EMBEDDING_BUILD_THREADS=3)  # the build's model is not the query's
    sync_and_build(app)
    client = app.test_client()
    assert client.get("/healthz").get_json()["search"] == "not-loaded"
    with embedder._lock:  # the loader thread cannot finish while the test holds this
        thread = service.start_engine(app)
        assert thread is not None and thread.is_alive()
        health = client.get("/healthz").get_json()
        assert (health["status"], health["search"]) == ("ok", "loading")
        with app.app_context():
            response = service.search("dpia")
        assert response.mode == "keyword" and response.notice
        assert response.results[0].id == "dpia-uitvoeren"
    thread.join(timeout=30)
    health = client.get("/healthz").get_json()
    assert (health["search"], health["search_runtime"]) == ("ready", "fake")
    with app.app_context():
        assert service.search("dpia").mode == "hybrid"


def test_healthz_says_keyword_only_and_why(tmp_path, fresh):
    app = make_app(tmp_path, SEARCH_ENGINE="keyword")
    assert app.test_client().get("/healthz").get_json()["search"] == "keyword-only"
    app = make_app(tmp_path, EMBEDDING_MODEL=str(tmp_path / "no-such-model"))
    service.start_engine(app).join(timeout=30)
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["search"] == "keyword-only"
    assert "no-such-model" in health["search_reason"]
    with app.app_context():
        assert service.search("dpia").mode == "keyword"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str):
    import requests

    return requests.get(url, timeout=5).json()


@pytest.mark.parametrize("server", ["gunicorn", "portal-run"])
def test_servers_load_the_engine_in_the_background(tmp_path, server):
    """gunicorn.conf.py (two workers, each loads after the fork) and `portal run`."""
    write_docs(tmp_path / "knowledge", DOCS)
    app = make_app(tmp_path)
    sync_and_build(app)
    embedder.reset()
    port = _free_port()
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
           "PORTAL_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
           "PORTAL_COURSES_DIR": str(tmp_path / "courses"), "PORTAL_EMBEDDING_MODEL": "fake:64",
           "PORTAL_BIND": f"127.0.0.1:{port}"}
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")] \
        if server == "gunicorn" else \
        [str(bin_dir / "portal"), "run", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        seen, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline and seen[-1:] != ["ready"]:
            try:
                seen.append(_get_json(f"http://127.0.0.1:{port}/healthz")["search"])
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        assert seen[-1:] == ["ready"] and set(seen) <= {"loading", "ready"}, seen
        import requests

        page = requests.get(f"http://127.0.0.1:{port}/zoeken/?q=dpia", timeout=10)
        assert page.status_code == 200 and "DPIA" in page.text
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
    if server == "gunicorn":
        assert output.count("Booting worker") >= 2, output


def test_creating_the_app_opens_no_database_and_starts_no_thread(tmp_path):
    """gunicorn.conf.py preloads the app in the master and forks the workers from it:
    a connection or a thread made by create_app() would be shared by, or missing in, them."""
    import threading

    from portal import create_app

    before = {thread.ident for thread in threading.enumerate()}
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "t"})
    assert {thread.ident for thread in threading.enumerate()} == before
    assert not os.path.exists(app.config["DATABASE"])


def test_benchmark_machine_description_names_cpu_and_runtime():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _setup import machine
    finally:
        sys.path.pop(0)
    line = machine("onnx-int8", 1)
    assert "runtime onnx-int8" in line and "1 thread" in line and "cores" in line
