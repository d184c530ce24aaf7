"""Simulate and keep the counties that ``benchmarks/eval_effects_worlds.py`` scores (issue 14).

Each world ``DIR/<size>_<selection>_<effect>_<seed>/`` is a workspace built by
``effects_sim.simulate(seed, selection, effect, size, workdir=…)``; its truth goes to
``DIR/<same name>.pkl``. Worlds already present are skipped, so a stopped run resumes.
Seeds of every cell run in the order given (seed ``s`` of every selection and effect shares the
same county: common random numbers).

Usage::

    PYTHONPATH=. python benchmarks/make_effects_worlds.py DIR --seeds 1-20 \
        [--selections record,score,draw] [--effects 0,-0.4] [--size county] [--jobs 1]
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def make_one(folder: Path, seed: int, selection: str, effect: float, size: str) -> str:
    from benchmarks.effects_sim import simulate

    name = f"{size}_{selection}_{effect:+.2f}_{seed}"
    pkl = folder / f"{name}.pkl"
    if pkl.exists():
        return f"{name} (kept)"
    work = folder / name
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    _, truth = simulate(seed, selection, effect, size, workdir=work)
    tmp = pkl.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(truth, fh)
    tmp.rename(pkl)
    return f"{name} {time.perf_counter() - started:.0f}s"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--selections", default="record,score,draw")
    ap.add_argument("--effects", default="0,-0.4")
    ap.add_argument("--size", default="county")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    tasks = [
        (args.folder, seed, sel, float(eff), args.size)
        for seed in _seeds(args.seeds)
        for eff in args.effects.split(",")
        for sel in args.selections.split(",")
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for msg in pool.map(make_one, *zip(*tasks, strict=True)):
            print(msg, flush=True)


if __name__ == "__main__":
    main()
