"""Power and level of the randomised route's ITT (``randomised_effects``) on saved draw worlds.

The worlds are those of ``benchmarks/make_effects_worlds.py`` (selection ``draw``; each
``DIR/<name>.pkl`` is the truth of workspace ``DIR/<name>/``). For every world the draws' pools
are recorded as ``eval_effects_worlds.py`` does, the panel is loaded once, and
``randomised_from_panel`` runs once per *variant* of the adjustment (the covariates and
``pooled`` / ``interacted``, Lin 2013) and of the post window — the same re-draw seed for every
variant, so they differ only by the statistic. The first variant is the package's default and
serves as the baseline of the ratios.

Per variant × effect: runs, claims (p < 0.05 and a verdict other than 数据不足以判断; Wilson 95 %),
detections (a claim with the interval below 0), bias (estimate − ITT truth) ± its Monte Carlo
s.e., coverage of the ITT truth, mean interval width (and its ratio to the default's on the same
worlds). A variant whose window differs from the simulation's (6 months) has no truth: only its
claims and detections are scored.

Two information limits per −40 % world (a 5 % test cannot detect the truth more often):
``oracle_att`` — the benchmark's ``oracle_power`` (``eval_effects_worlds.oracle_power``): the
registered entries' ATT with every counterfactual known, Poisson variance of their post counts;
``oracle_pool`` / ``oracle_drawn`` — the same for the figure the randomised route estimates with
``target`` ``pool`` (ITT: drawn rows weighted 1/π per draw, draws by pool size) or ``drawn`` (the
effect on the drawn: drawn rows weighted equally, draws by Σπ): that weighting of the drawn rows
with Poisson variance of their post counts (``cf_post`` plus, if adopted, ``tau_if_guided``), the
not-drawn arm known exactly. The truth of ``drawn`` is :func:`truth_drawn`.

Usage::

    PYTHONPATH=. python benchmarks/eval_effects_power.py DIR [--out CSV] [--variants default,rich,…]
    PYTHONPATH=. python benchmarks/eval_effects_power.py --table CSV     # the markdown table again
    PYTHONPATH=. python benchmarks/eval_effects_power.py --study CSV…    # eval_effects_worlds.py rows
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.eval_effects_sim import _wilson  # noqa: E402
from benchmarks.eval_effects_worlds import oracle_power, record_pool  # noqa: E402

Z95 = 1.959963984540054
BASIC = ["pre", "earlier", "score"]
RICH = ["pre", "earlier", "history", "inspections", "complaints", "score"]
#: name → (covariates, adjustment mode, post window in months, target of the weighting)
VARIANTS: dict[str, tuple[list[str], str, int, str]] = {
    "default": (BASIC, "pooled", 6, "pool"),
    "none": ([], "pooled", 6, "pool"),
    "history": ([*BASIC, "history"], "pooled", 6, "pool"),
    "rich": (RICH, "pooled", 6, "pool"),
    "lin_basic": (BASIC, "interacted", 6, "pool"),
    "lin_rich": (RICH, "interacted", 6, "pool"),
    "rich_w12": (RICH, "pooled", 12, "pool"),
    "drawn_basic": (BASIC, "pooled", 6, "drawn"),
    "drawn_rich": (RICH, "pooled", 6, "drawn"),
    "drawn_lin_basic": (BASIC, "interacted", 6, "drawn"),
    "drawn_w12": (BASIC, "pooled", 12, "drawn"),
}


def _weights(part: pd.DataFrame, target: str) -> tuple[np.ndarray, float]:
    """Drawn rows' Hajek weights within one draw and the draw's combining weight."""
    dr = part[part["drawn"].astype(bool)]
    if target == "pool":
        return 1 / dr["inclusion_prob"].to_numpy(dtype=float), float(len(part))
    return np.ones(len(dr)), float(part["inclusion_prob"].sum())


def drawn_effect(tau: np.ndarray, drawn: np.ndarray, pi: np.ndarray, stratum: np.ndarray) -> float:
    """The effect on the drawn: per stratum (draw) the drawn rows' mean ``tau``, strata combined by
    Σπ; a stratum with no drawn row is left out."""
    num = den = 0.0
    for s in np.unique(stratum):
        k = stratum == s
        if drawn[k].any():
            num, den = num + pi[k].sum() * tau[k & drawn].mean(), den + pi[k].sum()
    return num / den


def truth_drawn(truth: dict) -> float:
    """The effect on the drawn of a world: :func:`drawn_effect` of ``tau_if_guided`` (0 when
    declined) over the draws' rows with 0 < π < 1 (the estimand of ``target="drawn"``)."""
    pool = truth["pool"]
    pool = pool[(pool["inclusion_prob"] > 0) & (pool["inclusion_prob"] < 1)]
    adopted = pool["adopted"].fillna(True).astype(bool).to_numpy()
    return drawn_effect(
        pool["tau_if_guided"].to_numpy(float) * adopted,
        pool["drawn"].astype(bool).to_numpy(),
        pool["inclusion_prob"].to_numpy(float),
        pool["round"].to_numpy(),
    )


