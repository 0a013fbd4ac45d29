"""Printing figures beside their targets, and the few measurements every benchmark takes."""

import resource
import statistics
import time
from collections.abc import Callable

WIDTH = 52


def heading(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def figure(label: str, value: str, target: str = "", met: bool | None = None) -> None:
    """One line: what was measured, the figure, the target and whether the figure meets it."""
    verdict = "" if met is None else ("  [meets target]" if met else "  [MISSES target]")
    target_text = f"   target: {target}" if target else ""
    print(f"  {label:<{WIDTH}} {value:>16}{target_text}{verdict}", flush=True)


def note(text: str) -> None:
    print(f"  {text}", flush=True)


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB.

    Linux's VmHWM is this program's own high-water mark; ru_maxrss (the fallback) also counts
    what the parent process held when it started this one, as Linux carries it across exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def median_ms(action: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time of `runs` calls, in milliseconds, and the last call's result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result
