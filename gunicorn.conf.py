"""gunicorn settings for production: `gunicorn` (or `gunicorn -c gunicorn.conf.py`) in the project.

Every worker loads the search engine in a background thread right after it has
loaded the app (post_worker_init, which runs after the fork in each worker, with
or without preload_app). Until a worker's engine is ready it answers searches by
keyword with the usual notice; no request waits for a model load, and /healthz
says "loading" or "ready". Override any setting on the command line, e.g.
`gunicorn -b 0.0.0.0:8000 -w 4`, or with GUNICORN_CMD_ARGS.
"""

import os

wsgi_app = "portal:create_app()"
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
# Threads let a worker answer a page while another request waits on SQLite or the model
# (ONNX Runtime, faiss and SQLite release the GIL).
worker_class = "gthread"
threads = int(os.environ.get("PORTAL_THREADS", "4"))
timeout = 60
accesslog = os.environ.get("PORTAL_ACCESS_LOG")  # e.g. "-" for stdout


def post_worker_init(worker):
    """Start loading the search engine in this worker (threads do not survive a fork)."""
    from portal.search.service import start_engine

    if hasattr(worker.wsgi, "config"):
        start_engine(worker.wsgi)
