"""Reference PyTorch implementation of the toy's heat-map set, for `deno task bench` only.

A straight loop, as a researcher would write it: for each seed a ReLU MLP (inputs -> 64 -> 64 -> 3) trained by
full-batch Adam until the loss is below `stopLoss` and every training row is classified correctly (at most
`maxSteps`), then one LoRA fine-tune (rank r on every layer, B = 0 at the start) per condition for `steps` steps.
The rows come from selgen (`deno task bench` writes them), so both sides train on identical data; initial
weights are drawn by PyTorch with the same distributions (He-normal kernels, zero biases, A uniform in
+-1/sqrt(in)). Reports wall seconds, training examples processed, and each run's held-out accuracies.

Usage: /usr/bin/python3 bench/toy_reference.py DATA_DIR OUT_JSON [THREADS]
"""
import json
import os
import sys
import time

import numpy as np
import torch


def blas_library():
    """The library that provides torch's BLAS calls (Debian's torch links libblas.so.3, which is the slow
    reference BLAS unless OpenBLAS or BLIS is installed), so the benchmark says which one it measured."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/" in line and "blas" in line.lower()}
    blas = sorted(p for p in paths if os.path.basename(p).startswith("libblas"))
    return blas or sorted(paths) or None


def write_result(out_path, started, threads, runs, **extra):
    """Writes what every reference reports: wall seconds since `started`, threads, torch and its BLAS, runs."""
    json.dump({
        "seconds": time.perf_counter() - started,
        **extra,
        "threads": threads,
        "torch": torch.__version__,
        "blas": blas_library(),
        "runs": runs,
    }, open(out_path, "w"), indent=1)


def load(data_dir, entry, dtype):
    array = np.fromfile(f"{data_dir}/{entry['file']}", dtype=dtype)
    return torch.from_numpy(array.reshape(entry["shape"]).copy())


class Mlp(torch.nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            layer = torch.nn.Linear(fan_in, fan_out)
            torch.nn.init.normal_(layer.weight, std=(2.0 / fan_in) ** 0.5)
            torch.nn.init.zeros_(layer.bias)
            self.layers.append(layer)
        self.adapters = None
        self.scale = 1.0

    def attach_lora(self, rank, scale):
        for p in self.parameters():
            p.requires_grad_(False)
        self.scale = scale
        self.adapters = torch.nn.ParameterList()
        for layer in self.layers:
            fan_in, fan_out = layer.in_features, layer.out_features
            bound = 1.0 / fan_in ** 0.5
            self.adapters.append(torch.nn.Parameter(torch.empty(fan_in, rank).uniform_(-bound, bound)))
            self.adapters.append(torch.nn.Parameter(torch.zeros(rank, fan_out)))
        return list(self.adapters)

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            y = layer(x)
            if self.adapters is not None:
                y = y + self.scale * (x @ self.adapters[2 * i]) @ self.adapters[2 * i + 1]
            x = torch.relu(y) if i < len(self.layers) - 1 else y
        return x


def held_out_accuracy(model, rows, margin):
    with torch.no_grad():
        predicted = model(rows["inputs"]).argmax(1)
    correct = (predicted == rows["labels"]) & (rows["x2"].abs() >= margin)
    counted = rows["x2"].abs() >= margin
    out = {}
    for name, index in rows["categories"].items():
        mask = rows["category"] == index
        out[name] = float(correct[mask].sum()) / max(1, int(counted[mask].sum()))
    return out


def main():
    data_dir, out_path = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    manifest = json.load(open(f"{data_dir}/manifest.json"))
    config = manifest["config"]
    started = time.perf_counter()
    examples = 0
    runs = []
    for seed in manifest["seeds"]:
        torch.manual_seed(seed["seed"])
        inputs = load(data_dir, seed["base"]["inputs"], np.float32)
        labels = load(data_dir, seed["base"]["labels"], np.int32).long()
        evaluation = {
            "inputs": load(data_dir, seed["eval"]["inputs"], np.float32),
            "labels": load(data_dir, seed["eval"]["flippedLabels"], np.int32).long(),
            "x2": load(data_dir, seed["eval"]["x2"], np.float32),
            "category": load(data_dir, seed["eval"]["category"], np.int32),
            "categories": seed["eval"]["categories"],
        }
        model = Mlp([inputs.shape[1], *config["hidden"], config["classes"]])
        optimizer = torch.optim.Adam(model.parameters(), lr=config["baseLearningRate"], eps=1e-7)
        steps = 0
        for _ in range(config["baseMaxSteps"]):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs), labels)
            loss.backward()
            optimizer.step()
            steps += 1
            if loss.item() < config["baseStopLoss"]:
                with torch.no_grad():
                    if bool((model(inputs).argmax(1) == labels).all()):
                        break
        examples += steps * inputs.shape[0]
        base_state = {k: v.clone() for k, v in model.state_dict().items()}
        runs.append({"seed": seed["seed"], "id": "base", "steps": steps})
        for condition in seed["fineTunes"]:
            model = Mlp([inputs.shape[1], *config["hidden"], config["classes"]])
            model.load_state_dict(base_state)
            adapters = model.attach_lora(config["loraRank"], config["loraScale"])
            x = load(data_dir, condition["inputs"], np.float32)
            y = load(data_dir, condition["labels"], np.int32).long()
            optimizer = torch.optim.Adam(adapters, lr=config["fineTuneLearningRate"], eps=1e-7)
            for _ in range(config["fineTuneSteps"]):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            examples += config["fineTuneSteps"] * x.shape[0]
            runs.append({
                "seed": seed["seed"],
                "id": condition["id"],
                "heldOut": held_out_accuracy(model, evaluation, config["evalMargin"]),
            })
    write_result(out_path, started, threads, runs, examples=examples)


if __name__ == "__main__":
    main()
