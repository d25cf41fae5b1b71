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

# ONNX exports are shared with the project's instance folder, so each script exports once.
MODEL_CACHE = os.environ.get("PORTAL_EMBEDDING_CACHE_FOLDER") or str(ROOT / "instance" / "models")

REGISTER = Path(os.environ.get("PORTAL_REGISTER_JSON")
                or ROOT.parent / "shared" / "data" / "algoritmeregister.json")


def cpu() -> str:
    """The CPU model and the instruction sets that decide embedding speed."""
    model, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown CPU":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    shown = [f for f in ("amx_bf16", "amx_int8", "avx512f", "avx512_vnni", "avx512_bf16",
                         "avx_vnni", "avx2") if f in flags]
    return f"{model} ({' '.join(shown) or 'no AVX2'}{'' if 'amx_bf16' in flags else '; no AMX'})"


def machine(runtime: str, threads: int) -> str:
    """One line that tells figures from different machines and runtimes apart."""
    return (f"CPU: {cpu()}, {os.cpu_count()} cores; runtime {runtime}, "
            f"{threads} thread{'s' if threads != 1 else ''}")
