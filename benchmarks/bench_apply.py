"""Throughput of ``dicomedit apply`` with the reference script, against pydicom, cp and peers.

    python benchmarks/bench_apply.py [--ct 2000] [--ct512 2000] [--repeat 3] [--workdir DIR]

One run generates two corpora from pydicom's ``CT_small.dcm`` (``benchmarks/corpus.py``), reads
them once so they sit in the page cache, then times on each, ``--repeat`` times (medians):

* ``dicomedit apply scripts/anon_script.das`` in one process, and with ``--jobs 2``;
* the pydicom baseline (``benchmarks/baseline_pydicom.py``): read, delete the same tags, hash
  the same UIDs, write;
* ``cp -r`` (the floor);
* the peer tools deid, dicognito and dicom-anonymizer with their default profiles, installed on
  demand into their own virtual environment (``--no-peers`` skips them); a tool that cannot be
  installed or run is reported as such.  They run on the first ``--peer-files`` files of each
  corpus (hard links to the same files): at a few files per second the whole corpus would take
  most of an hour, and their start-up is negligible either way.

Every tool also runs, in each round, on the first 64 files of the corpus (enough for ``--jobs
2`` to start its workers): the difference between the two runs gives its rate once started
("started files/s": (files - 64) / (time - time on 64 files)), without the start-up (Python
imports, the workers of ``--jobs 2``) that a batch of hundreds of thousands of files pays once.
How much two pure-Python processes get from the machine's cores, against one, is measured too:
``--jobs 2`` cannot scale beyond it.

Each tool is started by a small launcher process, which times it and reads its peak RSS: a
process forked from the benchmark itself (which holds pydicom and numpy) would report at least
the benchmark's own RSS.  The launcher's RSS (about 7 MB, what ``cp`` shows) is the floor.

It prints files/s, MB/s, peak RSS and CPU time per tool, with ratios to the baseline and to
``cp``, the rate once started and its share of ``cp``'s, the load average around each
measurement, and how ``--jobs 2`` compares with one process; then the peak RSS of dicomedit
over corpora of growing size (``--rss-sizes``, extrapolated to 100,000 files) and the time of
``check`` and ``compile`` on a 5,000-statement script.  ``--json FILE`` also writes the figures.

``--workdir`` on a tmpfs (``/dev/shm``) keeps the corpora and every output in memory: the
figures then measure the tools, not the disk's write-back.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import corpus  # benchmarks/ is on sys.path when run as a script

from dicomedit.parallel import CHUNK as PARALLEL_CHUNK

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline_pydicom.py"
REPO = HERE.parent
SCRIPT = REPO / "scripts" / "anon_script.das"
VARIABLES = ["--var", "project=BENCH", "--var", "subject=SUBJ01", "--var", "session=SESS01"]
PEERS = {"deid": "deid", "dicognito": "dicognito", "dicom-anonymizer": "dicom-anonymizer"}
# files of the run that measures a tool's start-up: one chunk per worker, so --jobs 2 starts
# its workers (dicomedit.parallel runs fewer files in one process)
SMALL = 2 * PARALLEL_CHUNK


Timing = tuple[float, float, float]


@dataclass
class Measure:
    tool: str
    corpus: str
    files: int
    megabytes: float
    runs: list[float] = field(default_factory=list)  # wall seconds
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the tool's processes
    rss_mb: list[float] = field(default_factory=list)  # peak resident set of the main process
    load: list[float] = field(default_factory=list)  # 1-minute load average before each run
    small: list[float] = field(default_factory=list)  # wall seconds on the first SMALL files
    error: str | None = None

    @property
    def seconds(self) -> float:
        return statistics.median(self.runs)

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.megabytes / self.seconds

    @property
    def steady_files_per_second(self) -> float:
        """Files per second once started: (files - SMALL) / (time - time on SMALL files)."""
        started = self.seconds - statistics.median(self.small) if self.small else 0.0
        return (self.files - SMALL) / started if started > 0 else float("nan")


# A child's peak RSS as the kernel reports it (``ru_maxrss``) is at least the RSS of the process
# it was forked from: the benchmark holds pydicom and numpy (about 58 MB), so every tool it
# started itself would show at least that.  Each tool is started by this small launcher
# instead (Python without site packages, about 9 MB: the floor, shown by ``cp``), which times
# the tool from its fork to its exit and writes wall seconds, CPU seconds, peak RSS (KiB) and
# exit code to the file descriptor it is given.
_LAUNCHER = """
import os, sys, time
out = os.fdopen(int(sys.argv[1]), "w")
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    out.close()
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
out.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_measured(command: list[str], output: Path, *, make_output: bool = False) -> Timing:
    """Run ``command`` once: (wall seconds, CPU seconds of it and its children, peak RSS in MB)."""
    shutil.rmtree(output, ignore_errors=True)
    if make_output:
        output.mkdir(parents=True)
    os.sync()  # the previous run's output is on disk: no tool pays for another's writes
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end) as figures:
        _, stderr_bytes = process.communicate()
        report = figures.read().split()
    stderr = stderr_bytes.decode("utf-8", "replace")
    if process.returncode != 0 or len(report) != 4:
        raise RuntimeError(f"the launcher of {command[0]} failed: {stderr[-400:]}")
    wall, cpu, rss_kib, code = float(report[0]), float(report[1]), int(report[2]), int(report[3])
    if code != 0:
        raise RuntimeError(f"{command[0]} exited with {code}: {stderr[-400:]}")
    return wall, cpu, rss_kib / 1024


