"""A sentence-transformers model served by ONNX Runtime: no torch in memory.

Tokenises with the model's own tokenizer.json (the ``tokenizers`` library), runs
the exported transformer (onnx_export.py) and pools exactly as the model's
sentence-transformers modules say: mean over the attention mask (or the CLS
token), then L2 normalisation. The sequence length is sentence-transformers'
``max_seq_length`` (sentence_bert_config.json), padding to the longest text of
a batch, and a batch is sorted by length first, as sentence-transformers does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class OnnxEmbedder:
    def __init__(self, model_dir: str, onnx_file: str | Path, name: str, runtime: str,
                 threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        root = Path(model_dir)
        settings = _read_json(root / "sentence_bert_config.json")
        self.pooling = _pooling(root)
        self.normalise = _has_module(root, "Normalize")
        tokenizer_file = _tokenizer_file(root)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        limit = settings.get("max_seq_length") or _read_json(
            tokenizer_file.parent / "tokenizer_config.json").get("model_max_length") or 512
        self.tokenizer.enable_truncation(max_length=min(int(limit), 512))
        pad_id = self.tokenizer.token_to_id("[PAD]")
        pad_id = 0 if pad_id is None else pad_id
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads or 1))
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = {item.name for item in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1] or 0) or self._probe_dim()
        self.name = name
        self.runtime = runtime
        self.threads = options.intra_op_num_threads
        self.fallback_reason = None

    def _probe_dim(self) -> int:
        return int(self._forward(["dimension"]).shape[1])

    def _forward(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
        tokens = self.session.run(None, feeds)[0]
        if self.pooling == "cls":
            vectors = tokens[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self.normalise:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.clip(norms, 1e-12, None)
        return vectors.astype(np.float32)

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # little padding per batch
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start:start + batch_size]
            out[chosen] = self._forward([texts[i] for i in chosen])
        return out



def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _modules(root: Path) -> list[dict]:
    modules = _read_json(root / "modules.json")
    return modules if isinstance(modules, list) else []


def _has_module(root: Path, kind: str) -> bool:
    return any(str(m.get("type", "")).endswith(f"models.{kind}") for m in _modules(root))


def _tokenizer_file(root: Path) -> Path:
    for module in _modules(root):
        if str(module.get("type", "")).endswith("models.Transformer"):
            candidate = root / (module.get("path") or "") / "tokenizer.json"
            if candidate.exists():
                return candidate
    if (root / "tokenizer.json").exists():
        return root / "tokenizer.json"
    raise FileNotFoundError(f"no tokenizer.json in {root}")


def _pooling(root: Path) -> str:
    """'mean' or 'cls'; any other pooling is not supported here (sentence-transformers is)."""
    for module in _modules(root):
        if str(module.get("type", "")).endswith("models.Pooling"):
            config = _read_json(root / (module.get("path") or "") / "config.json")
            if config.get("pooling_mode_cls_token") and not config.get("pooling_mode_mean_tokens"):
                return "cls"
            other = [k for k, v in config.items() if k.startswith("pooling_mode_") and v
                     and k not in ("pooling_mode_mean_tokens", "pooling_mode_cls_token")]
            if other:
                raise ValueError(f"pooling {', '.join(other)} is not supported by the ONNX path")
            return "mean"
    return "mean"
