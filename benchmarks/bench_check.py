"""Time `check` (and `compile`, when available) of a large generated script.

    python benchmarks/bench_check.py [--statements 5000] [--repeat 5]

Prints the median wall time of each stage over the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time

import dicomedit

TEMPLATES = (
    '(0010,0010) := "value {n}"  // comment {n}',
    "-(0008,{n:04X})",
    '*/(0020,{n:04X}) ?= ""',
    '(0008,0020) = "{n}" ? (0008,0021) := concatenate["a", (0008,0020), "{n}"] : -(0008,0022)',
    "v{n} := hashUID[(0020,000D)]",
    "hashUIDList[{{*/(0008,1155), */(0020,{n:04X})}}]",
    'if ((0008,0060) = "MR") {{\n    (0008,103E) := "x{n}"\n}} else {{\n    -(0018,{n:04X})\n}}',
    '(2001,{{Philips Imaging DD 001}}{lo:02X}) := "y"',
)


def make_script(statements: int) -> str:
    lines = ['version "6.6"']
    for n in range(statements):
        lines.append(TEMPLATES[n % len(TEMPLATES)].format(n=n % 0xFFFF, lo=n % 256))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = make_script(args.statements)
    dicomedit.check('version "6.6"\n')  # build the parser once, as a long-running process would
    stages = {"check": lambda: dicomedit.check(text, "bench.das")}
    compile_fn = getattr(dicomedit, "compile", None)
    if compile_fn is not None:
        stages["check + compile"] = lambda: compile_fn(text, "bench.das")
    print(f"{args.statements} statements, {len(text.splitlines())} lines, {len(text) / 1024:.0f} KiB")
    for name, fn in stages.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        errors = len(getattr(result, "errors", ()))
        print(f"{name:>16}: median {statistics.median(times) * 1000:7.1f} ms  (errors: {errors})")


if __name__ == "__main__":
    main()
