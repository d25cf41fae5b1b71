"""Shared set-up of the benchmark scripts: offline model loading, the project on the
path, and where the national algorithm register lies (../shared/data beside the clone,
or PORTAL_REGISTER_JSON)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGISTER = Path(os.environ.get("PORTAL_REGISTER_JSON")
                or ROOT.parent / "shared" / "data" / "algoritmeregister.json")