def oracle_itt(truth: dict, target: str = "pool") -> dict:
    """Information limit of the randomised test of ``target`` (see the module docstring)."""
    pool = truth["pool"]
    pool = pool[(pool["inclusion_prob"] > 0) & (pool["inclusion_prob"] < 1)]
    parts = [(part, *_weights(part, target)) for _, part in pool.groupby("round")]
    total = sum(n for _, _, n in parts)
    var = 0.0
    for part, w, n in parts:
        dr = part[part["drawn"].astype(bool)]
        if dr.empty:
            continue
        y1 = dr["cf_post"].to_numpy(float) + np.where(
            dr["adopted"].fillna(True).astype(bool), dr["tau_if_guided"].to_numpy(float), 0.0
        )
        var += (n / total) ** 2 * float(((w / w.sum()) ** 2 * np.clip(y1, 0, None)).sum())
    se = float(np.sqrt(var))
    eff = float(truth["itt"]) if target == "pool" else truth_drawn(truth)
    return {f"oracle_{target}_se": se, f"oracle_{target}": float(stats.norm.cdf(abs(eff) / se - Z95))}


def evaluate_world(folder: Path, pkl: Path, variants: list[str]) -> list[dict]:
    """One row per variant for the world ``pkl``."""
    import guidance_analytics as ga
    from guidance_analytics.effects.follow_up import load_panel
    from guidance_analytics.effects.randomised import randomised_from_panel

    truth = pickle.load(open(pkl, "rb"))  # noqa: S301 (our own files)
    ws = ga.Workspace(folder / pkl.stem)
    if ws.store.query("effects/draws", as_of=pd.Timestamp(truth["data_end"]).date()).empty:
        record_pool(ws, truth["pool"])
    as_of = pd.Timestamp(truth["data_end"])
    panel, start, index = load_panel(ws, as_of)
    extra = {}
    if truth["effect"] != 0:
        extra = {**oracle_power(truth), **oracle_itt(truth, "pool"), **oracle_itt(truth, "drawn")}
        extra["oracle_att"] = extra.pop("oracle_power")
    rows = []
    for name in variants:
        cov, mode, window, target = VARIANTS[name]
        started = time.process_time()
        res = randomised_from_panel(
            ws,
            panel,
            start,
            index,
            window,
            as_of,
            0,
            int(truth["seed"]),
            covariates=cov,
            adjustment_mode=mode,
            target=target,
        )
        top = res[res["method"] == "全部"].iloc[0]
        has_truth = window == int(truth["window_months"])
        true = (float(truth["itt"]) if target == "pool" else truth_drawn(truth)) if has_truth else np.nan
        lo, hi = float(top["ci_low"]), float(top["ci_high"])
        claim = bool(top["p_value"] < 0.05) and top["verdict"] != "数据不足以判断"
        rows.append(
            {
                "world": pkl.stem,
                "seed": int(truth["seed"]),
                "effect": float(truth["effect"]),
                "variant": name,
                "window": window,
                "target": target,
                "estimate": float(top["estimate"]),
                "ci_low": lo,
                "ci_high": hi,
                "p_value": float(top["p_value"]),
                "verdict": top["verdict"],
                "claim": claim,
                "detected": claim and hi < 0,
                "true": true,
                "covered": bool(lo <= true <= hi) if has_truth else np.nan,
                "n_drawn": int(top["n_drawn"]),
                "n_pool": int(top["n_pool"]),
                "cpu_s": time.process_time() - started,
                **extra,
            }
        )
    return rows


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per variant × effect: the figures of the module docstring."""
    frame = frame.copy()
    frame["width"] = frame["ci_high"] - frame["ci_low"]
    base = frame[frame["variant"] == "default"].set_index("world")["width"]
    frame["width_ratio"] = frame["width"] / frame["world"].map(base)
    frame["err"] = frame["estimate"] - frame["true"]
    out = []
    order = {v: i for i, v in enumerate(VARIANTS)}
    for (variant, effect), g in sorted(
        frame.groupby(["variant", "effect"]), key=lambda kv: (order.get(kv[0][0], 99), -kv[0][1])
    ):
        n = len(g)
        c, d = int(g["claim"].sum()), int(g["detected"].sum())
        c_lo, c_hi = _wilson(c, n)
        d_lo, d_hi = _wilson(d, n)
        has = g["true"].notna()
        row = {
            "variant": variant,
            "effect": "0" if effect == 0 else f"{effect:+.0%}",
            "runs": n,
            "claims": f"{c}/{n} ({c_lo:.0%}–{c_hi:.0%})",
            "detected": f"{d}/{n} ({d_lo:.0%}–{d_hi:.0%})" if effect != 0 else "–",
            "bias": f"{g['err'].mean():+.4f} ± {g['err'].std() / np.sqrt(n):.4f}" if has.all() else "–",
            "coverage": f"{int(g['covered'].sum())}/{n}" if has.all() else "–",
            "mean CI width": f"{g['width'].mean():.3f}",
            "width / default": f"{g['width_ratio'].mean():.3f}",
            "truth": f"{g['true'].mean():+.4f}" if has.all() else "–",
            "oracle (same target)": (
                f"{g['oracle_' + g['target'].iloc[0]].mean():.0%}"
                if effect != 0 and "oracle_pool" in g
                else ""
            ),
            "oracle ATT (entries)": f"{g['oracle_att'].mean():.0%}"
            if "oracle_att" in g and effect != 0
            else "",
        }
        out.append(row)
    return pd.DataFrame(out)


def study_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The same figures for the rows of ``eval_effects_worlds.py`` (``effect_study`` and its
    ``randomised_effects``; claims as there: significant and a verdict other than 数据不足以判断)."""
    out = []
    for (est, effect), g in frame.groupby(["estimator", "effect"], sort=True):
        n = len(g)
        claim = g["significant"].astype(bool) & (g["verdict"].fillna("") != "数据不足以判断")
        det = claim & (g["ci_high"] < 0)
        c_lo, c_hi = _wilson(int(claim.sum()), n)
        d_lo, d_hi = _wilson(int(det.sum()), n)
        err = g["estimate"] - g["true"]
        out.append(
            {
                "estimator": est,
                "effect": "0" if effect == 0 else f"{effect:+.0%}",
                "runs": n,
                "claims": f"{int(claim.sum())}/{n} ({c_lo:.0%}–{c_hi:.0%})",
                "detected": f"{int(det.sum())}/{n} ({d_lo:.0%}–{d_hi:.0%})" if effect != 0 else "–",
                "bias": f"{err.mean():+.4f} ± {err.std() / np.sqrt(n):.4f}",
                "coverage": f"{int(g['covered'].sum())}/{n}",
                "mean CI width": f"{(g['ci_high'] - g['ci_low']).mean():.3f}",
                "truth": f"{g['true'].mean():+.4f}",
                "mean cases": f"{g['n_cases'].mean():.0f}",
                "oracle ATT (entries)": (
                    f"{g['oracle_power'].mean():.0%}"
                    if effect != 0 and g["oracle_power"].notna().any()
                    else ""
                ),
            }
        )
    return pd.DataFrame(out)


