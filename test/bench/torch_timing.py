"""What the PyTorch reference benchmarks share: their command line and their timed calls.

  python test/bench/<script>.py [runs] [threads]
"""
import statistics
import sys
import time

import torch


def setup() -> int:
    """The number of timed runs (argv[1], default 3); sets torch's threads (argv[2], default 2) and a seed."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    torch.manual_seed(0)
    return runs


def timed(call, runs: int) -> str:
    """`runs` timed calls after one warm-up, as 'median X s [each]'.

    The warm-up is not timed: oneDNN picks and caches its kernels on the first call.
    """
    times = []
    with torch.inference_mode():
        call()
        for _ in range(runs):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return f"median {statistics.median(times):.2f} s [{', '.join(f'{t:.2f}' for t in times)}]"


def torch_label() -> str:
    """The torch version and thread count, to print beside a figure."""
    return f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