def measure_once(found: Measure, command: list[str], output: Path, *, make_output: bool = False) -> None:
    """One more run of ``command`` for ``found`` (or its error)."""
    found.load.append(os.getloadavg()[0])
    try:
        wall, cpu, rss = run_measured(command, output, make_output=make_output)
    except (OSError, RuntimeError) as e:
        found.error = str(e).splitlines()[0][:200]
        return
    written = sum(1 for p in output.rglob("*") if p.is_file())
    if written < found.files:
        found.error = f"wrote {written} of {found.files} files"
        return
    found.runs.append(wall)
    found.cpu.append(cpu)  # with the tool's own worker processes
    found.rss_mb.append(rss)


def measure_all(runs: list[tuple[Measure, list[str], list[str], bool]], output: Path, repeat: int) -> None:
    """``repeat`` rounds, each running every tool once in turn, on the corpus and on its first
    SMALL files: a change in the machine's state during the benchmark (other work, the kernel
    writing back earlier outputs) then falls on every tool alike, and the medians compare like
    with like."""
    for round_number in range(repeat):
        for found, command, small_command, make_output in runs:
            if found.error is None:
                print(f"  {found.corpus}: {found.tool} (round {round_number + 1})...", flush=True)
                measure_once(found, command, output, make_output=make_output)
            if found.error is None:
                found.small.append(run_measured(small_command, output, make_output=make_output)[0])


def warm(files: list[Path]) -> None:
    """Read every file once: the corpus is then in the page cache for every tool."""
    for path in files:
        path.read_bytes()


def peers_environment(workdir: Path) -> tuple[Path | None, dict[str, str]]:
    """A virtual environment with the peer tools; (its bin directory, tool → version or error)."""
    venv = workdir / "peers-venv"
    bin_dir = venv / "bin"
    if not (bin_dir / "python").exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if made.returncode != 0:
            return None, dict.fromkeys(PEERS, f"no virtual environment: {made.stderr.strip()[-200:]}")
    versions: dict[str, str] = {}
    pip = [str(bin_dir / "python"), "-m", "pip"]
    for tool, package in PEERS.items():
        installed = subprocess.run([*pip, "install", "--quiet", package], capture_output=True, text=True)
        if installed.returncode != 0:
            versions[tool] = f"cannot be installed: {installed.stderr.strip().splitlines()[-1][:200]}"
            continue
        shown = subprocess.run([*pip, "show", package], capture_output=True, text=True).stdout.splitlines()
        found = [line.split(":", 1)[1].strip() for line in shown if line.startswith("Version")]
        versions[tool] = found[0] if found else "?"
    return bin_dir, versions


def peer_command(tool: str, bin_dir: Path, source: Path, output: Path) -> tuple[list[str], bool]:
    """(command, whether the output directory must exist first) for a peer's default profile."""
    if tool == "deid":
        action = ["identifiers", "--action", "all", "--input", str(source)]
        return [str(bin_dir / "deid"), "--quiet", "--outfolder", str(output), *action], True
    if tool == "dicognito":
        # the console script of some releases fails at start-up; the module entry point works
        return [str(bin_dir / "python"), "-m", "dicognito", "--quiet", "-o", str(output), str(source)], False
    return [str(bin_dir / "dicom-anonymizer"), str(source), str(output)], True


def linked_subset(workdir: Path, name: str, files: list[Path], count: int) -> tuple[Path, list[Path]]:
    """The first ``count`` files of a corpus, hard-linked into a folder of their own."""
    directory = workdir / f"subset-{name}-{count}"
    chosen = files[:count]
    if not directory.exists() or len(list(directory.iterdir())) != len(chosen):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        for path in chosen:
            os.link(path, directory / path.name)
    return directory, sorted(directory.iterdir())


