"""Reference PyTorch fine-tunes of a selgen organism's tiny transformer, for `deno task bench` only.

A straight loop, as a researcher would write it: the organism's base (its weights exported by selgen) frozen,
LoRA adapters (rank r, scale s, A uniform in +-1/sqrt(in), B = 0) on every projection of every block, and per
seed the task-only fine-tune: `steps` Adam steps (eps 1e-7, as tfjs) on the seed's task mini-batches in order,
cycling, each a masked mean cross-entropy over the scored tokens. The model is selgen's: pre-LayerNorm blocks,
learned positions, tied input/output embeddings, causal multi-head attention, GELU in its sigmoid form
x * sigmoid(1.702 x). Reports wall seconds and each seed's final loss.

With `stages` in the manifest it trains the base instead: every weight from selgen's initial ones, each stage
with a fresh Adam (beta2 0.98, eps 1e-7) on the exported batches in order, the learning rate warmed up linearly
then decayed by a cosine to 0.05 of its peak, gradients clipped to a global norm of 1 (selgen's
`trainLanguageModel`). Reports wall seconds and each stage's final loss.

Usage: /usr/bin/python3 bench/organism_reference.py DATA_DIR OUT_JSON [THREADS]
"""
import json
import math
import sys
import time

import numpy as np
import torch

from toy_reference import load, write_result


class Transformer(torch.nn.Module):
    def __init__(self, data_dir, manifest):
        super().__init__()
        self.config = manifest["model"]
        weights = {name: load(data_dir, entry, np.float32) for name, entry in manifest["weights"].items()}
        self.weights = {name: w.requires_grad_(False) for name, w in weights.items()}
        self.adapters = {}
        self.scale = 1.0

    def attach_lora(self, rank, scale):
        self.scale = scale
        self.adapters = {}
        for name, w in self.weights.items():
            if name.endswith("/kernel"):
                fan_in, fan_out = w.shape
                bound = 1.0 / fan_in ** 0.5
                a = torch.empty(fan_in, rank).uniform_(-bound, bound).requires_grad_(True)
                self.adapters[name] = (a, torch.zeros(rank, fan_out, requires_grad=True))
        return [p for pair in self.adapters.values() for p in pair]

    def dense(self, name, x):
        y = x @ self.weights[f"{name}/kernel"] + self.weights[f"{name}/bias"]
        if f"{name}/kernel" not in self.adapters:
            return y
        a, b = self.adapters[f"{name}/kernel"]
        return y + self.scale * (x @ a) @ b

    def norm(self, name, x):
        return torch.nn.functional.layer_norm(
            x, x.shape[-1:], self.weights[f"{name}/gain"], self.weights[f"{name}/bias"], 1e-5)

    def forward(self, tokens):
        batch, length = tokens.shape
        d, heads = self.config["dModel"], self.config["heads"]
        size = d // heads
        wte = self.weights["wte"]
        h = wte[tokens] + self.weights["wpe"][:length]
        mask = torch.full((length, length), -1e9).triu(1)
        split = lambda t: t.view(batch, length, heads, size).transpose(1, 2)
        for layer in range(self.config["layers"]):
            block = f"block{layer}"
            q, k, v = self.dense(f"{block}/qkv", self.norm(f"{block}/norm1", h)).split(d, dim=-1)
            scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(size) + mask
            attended = (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(batch, length, d)
            h = h + self.dense(f"{block}/projection", attended)
            up = self.dense(f"{block}/up", self.norm(f"{block}/norm2", h))
            h = h + self.dense(f"{block}/down", up * torch.sigmoid(1.702 * up))
        return self.norm("final-norm", h) @ wte.t()


def masked_loss(logits, targets, mask):
    log_probs = torch.log_softmax(logits.reshape(-1, logits.shape[-1]), -1)
    picked = log_probs.gather(1, targets.view(-1, 1)).view(-1)
    return -(picked * mask).sum() / mask.sum()


def warmup_cosine(step, steps, warmup, floor=0.05):
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, steps - warmup))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def train_base(model, data_dir, manifest, out_path, threads):
    stages = [
        (stage, load(data_dir, stage["tokens"], np.int32).long(), load(data_dir, stage["targets"], np.int32).long(),
         load(data_dir, stage["mask"], np.float32))
        for stage in manifest["stages"]
    ]
    params = [w.requires_grad_(True) for w in model.weights.values()]
    started = time.perf_counter()
    runs = []
    for stage, tokens, targets, mask in stages:
        optimizer = torch.optim.Adam(params, lr=stage["learningRate"], betas=(0.9, 0.98), eps=1e-7)
        loss = None
        for step in range(stage["steps"]):
            for group in optimizer.param_groups:
                group["lr"] = stage["learningRate"] * warmup_cosine(step, stage["steps"], stage["warmup"])
            optimizer.zero_grad()
            loss = masked_loss(model(tokens[step]), targets[step], mask[step])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
        runs.append({"stage": stage["name"], "finalLoss": float(loss)})
    write_result(out_path, started, threads, runs)


def main():
    data_dir, out_path = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    manifest = json.load(open(f"{data_dir}/manifest.json"))
    model = Transformer(data_dir, manifest)
    if "stages" in manifest:
        return train_base(model, data_dir, manifest, out_path, threads)
    fine_tune = manifest["fineTune"]
    seeds = []
    for seed in manifest["seeds"]:
        batches = [
            (load(data_dir, b["tokens"], np.int32).long(), load(data_dir, b["targets"], np.int32).long(),
             load(data_dir, b["mask"], np.float32))
            for b in seed["batches"]
        ]
        seeds.append((seed["seed"], batches))
    started = time.perf_counter()
    runs = []
    for seed, batches in seeds:
        torch.manual_seed(seed)
        adapters = model.attach_lora(fine_tune["rank"], fine_tune["scale"])
        optimizer = torch.optim.Adam(adapters, lr=fine_tune["learningRate"], eps=1e-7)
        loss = None
        for step in range(fine_tune["steps"]):
            tokens, targets, mask = batches[step % len(batches)]
            optimizer.zero_grad()
            loss = masked_loss(model(tokens), targets, mask)
            loss.backward()
            optimizer.step()
        runs.append({"seed": seed, "finalLoss": float(loss)})
    write_result(out_path, started, threads, runs)


if __name__ == "__main__":
    main()