def markdown_table(res: pd.DataFrame) -> str:
    """``res`` as a markdown table (header, rule, one line per row)."""
    lines = ["| " + " | ".join(res.columns) + " |", "|" + "---|" * len(res.columns)]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in res.itertuples(index=False)]
    return "\n".join(lines)


def markdown(frame: pd.DataFrame, study: bool = False) -> str:
    return markdown_table(study_table(frame) if study else table(frame))


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("worlds", type=Path, nargs="?")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "effects_county_power.csv")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--table", type=Path, help="print the markdown table of a results CSV and stop")
    ap.add_argument(
        "--study", type=Path, nargs="+", help="print the table of eval_effects_worlds.py result CSVs and stop"
    )
    args = ap.parse_args(argv)
    if args.study:
        frame = pd.concat([pd.read_csv(f) for f in args.study], ignore_index=True)
        print(markdown(frame, study=True))
        return frame
    if args.table:
        frame = pd.read_csv(args.table)
        print(markdown(frame))
        return frame
    variants = args.variants.split(",")
    done = pd.read_csv(args.out) if args.out.exists() else pd.DataFrame(columns=["world", "variant"])
    rows = done.to_dict("records")
    seen = set(zip(done["world"], done["variant"], strict=True))
    worlds = [p for p in args.worlds.glob("*.pkl") if not p.name.endswith(".scores.pkl")]
    # seed by seed (null and −40 % of a seed together), so a stopped run leaves both effects
    for pkl in sorted(worlds, key=lambda p: (int(p.stem.rsplit("_", 1)[-1]), p.stem)):
        todo = [v for v in variants if (pkl.stem, v) not in seen]
        if not todo:
            continue
        new = evaluate_world(args.worlds, pkl, todo)
        rows += new
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(
            pkl.stem,
            [(r["variant"], round(r["estimate"], 4), round(r["p_value"], 3)) for r in new],
            flush=True,
        )
    frame = pd.DataFrame(rows)
    print(markdown(frame))
    return frame


if __name__ == "__main__":
    main()