def rss_growth(workdir: Path, template: list[Path], sizes: list[int]) -> list[tuple[int, float]]:
    """Peak RSS of ``dicomedit apply --jobs 1`` over corpora of ``sizes`` files (hard links)."""
    out = []
    for size in sizes:
        directory = workdir / f"rss-{size}"
        if not directory.exists():
            directory.mkdir()
            for n in range(size):
                os.link(template[n % len(template)], directory / f"f{n:07d}.dcm")
        command = dicomedit_command(directory, workdir / "rss-out", jobs=1)
        _, _, rss = run_measured(command, workdir / "rss-out")
        out.append((size, rss))
        shutil.rmtree(workdir / "rss-out", ignore_errors=True)
    return out


_SPIN = "total = 0\nfor i in range({n}):\n    total += i * i"


def cpu_scaling(iterations: int = 30_000_000, repeat: int = 5) -> list[float]:
    """What two processes get from the machine's two cores: two pure-Python processes doing the
    same fixed work each, against one, in work per second of wall clock (2.0 would be two full
    cores).  ``--jobs 2`` cannot scale beyond it."""
    ratios = []
    command = [sys.executable, "-c", _SPIN.format(n=iterations)]
    for _ in range(repeat):
        walls = []
        for count in (1, 2):
            start = time.perf_counter()
            processes = [subprocess.Popen(command) for _ in range(count)]
            for process in processes:
                process.wait()
            walls.append(time.perf_counter() - start)
        ratios.append(2 * walls[0] / walls[1])
    return sorted(ratios)


def dicomedit_command(source: Path, output: Path, *, jobs: int) -> list[str]:
    return [sys.executable, "-m", "dicomedit", "apply", str(SCRIPT), str(source), "-o", str(output),
            "--jobs", str(jobs), *VARIABLES]  # fmt: skip


def compile_times(statements: int, repeat: int) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    import bench_check

    import dicomedit

    text = bench_check.make_script(statements)
    dicomedit.check('version "6.6"\n')  # the parser is built once per process
    times: dict[str, list[float]] = {"check": [], "check + compile": []}
    for _ in range(repeat):
        start = time.perf_counter()
        dicomedit.check(text, "bench.das")
        times["check"].append(time.perf_counter() - start)
        start = time.perf_counter()
        dicomedit.compile(text, "bench.das")
        times["check + compile"].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def _figures(m: Measure) -> dict[str, object]:
    rates = (
        {
            "files_per_second": m.files_per_second,
            "mb_per_second": m.mb_per_second,
            "started_files_per_second": m.steady_files_per_second,
        }
        if m.runs
        else {}
    )
    return asdict(m) | rates


