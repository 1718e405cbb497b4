"""PyTorch's side of the Fashion-MNIST training benchmark (CPU, 2 threads): the same
models, optimiser and batch size as bench/train_gradlab.ts. Prints one JSON line."""
import gzip, json, os, resource, sys, time
import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)
DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def peak_resident_mib():
    """VmHWM: this process's own peak resident set since exec, MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def idx(name):
    path = os.path.join(DIR, name)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def main(name="mlp", epochs="1", limit=None):
    torch.manual_seed(0)
    x = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
    if limit:
        x, y = x[: int(limit)], y[: int(limit)]
    xt = torch.from_numpy(idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
    yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte").astype(np.int64))
    m = model(name)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    seconds, loss = [], float("nan")
    for _ in range(int(epochs)):
        t0 = time.perf_counter()
        m.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            out = loss_fn(m(x[b]), y[b])
            out.backward()
            opt.step()
            loss = out.item()
        seconds.append(time.perf_counter() - t0)
    # Peak resident set after the training epochs, MiB: VmHWM, this process's own high-water
    # mark (ru_maxrss carries the parent's size over fork and exec).
    peak_rss = peak_resident_mib()
    m.eval()
    with torch.no_grad():
        acc = sum((m(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item() for i in range(0, len(xt), 1000)) / len(xt)
    print(json.dumps({"seconds": seconds, "samplesPerSec": len(x) / min(seconds), "testAcc": acc, "trainLoss": loss, "peakRssMiB": peak_rss}))


if __name__ == "__main__":
    main(*sys.argv[1:])
