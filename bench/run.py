"""`make bench`: deckgen against raw genanki on synthetic decks of 1,000 to 100,000 notes.

    python -m bench.run [--sizes 1000,10000,100000] [--runs 5] [--large-runs 5]
                        [--out bench/RESULTS.md]

For each size, bench/synth.py writes a cards folder into a temporary folder. Every
command below runs in a fresh process, the way a user runs it (bench/child.py), and its
time is the median of its runs:

- genanki: bench/genanki_baseline.py, a plain genanki script writing the same notes
  with genanki.Package.write_to_file (its input prepared beforehand, untimed);
- first build: `deckgen build` with no lock, no deck and no cache (a full build), run
  alternately with genanki, so that both see the same machine;
- one edit: `deckgen build` after one principle's text changed (the rebuild an author
  makes all day, from the cache of the build before);
- all changed: `deckgen build` after every principle's text and question changed;
- no-op: `deckgen build` again with nothing changed;
- `deckgen check`.

Memory is measured in runs of their own (sampling costs time): the peak of the memory of
all the processes of a command together (bench/child.py). One more process times the
stages of a first build (bench/stages.py). The table and each target's ratio are printed
and written, with the machine, its load and the command, to bench/RESULTS.md. Nothing
here is a test: tests never time.
"""

from __future__ import annotations

import argparse
import json
import marshal
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.synth import write_cards

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LARGE = 100_000

# The targets (issue 13), as ratios: (what, limit).
TARGET_TIME = 1.0  # first build ÷ genanki, at 100,000 notes
TARGET_MEMORY = 1.5  # peak memory of all deckgen processes ÷ genanki's
TARGET_ONE_EDIT = 0.30  # one-edit rebuild ÷ genanki
TARGET_NOOP = 0.05  # no-op rebuild ÷ first build
TARGET_SMALL = 0.5  # seconds, first build of 1,000 notes
TARGET_STARTUP = 0.3  # seconds, --help and --version


@dataclass
class Sample:
    wall: float
    peak_mib: float  # all processes together (PSS), or the one process's ru_maxrss
    peak_rss_mib: float  # the upper bound: every process's own peak, added up
    maxrss_mib: float  # the largest single process


@dataclass
class Measure:
    samples: list[Sample] = field(default_factory=list)
    memory: list[Sample] = field(default_factory=list)  # the runs that sampled memory

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def peak(self) -> float:
        return max(s.peak_mib for s in self.memory or self.samples)

    @property
    def peak_rss(self) -> float:
        return max(s.peak_rss_mib for s in self.memory or self.samples)


