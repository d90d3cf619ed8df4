"""`make bench`: deckgen against raw genanki on synthetic decks of 1,000 to 100,000 notes.

    python -m bench.run [--sizes 1000,10000,100000] [--runs 5] [--large-runs 3]
                        [--out bench/RESULTS.md]

For each size, bench/synth.py writes a cards folder into a temporary folder, and each
of these is run several times, each time in a fresh process:

- `deckgen build`, first build (no lock, no output): load, validate and check the
  cards, generate the notes, write the lock, package, deflate, rename into place;
- `deckgen build` after every principle's text and every question changed (a full
  rebuild against the lock);
- `deckgen build` again with nothing changed (the no-op rebuild);
- `deckgen check`;
- bench/genanki_baseline.py: a plain genanki script writing the same notes with
  genanki.Package.write_to_file (its input prepared beforehand, untimed).

Wall time is the median of the runs; peak memory is the median of each process's own
ru_maxrss, taken by a small fresh wrapper (bench/child.py). One more process per size
times the stages of a first build (bench/stages.py). The table is printed and written,
with the machine, to bench/RESULTS.md. Nothing here is a test: tests never time.
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
TARGET_RATIO = 1.0
TARGET_MEMORY = 1.5
TARGET_NOOP = 0.10
TARGET_STARTUP = 0.3


@dataclass
class Sample:
    wall: float
    peak_mib: float


@dataclass
class Measure:
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def peak(self) -> float:
        return statistics.median(s.peak_mib for s in self.samples)


def run_once(cmd: Sequence[str | Path], env: dict[str, str]) -> Sample:
    """Run `cmd` in a fresh process (through bench/child.py): wall time and peak memory."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", *map(str, cmd)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout)
    return Sample(result["wall"], result["peak_mib"])


def measure(
    cmd: Sequence[str | Path],
    runs: int,
    env: dict[str, str],
    setup: Callable[[int], None] | None = None,
) -> Measure:
    result = Measure()
    for i in range(runs):
        if setup is not None:
            setup(i)
        result.samples.append(run_once(cmd, env))
    return result


def deckgen_command() -> list[str]:
    script = Path(sys.executable).parent / "deckgen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "deckgen.cli"]


def has_check_command() -> bool:
    from deckgen.cli import cli

    return "check" in cli.commands


def genanki_input(cards: Path, path: Path) -> None:
    """What the genanki script needs, from deckgen's own notes (untimed)."""
    from deckgen.generate import generate_notes
    from deckgen.notetypes import note_types
    from deckgen.package import deck_id_for
    from deckgen.validate import load_deck

    deck = load_deck(cards)
    types = note_types()
    data = {
        "deck_id": deck_id_for(deck.key),
        "deck_name": deck.name,
        "description": deck.description,
        "types": {
            kind: (
                t.model_id,
                t.name,
                list(t.fields),
                [(x.name, x.front, x.back) for x in t.templates],
                t.css,
                t.is_cloze,
            )
            for kind, t in types.items()
        },
        "notes": [(n.guid, n.kind, list(n.fields), list(n.tags)) for n in generate_notes(deck)],
    }
    with open(path, "wb") as fh:
        marshal.dump(data, fh)


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
    yaml_mib: float
    first: Measure
    changed: Measure
    noop: Measure
    check: Measure
    genanki: Measure
    stages: list[dict[str, Any]]  # bench/stages.py's JSON


