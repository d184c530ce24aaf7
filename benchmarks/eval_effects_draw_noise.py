"""Can the simulation's draws see the future? Their balance on the raw potential-event noise.

For every saved draw world (``make_effects_worlds.py --selections draw``) the pool rows with
0 < π < 1 get their raw potential-event noise (:func:`benchmarks.effects_sim.potential.event_noise`:
the world's potential events of the row, every source, before guidance, minus their Poisson
rates) in the post window (``future``, the 6 months from the draw month) and in the window before
(``past``). Drawn once per seed and independently per business-month, the noise of the post
window is independent of everything the draw could use, so the draw's balance on it — the
unadjusted stratified Hajek contrast drawn − not drawn of the package (``hajek_itt``, target
``pool``) — has mean 0 over the draw, and over worlds. Per world: the actual draw's balance on
``future`` and ``past``, and its z-score within ``--redraws`` re-draws of every round with the
recorded probabilities (a fresh independent generator, the pools kept); per round the actual
balance on ``future`` (``round_<r>``), to see whether an excess sits in particular rounds.

Usage::

    PYTHONPATH=. python benchmarks/eval_effects_draw_noise.py DIR [DIR …] --out CSV [--redraws 300]
    PYTHONPATH=. python benchmarks/eval_effects_draw_noise.py --table CSV [CSV …]
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.effects_sim.potential import _month_index, event_noise, redraw, world_of  # noqa: E402
from benchmarks.eval_effects_design import _pm, run_worlds  # noqa: E402


def balance(value: np.ndarray, drawn: np.ndarray, pi: np.ndarray, stratum: np.ndarray) -> float:
    """The package's unadjusted stratified Hajek contrast (target ``pool``) of ``value``."""
    from guidance_analytics.effects.randomised import hajek_itt

    return float(hajek_itt(value, drawn, pi, stratum, None, variance=False)["estimate"])


def evaluate_truth(truth: dict, redraws: int, name: str = "") -> dict:
    """One row of figures (see the module docstring) for one world's truth."""
    world = world_of(truth)
    w = int(truth["window_months"])
    pool = truth["pool"]
    pool = pool[(pool["inclusion_prob"] > 0) & (pool["inclusion_prob"] < 1)].reset_index(drop=True)
    position = {b: i for i, b in enumerate(world.biz["business_id"])}
    rows = pool["business_id"].map(position).to_numpy(dtype=int)
    months = _month_index(world, pool["guided_on"])
    d = pool["drawn"].astype(bool).to_numpy()
    pi = pool["inclusion_prob"].to_numpy(dtype=float)
    st = pool["round"].to_numpy()
    noise = {
        "future": event_noise(world, rows, months, w),
        "past": event_noise(world, rows, months, w, before=True),
    }
    out: dict = {
        "world": name,
        "seed": int(truth["seed"]),
        "effect": float(truth["effect"]),
        "n_pool": len(pool),
    }
    rng = np.random.default_rng([31, int(truth["seed"])])
    groups = [np.flatnonzero(st == s) for s in np.unique(st)]
    redrawn = np.empty((redraws, len(noise)))
    for i in range(redraws):
        dd = redraw(pi, groups, rng)
        redrawn[i] = [balance(v, dd, pi, st) for v in noise.values()]
    for j, (key, value) in enumerate(noise.items()):
        obs = balance(value, d, pi, st)
        out[f"{key}_observed"] = obs
        out[f"{key}_redraw_mean"] = float(redrawn[:, j].mean())
        out[f"{key}_redraw_sd"] = float(redrawn[:, j].std(ddof=1))
        out[f"{key}_z"] = (obs - redrawn[:, j].mean()) / redrawn[:, j].std(ddof=1)
    for s, g in zip(np.unique(st), groups, strict=True):
        out[f"round_{int(s)}"] = balance(noise["future"][g], d[g], pi[g], st[g])
    return out


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per set of worlds: means ± Monte Carlo s.e. over worlds."""
    out = []
    for group, g in frame.groupby("set", sort=False):
        rounds = sorted(c for c in g.columns if c.startswith("round_"))
        out.append(
            {
                "worlds": group,
                "n": len(g),
                "seeds": f"{g['seed'].min()}–{g['seed'].max()}",
                "future: actual draw": _pm(g["future_observed"]),
                "future: re-draws' mean": _pm(g["future_redraw_mean"]),
                "future: z (mean ± s.e., s.d.)": f"{_pm(g['future_z'])}, {g['future_z'].std(ddof=1):.2f}",
                "past: actual draw": _pm(g["past_observed"]),
                "past: z": _pm(g["past_z"]),
                "future by round (mean)": " ".join(f"{g[c].mean():+.3f}" for c in rounds),
            }
        )
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    from benchmarks.eval_effects_power import markdown_table

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("worlds", type=Path, nargs="*")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "effects_draw_noise.csv")
    ap.add_argument("--redraws", type=int, default=300)
    ap.add_argument("--table", type=Path, nargs="+", help="print the markdown table of result CSVs and stop")
    args = ap.parse_args(argv)
    if args.table:
        frame = pd.concat([pd.read_csv(f) for f in args.table], ignore_index=True)
        print(markdown_table(table(frame)))
        return frame

    def score(folder: Path, pkl: Path) -> dict:
        truth = pickle.load(open(pkl, "rb"))  # noqa: S301 (our own files)
        return {"set": folder.name, **evaluate_truth(truth, args.redraws, pkl.stem)}

    rows = run_worlds(
        args.worlds, args.out, score, lambda r: (round(r["future_observed"], 4), round(r["future_z"], 2))
    )
    frame = pd.DataFrame(rows)
    print(markdown_table(table(frame)))
    return frame


if __name__ == "__main__":
    main()
