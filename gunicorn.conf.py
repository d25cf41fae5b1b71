"""gunicorn settings for production: `gunicorn` (or `gunicorn -c gunicorn.conf.py`) in the project.

The master imports and creates the app once (preload_app) and forks the workers
from it, so the workers do not each spend a second importing Flask, the features
and numpy on the same cores. create_app() opens no database connection and starts
no thread, so nothing of SQLite or of the engine crosses the fork. Every worker
then loads the search engine in a background thread (post_worker_init, after the
fork). Until a worker's engine is ready it answers searches by keyword with the
usual notice; no request waits for a model load, and /healthz says "loading" or
"ready". With preload_app a code change needs a restart, not a HUP
(PORTAL_PRELOAD=0 turns it off). Override any setting on the command line, e.g.
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
preload_app = os.environ.get("PORTAL_PRELOAD", "1") != "0"
accesslog = os.environ.get("PORTAL_ACCESS_LOG")  # e.g. "-" for stdout


def post_worker_init(worker):
    """Start loading the search engine in this worker (threads do not survive a fork)."""
    from portal.search.service import start_engine

    if hasattr(worker.wsgi, "config"):
        start_engine(worker.wsgi)