def bench_size(notes: int, runs: int, work: Path, env: dict[str, str]) -> SizeResult:
    folder = work / str(notes)
    cards = write_cards(folder / "cards", notes)
    out = folder / "dist" / "bench.apkg"
    lock = cards / "deckgen.lock"
    cache = Path(env["XDG_CACHE_HOME"])
    deckgen = deckgen_command()
    build: list[str | Path] = [*deckgen, "build", "--cards", cards, "-o", out]
    print(
        f"  {notes:,} notes: {sum(f.stat().st_size for f in cards.iterdir()) >> 10} KiB of YAML",
        flush=True,
    )

    def fresh(_: int) -> None:
        lock.unlink(missing_ok=True)
        out.unlink(missing_ok=True)
        shutil.rmtree(cache, ignore_errors=True)

    first = measure(build, runs, env, fresh)
    last = time.time()
    noop = measure(build, runs, env)

    changed = Measure()
    for i in range(runs):
        write_cards(cards, notes, revision=f"第{i + 2}版")
        wait_for_next_second(last)
        changed.samples.append(run_once(build, env))
        last = time.time()
    write_cards(cards, notes)  # back to the deck the other tools read

    if has_check_command():
        check_cmd: list[str | Path] = [*deckgen, "check", "--cards", cards]
    else:  # `deckgen check` not there yet: validation alone
        check_cmd = [
            sys.executable,
            "-c",
            f"from deckgen.validate import load_deck; "
            f"from pathlib import Path; load_deck(Path({str(cards)!r}))",
        ]
    check = measure(check_cmd, runs, env)

    data = folder / "notes.marshal"
    genanki_input(cards, data)
    baseline: list[str | Path] = [
        sys.executable,
        HERE / "genanki_baseline.py",
        data,
        folder / "genanki.apkg",
    ]
    genanki = measure(baseline, runs, env)

    lock.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.stages", cards, folder / "stages.apkg"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    stages = json.loads(proc.stdout)

    from deckgen.generate import generate_notes
    from deckgen.validate import load_deck

    generated = generate_notes(load_deck(cards))
    yaml_bytes = sum(f.stat().st_size for f in cards.iterdir() if f.suffix == ".yaml")
    shutil.rmtree(folder)
    return SizeResult(
        notes,
        sum(len(n.card_ords) for n in generated),
        yaml_bytes / (1 << 20),
        first,
        changed,
        noop,
        check,
        genanki,
        stages,
    )


@dataclass
class Startup:
    help: float
    version: float
    heavy_imports: str  # which heavy modules importing deckgen.cli loads ([] is right)
    cli_import_ms: float


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
    importtime = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import deckgen.cli"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stderr
    cumulative = 0
    for line in importtime.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "deckgen.cli":
            cumulative = int(parts[1])
    return Startup(
        measure([*deckgen, "--help"], runs, env).wall,
        measure([*deckgen, "--version"], runs, env).wall,
        imported,
        cumulative / 1000,
    )


def machine() -> dict[str, str]:
    import sqlite3
    import zlib
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
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
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
    check_is_command: bool,
) -> str:
    check_name = "`deckgen check`" if check_is_command else "check (validate.load_deck)"
    lines = [
        "# deckgen benchmarks",
        "",
        f"Made by `{command}` on {time.strftime('%Y-%m-%d %H:%M %Z')}; {runs}. Each run is",
        "a fresh process; times are the median wall time, memory the median peak resident",
        "size (ru_maxrss) of that process alone. Decks from bench/synth.py (Traditional Chinese",
        "principles, 2 to 5 [[clozes]] each, 1 to 4 questions, 50 principles a pillar).",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in box.items()),
        f"- Load average before / after: {load[0]:.2f} / {load[1]:.2f} (other work on the "
        "machine makes times noisy)",
        "",
        "## Results",
        "",
        "| notes (cards, YAML) | first build | rebuild, all changed | no-op rebuild | "
        f"{check_name} | genanki | build ÷ genanki | no-op ÷ build |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.notes:,} ({r.cards:,}, {r.yaml_mib:.1f} MiB) | {_s(r.first.wall)} · "
            f"{_mib(r.first.peak)} | {_s(r.changed.wall)} · {_mib(r.changed.peak)} | "
            f"{_s(r.noop.wall)} · {_mib(r.noop.peak)} | {_s(r.check.wall)} · "
            f"{_mib(r.check.peak)} | {_s(r.genanki.wall)} · {_mib(r.genanki.peak)} | "
            f"{r.first.wall / r.genanki.wall:.2f} × time, {r.first.peak / r.genanki.peak:.2f}"
            f" × memory | {r.noop.wall / r.first.wall:.0%} |"
        )
    lines += [
        "",
        "Each cell: median wall time · median peak memory.",
        "",
        "Per 1,000 notes (first build; linear growth keeps this flat): "
        + ", ".join(f"{r.notes:,}: {1000 * r.first.wall / r.notes:.3f} s" for r in results)
        + ".",
        "",
        f"`deckgen --help`: {_s(start.help)}, `deckgen --version`: {_s(start.version)}; "
        f"importing deckgen.cli takes {start.cli_import_ms:.0f} ms (python -X importtime); "
        f"of yaml, genanki, sqlite3, opencc, jieba and anki it loads {start.heavy_imports}.",
        "",
    ]
    lines += targets(results, start)
    lines += profile(results[-1])
    return "\n".join(lines) + "\n"