def run_once(cmd: Sequence[str | Path], env: dict[str, str], memory: bool = False) -> Sample:
    """Run `cmd` in a fresh process (through bench/child.py)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", *(["--memory"] if memory else []), *map(str, cmd)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout)
    return Sample(r["wall"], r["peak_mib"], r["peak_rss_mib"], r["maxrss_mib"])


def measure(
    cmd: Sequence[str | Path],
    runs: int,
    env: dict[str, str],
    setup: Callable[[int], None] | None = None,
    memory_runs: int = 1,
) -> Measure:
    result = Measure()
    for i in range(runs + memory_runs):
        if setup is not None:
            setup(i)
        sample = run_once(cmd, env, memory=i >= runs)
        (result.memory if i >= runs else result.samples).append(sample)
    return result


def deckgen_command() -> list[str]:
    script = Path(sys.executable).parent / "deckgen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "deckgen.cli"]


def genanki_input(cards: Path, path: Path) -> int:
    """What the genanki script needs, from deckgen's own plan of the deck (untimed): the
    deck, its note types and every note's GUID, type, fields and tags. Returns the number
    of cards."""
    from deckgen.build import plan_project
    from deckgen.options import BuildOptions
    from deckgen.package import deck_id_for

    options = BuildOptions(dry_run=True, keep_notes=True, write_rows=False)
    (plan,) = plan_project([cards], options)
    data = {
        "deck_id": deck_id_for(plan.deck.key),
        "deck_name": plan.deck.name,
        "description": plan.description,
        "types": {
            kind: (
                t.model_id,
                t.name,
                list(t.fields),
                [(x.name, x.front, x.back) for x in t.templates],
                t.css,
                t.is_cloze,
            )
            for kind, t in plan.types.items()
        },
        "notes": [(n.guid, n.kind, list(n.fields), list(n.tags)) for n in plan.notes],
    }
    with open(path, "wb") as fh:
        marshal.dump(data, fh)
    return sum(len(n.card_ords) for n in plan.notes)


def wait_for_next_second(after: float) -> None:
    """A changed note gets the present second as its stamp, newer than the lock's: a
    rebuild in the same second as the build before it waits for the clock (deckgen's
    fresh_stamp). Users do not rebuild twice a second; the wait is kept out of the time."""
    while int(time.time()) <= int(after):
        time.sleep(0.05)


@dataclass
class SizeResult:
    notes: int
    cards: int
    files: int
    yaml_mib: float
    first: Measure
    one_edit: Measure
    changed: Measure
    noop: Measure
    check: Measure
    genanki: Measure
    stages: list[dict[str, Any]]  # bench/stages.py's JSON
    one_edit_stages: list[dict[str, Any]]


def bench_size(notes: int, runs: int, work: Path, env: dict[str, str]) -> SizeResult:
    folder = work / str(notes)
    cards = write_cards(folder / "cards", notes)
    out = folder / "dist" / "bench.apkg"
    lock = cards / "deckgen.lock"
    cache = Path(env["XDG_CACHE_HOME"])
    deckgen = deckgen_command()
    build: list[str | Path] = [*deckgen, "build", "--cards", cards, "-o", out]
    yaml_files = [f for f in cards.iterdir() if f.suffix == ".yaml"]
    print(f"  {notes:,} notes, {len(yaml_files)} files", flush=True)

    data = folder / "notes.marshal"
    card_count = genanki_input(cards, data)
    baseline: list[str | Path] = [
        sys.executable, HERE / "genanki_baseline.py", data, folder / "genanki.apkg"
    ]  # fmt: skip

    def fresh() -> None:
        lock.unlink(missing_ok=True)
        out.unlink(missing_ok=True)
        shutil.rmtree(cache, ignore_errors=True)

    # The first build and genanki, alternately; then each once more sampling memory.
    first, genanki = Measure(), Measure()
    for i in range(runs + 1):
        sampled = i == runs
        (genanki.memory if sampled else genanki.samples).append(
            run_once(baseline, env, memory=sampled)
        )
        fresh()
        (first.memory if sampled else first.samples).append(run_once(build, env, memory=sampled))
    last = time.time()
    noop = measure(build, runs, env)

    one_edit = Measure()
    middle = notes // 7  # a principle in the middle of the deck
    for i in range(runs + 1):
        # Every run changes one principle: marked, then back.
        write_cards(cards, notes, revised={middle} if i % 2 == 0 else ())
        wait_for_next_second(last)
        sample = run_once(build, env, memory=i == runs)
        (one_edit.memory if i == runs else one_edit.samples).append(sample)
        last = time.time()

    changed = Measure()
    for i in range(runs):
        write_cards(cards, notes, revision=f"第{i + 2}版")
        wait_for_next_second(last)
        changed.samples.append(run_once(build, env))
        last = time.time()
    write_cards(cards, notes)  # back to the deck the other tools read

    check = measure([*deckgen, "check", "--cards", cards], runs, env, memory_runs=0)

    def stages_of(*args: str | Path) -> list[dict[str, Any]]:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.stages", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        stages: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
        return stages

    fresh()
    stages = stages_of(cards, out)
    write_cards(cards, notes, revised={middle})
    wait_for_next_second(time.time())
    one_edit_stages = stages_of(cards, out)

    yaml_bytes = sum(f.stat().st_size for f in yaml_files)
    shutil.rmtree(folder)
    return SizeResult(
        notes,
        card_count,
        len(yaml_files) - 1,
        yaml_bytes / (1 << 20),
        first,
        one_edit,
        changed,
        noop,
        check,
        genanki,
        stages,
        one_edit_stages,
    )


@dataclass
class Startup:
    help: float
    version: float
    heavy_imports: str  # which heavy modules importing deckgen.cli loads ([] is right)


def startup(env: dict[str, str], runs: int) -> Startup:
    deckgen = deckgen_command()
    heavy = {"yaml", "genanki", "sqlite3", "opencc", "jieba", "anki"}
    probe = (
        "import sys, deckgen.cli; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(heavy)!r}))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()
    return Startup(
        measure([*deckgen, "--help"], runs, env, memory_runs=0).wall,
        measure([*deckgen, "--version"], runs, env, memory_runs=0).wall,
        imported,
    )


def machine() -> dict[str, str]:
    import sqlite3
    from importlib.metadata import version

    import yaml

    import deckgen

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = "?"
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / (1 << 30):.1f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    libyaml = "yes" if yaml.__with_libyaml__ else "no"
    revision = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores ({usable} usable)",
        "Memory": memory,
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "deckgen": f"{deckgen.__version__} (git {revision or '?'})",
        "genanki": version("genanki"),
        "PyYAML": f"{yaml.__version__}, libyaml C loader: {libyaml}",
        "SQLite": sqlite3.sqlite_version,
        "isal": version("isal"),
    }


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _mib(mib: float) -> str:
    return f"{mib:.0f} MiB"


def report(
    results: list[SizeResult],
    start: Startup,
    box: dict[str, str],
    command: str,
    load: tuple[float, float],
    runs: str,
) -> str:
    lines = [
        "# deckgen benchmarks",
        "",
        f"Made by `{command}` on {time.strftime('%Y-%m-%d %H:%M %Z')}; {runs}. Each run is",
        "a fresh process, as a user runs it; a time is the median wall time of the runs.",
        "Memory is the peak of all the command's processes together (the build and its",
        "workers), summing each one's proportional set size, sampled every 5 ms in a run of",
        "its own; in brackets the upper bound, each process's own peak resident size added",
        "up (bench/child.py). Decks from bench/synth.py: Traditional Chinese principles with",
        "2 to 5 [[clozes]] and 1 to 4 questions each, 50 principles a pillar file.",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in box.items()),
        f"- Load average (1 min) before / after: {load[0]:.2f} / {load[1]:.2f}",
        "",
        "## Results",
        "",
        "| notes (cards, files, YAML) | genanki | first build | one edit | all changed | "
        "no-op | `deckgen check` |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.notes:,} ({r.cards:,}, {r.files}, {r.yaml_mib:.1f} MiB) | "
            f"{_s(r.genanki.wall)} · {_mib(r.genanki.peak)} | "
            f"{_s(r.first.wall)} · {_mib(r.first.peak)} ({_mib(r.first.peak_rss)}) | "
            f"{_s(r.one_edit.wall)} · {_mib(r.one_edit.peak)} | {_s(r.changed.wall)} | "
            f"{_s(r.noop.wall)} | {_s(r.check.wall)} |"
        )
    lines += [
        "",
        "Each cell: median wall time · peak memory.",
        "",
        f"`deckgen --help`: {_s(start.help)}, `deckgen --version`: {_s(start.version)}; "
        f"of yaml, genanki, sqlite3, opencc, jieba and anki, importing deckgen.cli loads "
        f"{start.heavy_imports}.",
        "",
    ]
    lines += targets(results, start)
    big = max(results, key=lambda r: r.notes)
    lines += profile(big.stages, f"a first build ({big.notes:,} notes)", big.first.wall)
    lines += profile(big.one_edit_stages, f"a one-edit rebuild ({big.notes:,} notes)", None)
    return "\n".join(lines) + "\n"


def target_lines(results: list[SizeResult], start: Startup) -> list[tuple[str, float, str, bool]]:
    """(what, measured, target, met) for every target."""
    big = max(results, key=lambda r: r.notes)
    small = min(results, key=lambda r: r.notes)
    rows = [
        (
            f"first build ÷ genanki, time ({big.notes:,} notes)",
            big.first.wall / big.genanki.wall,
            f"≤ {TARGET_TIME:.2f}×",
            big.first.wall / big.genanki.wall <= TARGET_TIME,
        ),
        (
            "peak memory, all deckgen processes ÷ genanki",
            big.first.peak / big.genanki.peak,
            f"≤ {TARGET_MEMORY:.2f}×",
            big.first.peak / big.genanki.peak <= TARGET_MEMORY,
        ),
        (
            "  the same, each process's own peak added up (upper bound)",
            big.first.peak_rss / big.genanki.peak,
            f"≤ {TARGET_MEMORY:.2f}×",
            big.first.peak_rss / big.genanki.peak <= TARGET_MEMORY,
        ),
        (
            "one-edit rebuild ÷ genanki, time",
            big.one_edit.wall / big.genanki.wall,
            f"≤ {TARGET_ONE_EDIT:.2f}×",
            big.one_edit.wall / big.genanki.wall <= TARGET_ONE_EDIT,
        ),
        (
            "no-op rebuild ÷ first build, time",
            big.noop.wall / big.first.wall,
            f"≤ {TARGET_NOOP:.2f}×",
            big.noop.wall / big.first.wall <= TARGET_NOOP,
        ),
        (
            f"first build of {small.notes:,} notes, seconds",
            small.first.wall,
            f"≤ {TARGET_SMALL:.2f} s",
            small.first.wall <= TARGET_SMALL,
        ),
        (
            "`deckgen --help` / `--version`, seconds",
            max(start.help, start.version),
            f"≤ {TARGET_STARTUP:.2f} s",
            max(start.help, start.version) <= TARGET_STARTUP,
        ),
    ]
    return rows


def targets(results: list[SizeResult], start: Startup) -> list[str]:
    lines = ["## Targets", "", "| target | measured | limit | |", "| --- | --- | --- | --- |"]
    for what, value, limit, met in target_lines(results, start):
        lines.append(f"| {what} | {value:.2f} | {limit} | {'met' if met else '**not met**'} |")
    return [*lines, ""]


def profile(stages: list[dict[str, Any]], what: str, whole: float | None) -> list[str]:
    total = sum(float(s["wall"]) for s in stages)
    lines = [
        f"## Where the time of {what} goes (bench/stages.py, one in-process run)",
        "",
        "| stage | wall | share | peak memory of the build's own process after |",
        "| --- | --- | --- | --- |",
    ]
    for s in stages:
        wall = float(s["wall"])
        peak = float(s["peak_mib"])
        lines.append(
            f"| {s['stage']} | {_s(wall)} | {wall / total:.0%} | {_mib(peak) if peak else ''} |"
        )
    lines += [f"| total | {_s(total)} | | |", ""]
    if whole is not None:
        lines += [
            f"(The median first build above, {_s(whole)}, also counts the interpreter's "
            "start and its exit.)",
            "",
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large-runs", type=int, default=5, help=f"runs at {LARGE:,} or more")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    # As installed (pip compiles bytecode on install): a checkout whose bytecode was never
    # written (PYTHONDONTWRITEBYTECODE) would compile every module of deckgen at each start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "deckgen")], check=True)
    load_before = os.getloadavg()[0]
    box = machine()
    print("deckgen benchmark on " + box["CPU"], flush=True)
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache"), "PYTHONPATH": str(ROOT)}
        start = startup(env, 10)
        results = []
        for notes in sizes:
            runs = args.large_runs if notes >= LARGE else args.runs
            results.append(bench_size(notes, runs, work, env))
    load_after = os.getloadavg()[0]
    command = "make bench" if os.environ.get("MAKELEVEL") else "python -m bench.run"
    if argv or sys.argv[1:]:
        command += " " + " ".join(sys.argv[1:] if argv is None else argv)
    runs = f"{args.runs} runs a size, {args.large_runs} at {LARGE:,} notes"
    text = report(results, start, box, command, (load_before, load_after), runs)
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print("Targets:")
    for what, value, limit, met in target_lines(results, start):
        print(f"  {what}: {value:.2f} (target {limit}) {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
