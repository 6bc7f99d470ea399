#!/usr/bin/python3
"""Load a steplm model directory into PyTorch (the TinyLM of
../shared/tools/torch/tiny_lm.py) and compare its logits with the ones steplm
wrote. Reads safetensors with the json/struct modules only (no safetensors
package). Exit 0: match; 1: mismatch; 77: torch not available.
usage: torch_load.py DIR   (DIR holds config.json, model.safetensors, ids.bin, logits.bin)"""
import json, os, struct, sys

d = sys.argv[1]
try:
    import torch
except ImportError:
    sys.exit(77)
root = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(root, "..", "..", "bench", "py"))          # cpuload
sys.path.insert(0, os.path.join(root, "..", "..", "..", "shared", "tools", "torch"))
try:
    import tiny_lm
except Exception:
    sys.exit(77)

cfg = json.load(open(os.path.join(d, "config.json")))
raw = open(os.path.join(d, "model.safetensors"), "rb").read()
hl = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + hl])
data = raw[8 + hl:]

def tensor(name):
    t = hdr[name]
    b, e = t["data_offsets"]
    assert t["dtype"] == "F32"
    return torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(t["shape"])

c = tiny_lm.Cfg(cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
                cfg["intermediate_size"], cfg["max_position_embeddings"], cfg["tie_word_embeddings"],
                cfg["rope_theta"], cfg["rms_norm_eps"])
m = tiny_lm.TinyLM(c)
sd = {"tok_emb.weight": tensor("model.embed_tokens.weight"), "norm.weight": tensor("model.norm.weight"),
      "lm_head.weight": tensor("lm_head.weight")}
for i in range(c.n_layer):
    p = f"model.layers.{i}."
    sd[f"blocks.{i}.attn_norm.weight"] = tensor(p + "input_layernorm.weight")
    sd[f"blocks.{i}.mlp_norm.weight"] = tensor(p + "post_attention_layernorm.weight")
    for a, b in (("wq", "q_proj"), ("wk", "k_proj"), ("wv", "v_proj"), ("wo", "o_proj")):
        sd[f"blocks.{i}.attn.{a}.weight"] = tensor(p + f"self_attn.{b}.weight")
    for a, b in (("w1", "gate_proj"), ("w3", "up_proj"), ("w2", "down_proj")):
        sd[f"blocks.{i}.mlp.{a}.weight"] = tensor(p + f"mlp.{b}.weight")
m.load_state_dict(sd)
ids_raw = open(os.path.join(d, "ids.bin"), "rb").read()
ids = torch.tensor(struct.unpack(f"<{len(ids_raw) // 4}i", ids_raw)).reshape(1, -1)
with torch.no_grad():
    ref = m(ids)[0]
ours = torch.frombuffer(bytearray(open(os.path.join(d, "logits.bin"), "rb").read()), dtype=torch.float32).reshape(ref.shape)
err = float((ours - ref).abs().max() / ref.abs().max())
print(f"torch vs steplm logits: max rel err {err:.3g}")
sys.exit(0 if err <= 1e-5 else 1)