def targets(results: list[SizeResult], start: Startup) -> list[str]:
    big = max(results, key=lambda r: r.notes)
    ratio = big.first.wall / big.genanki.wall
    memory = big.first.peak / big.genanki.peak
    noop = big.noop.wall / big.first.wall
    slowest_start = max(start.help, start.version)
    per_note = [r.first.wall / r.notes for r in results if r.notes >= 10_000]
    growth = per_note[-1] / per_note[0] if len(per_note) > 1 else 1.0

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    return [
        f"## Targets ({big.notes:,} notes)",
        "",
        f"- Full build no slower than genanki (≤ {TARGET_RATIO:.1f}×): {ratio:.2f}× — "
        f"{verdict(ratio <= TARGET_RATIO)}",
        f"- Peak memory ≤ {TARGET_MEMORY}× genanki's: {memory:.2f}× — "
        f"{verdict(memory <= TARGET_MEMORY)}",
        f"- No-op rebuild ≤ {TARGET_NOOP:.0%} of a full build: {noop:.1%} — "
        f"{verdict(noop <= TARGET_NOOP)}",
        f"- `deckgen --help` and `--version` under {TARGET_STARTUP} s: {slowest_start:.2f} s — "
        f"{verdict(slowest_start < TARGET_STARTUP)}",
        f"- Build time linear in notes: per-note time at {results[-1].notes:,} is "
        f"{growth:.2f}× that at 10,000 — {verdict(growth <= 1.25)}",
        "",
    ]


def profile(r: SizeResult) -> list[str]:
    total = sum(float(s["wall"]) for s in r.stages)
    lines = [
        f"## Where a first build's time goes ({r.notes:,} notes, bench/stages.py)",
        "",
        "| stage | wall | CPU | share | peak memory after |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in r.stages:
        wall = float(s["wall"])
        lines.append(
            f"| {s['stage']} | {_s(wall)} | {_s(float(s['cpu']))} | "
            f"{wall / total:.0%} | {_mib(float(s['peak_mib']))} |"
        )
    lines += [
        f"| total | {_s(total)} | | | |",
        "",
        "CPU above wall: the deflate runs on every core.",
    ]
    loading = [s for s in r.stages if str(s["stage"]).startswith("load")]
    if loading:
        load = float(loading[0]["wall"])
        after = sum(float(s["wall"]) for s in r.stages[r.stages.index(loading[0]) + 1 :])
        lines += [
            "",
            f"Against genanki's whole run ({_s(r.genanki.wall)}, {_mib(r.genanki.peak)}): "
            f"loading the cards alone takes {load / r.genanki.wall:.2f}× its time and ends at "
            f"{float(loading[0]['peak_mib']) / r.genanki.peak:.2f}× its memory; the stages "
            f"after it take {after / r.genanki.wall:.2f}× its time.",
        ]
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large-runs", type=int, default=3, help=f"runs at {LARGE:,} or more")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
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
    text = report(
        results, start, box, command, (load_before, load_after), runs, has_check_command()
    )
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)


if __name__ == "__main__":
    main()
