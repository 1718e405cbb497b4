"""PyTorch's side of the op benchmark (CPU, 2 threads): the cases of bench/ops_gradlab.ts
by the same names. Prints one JSON line: {case name: median ms}."""
import json, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(2)


def time_ms(fn, min_ms, reps=5):
    for _ in range(2):
        fn()
    times = []
    while len(times) < reps or sum(times) < min_ms:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def cases(quick):
    out = []
    for n in ([128, 512, 1024] if quick else [128, 256, 512, 1024, 2048]):
        a, b = torch.randn(n, n), torch.randn(n, n)
        out.append((f"matmul {n}", lambda a=a, b=b: a @ b))
    x, y, row = torch.randn(1000, 1000), torch.randn(1000, 1000), torch.randn(1000)
    out += [("add 1e6", lambda: x + y), ("mul broadcast 1000x1000·1000", lambda: x * row), ("relu 1e6", lambda: torch.relu(x)),
            ("exp 1e6", lambda: torch.exp(x)), ("sum 1e6", lambda: x.sum()), ("sum dim 1 1000x1000", lambda: x.sum(1)),
            ("softmax 1000x1000", lambda: F.softmax(x, 1))]
    for label, xs, ws in [("64x1x28x28 k32x1x3x3", (64, 1, 28, 28), (32, 1, 3, 3)), ("64x32x14x14 k64x32x3x3", (64, 32, 14, 14), (64, 32, 3, 3))]:
        xi, w = torch.randn(*xs, requires_grad=True), torch.randn(*ws, requires_grad=True)
        g = torch.randn_like(F.conv2d(xi, w, padding=1))
        out.append((f"conv2d fwd {label}", lambda xi=xi, w=w: F.conv2d(xi, w, padding=1)))
        out.append((f"conv2d fwd+bwd {label}", lambda xi=xi, w=w, g=g: torch.autograd.backward(F.conv2d(xi, w, padding=1), g)))
    p, pg = torch.randn(64, 32, 28, 28, requires_grad=True), torch.randn(64, 32, 14, 14)
    out.append(("maxPool2d fwd+bwd 64x32x28x28", lambda: torch.autograd.backward(F.max_pool2d(p, 2), pg)))
    t1, t2, m4 = torch.randn(4), torch.randn(4), torch.randn(4, 4)
    tg = torch.randn(4, requires_grad=True)
    out += [("tiny add [4]", lambda: t1 + t2), ("tiny matmul 4x4", lambda: m4 @ m4), ("tiny mul+sum+backward [4]", lambda: (tg * t2).sum().backward())]
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    print(json.dumps({name: time_ms(fn, 100 if quick else 400) for name, fn in cases(quick)}))