def table(measures: list[Measure]) -> str:
    lines = [
        f"{'corpus':<8} {'tool':<22} {'files/s':>9} {'MB/s':>8} {'peak RSS':>9} {'CPU s':>7} "
        f"{'x pydicom':>9} {'% of cp':>8} {'started':>9} {'% of cp':>8}  load",
        f"{'':<8} {'':<22} {'':>9} {'':>8} {'':>9} {'':>7} {'':>9} {'':>8} {'files/s':>9} {'started':>8}",
    ]
    by_corpus: dict[str, dict[str, Measure]] = {}
    for m in measures:
        by_corpus.setdefault(m.corpus, {})[m.tool] = m
    for name, tools in by_corpus.items():
        base = tools.get("pydicom baseline")
        floor = tools.get("cp")
        for m in tools.values():
            if m.error is not None or not m.runs:
                lines.append(f"{name:<8} {m.tool:<22} not measured: {m.error}")
                continue
            versus = (m.files_per_second / base.files_per_second) if base and base.runs else float("nan")
            of_cp = (100 * m.mb_per_second / floor.mb_per_second) if floor and floor.runs else float("nan")
            steady = m.steady_files_per_second
            steady_cp = 100 * steady / floor.steady_files_per_second if floor and floor.runs else float("nan")
            lines.append(
                f"{name:<8} {m.tool:<22} {m.files_per_second:9.1f} {m.mb_per_second:8.1f} "
                f"{statistics.median(m.rss_mb):7.0f}MB {statistics.median(m.cpu):7.2f} "
                f"{versus:8.2f}x {of_cp:7.1f}% {steady:9.1f} {steady_cp:7.1f}%  "
                f"{min(m.load):.2f}-{max(m.load):.2f}"
            )
        one, two = tools.get("dicomedit"), tools.get("dicomedit --jobs 2")
        if one and two and one.runs and two.runs:
            lines.append(
                f"{name:<8} --jobs 2 vs one process: {one.seconds / two.seconds:.2f}x, "
                f"{two.steady_files_per_second / one.steady_files_per_second:.2f}x once started "
                f"(start-up {statistics.median(one.small):.2f} s and {statistics.median(two.small):.2f} s "
                f"for {SMALL} files)"
            )
    return "\n".join(lines)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--ct", type=int, default=2000, help="files in the CT_small corpus")
    parser.add_argument("--ct512", type=int, default=2000, help="files in the 512x512 corpus")
    parser.add_argument("--peer-files", type=int, default=500, help="files the peer tools run on")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="corpora and outputs (default: a temporary dir)")
    parser.add_argument("--no-peers", action="store_true", help="skip deid, dicognito and dicom-anonymizer")
    parser.add_argument("--rss-sizes", default="500,2000,8000", help="corpus sizes for the RSS growth check")
    parser.add_argument("--statements", type=int, default=5000, help="size of the script for check/compile")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dicomedit-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work directory: {workdir}; {os.cpu_count()} cores; load {os.getloadavg()}", flush=True)
    corpora = {}
    for kind, count in (("ct", args.ct), ("ct512", args.ct512)):
        directory = workdir / f"corpus-{kind}-{count}"
        files = sorted(directory.glob("*.dcm")) if directory.exists() else []
        if len(files) != count:
            shutil.rmtree(directory, ignore_errors=True)
            files = corpus.make(kind, count, directory)
        corpora[kind] = (directory, files)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"corpus {kind}: {count} files, {size:.0f} MB", flush=True)

    bin_dir, versions = (None, {}) if args.no_peers else peers_environment(workdir)
    for tool, version in versions.items():
        print(f"peer {tool}: {version}", flush=True)

    measures: list[Measure] = []
    out = workdir / "out"
    for name, (directory, files) in corpora.items():
        warm(files)
        small, _ = linked_subset(workdir, name, files, SMALL)
        size = sum(p.stat().st_size for p in files) / 1e6
        commands: list[tuple[str, Callable[[Path], list[str]], bool]] = [
            ("cp", lambda source: ["cp", "-r", str(source), str(out)], False),
            (
                "pydicom baseline",
                lambda source: [sys.executable, str(BASELINE), str(SCRIPT), str(source), str(out)],
                False,
            ),
            ("dicomedit", lambda source: dicomedit_command(source, out, jobs=1), False),
            ("dicomedit --jobs 2", lambda source: dicomedit_command(source, out, jobs=2), False),
        ]
        runs = [
            (Measure(tool, name, len(files), size), command(directory), command(small), make)
            for tool, command, make in commands
        ]
        if bin_dir is not None:
            subset, subset_files = linked_subset(workdir, name, files, args.peer_files)
            subset_size = sum(p.stat().st_size for p in subset_files) / 1e6
            for tool, version in versions.items():
                if not version[:1].isdigit():
                    measures.append(Measure(tool, name, len(subset_files), 0, error=version))
                    continue
                command, make_output = peer_command(tool, bin_dir, subset, out)
                small_command, _ = peer_command(tool, bin_dir, small, out)
                found = Measure(f"{tool} {version}", name, len(subset_files), subset_size)
                runs.append((found, command, small_command, make_output))
        measure_all(runs, out, args.repeat)
        measures += [found for found, _, _, _ in runs]
    print()
    print(table(measures))
    scaling = cpu_scaling()
    print(
        f"two pure-Python processes get {statistics.median(scaling):.2f}x the work of one from this "
        f"machine's cores (runs: {', '.join(f'{r:.2f}' for r in scaling)})"
    )

    sizes = [int(s) for s in args.rss_sizes.split(",") if s]
    growth = rss_growth(workdir, corpora["ct"][1], sizes) if sizes else []
    if growth:
        print("\npeak RSS of dicomedit apply --jobs 1 by corpus size:")
        for size, rss in growth:
            print(f"  {size:>7} files: {rss:6.1f} MB")
        if len(growth) > 1:
            (n0, r0), (n1, r1) = growth[0], growth[-1]
            slope = (r1 - r0) / (n1 - n0)
            at_100k = r1 + slope * (100_000 - n1)
            print(f"  growth {slope * 1000:.2f} MB per 1,000 files; 100,000 files: ~{at_100k:.0f} MB")

    timings = compile_times(args.statements, 5)
    shown = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
    print(f"\n{args.statements}-statement script: {shown}")
    print(f"load average at the end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "measures": [_figures(m) for m in measures],
                    "rss_growth": growth,
                    "compile": timings,
                    "cpu_scaling": scaling,
                    "peers": versions,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
