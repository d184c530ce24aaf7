"""Score the issue-14 estimators on simulated counties saved by ``benchmarks/effects_sim``.

Each ``DIR/<name>.pkl`` holds the truth of one simulated workspace ``DIR/<name>/`` (made with
``effects_sim.simulate(..., workdir=DIR/<name>)``). The draw's pool, which the simulation keeps
in its truth, is recorded into the workspace with ``targeting.record_draw`` — what writing the
review file of a drawn list does in the package — so the randomised route is measured from the
workspace alone. Estimators: ``effect_study`` (design-based, row 全部 / violations, verdict),
its randomised ITT (draws only), the simulation's baselines and IPW reference.

``--score-cache`` keeps the risk scores of each cohort month that ``effect_study`` trains
(``ws.risk_scores``, deterministic for a workspace and day) in ``DIR/<name>.scores.pkl``, so a
second evaluation of the same world (another estimator setting) does not train them again.

``oracle_power`` (one row per −40 % run) is the information limit of any estimator of the
registered entries' ATT: even knowing every counterfactual exactly, the mean of the guided
businesses' post-window counts has at least the Poisson variance ``Σ E[y_i] / n²`` (over-dispersion
only adds), so no test at 5 % detects the truth more often than ``Φ(|ATT| / se − 1.96)``.

Usage::

    PYTHONPATH=. python benchmarks/eval_effects_worlds.py DIR [--n-boot 200] [--out results.csv] [--score-cache]
    PYTHONPATH=. python benchmarks/eval_effects_worlds.py --null-rates results.csv …   # no-effect runs, Wilson
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.effects_sim import evaluate  # noqa: E402

#: keyword arguments of ``effect_study`` for this evaluation (``--settings``) and the name suffix
SETTINGS: dict = {}
SUFFIX = ""


def design_based(ws, *, window_months, as_of, n_boot, seed):
    """The package's estimator (row 全部 / violations) and, for a draw, its randomised ITT."""
    from guidance_analytics.effects import effect_study

    st = effect_study(ws, window_months, as_of=as_of, n_boot=n_boot, seed=seed, **SETTINGS)
    row = st.summary[(st.summary["method"] == "全部") & (st.summary["outcome"] == "violations")].iloc[0]
    out = [
        {
            "name": "effect_study" + SUFFIX,
            "estimate": float(row["estimate"]),
            "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_high"]),
            "significant": bool(row["significant"]),
            "verdict": row["verdict"],
            "n_cases": int(row["n_cases"]),
            "n_off_support": int(row.get("n_off_support", 0)),
            "n_unmatched": int(row["n_unmatched"]),
            "pretrend_p": float(row["pretrend_p"]),
            "reason": row["reason"],
        }
    ]
    r = st.randomised
    if len(r):
        top = r[r["method"] == "全部"].iloc[0]
        out.append(
            {
                "name": "randomised_effects" + SUFFIX,
                "estimand": "itt",
                "estimate": float(top["estimate"]),
                "ci_low": float(top["ci_low"]),
                "ci_high": float(top["ci_high"]),
                "verdict": top["verdict"],
                "n_cases": int(top["n_drawn"]),
            }
        )
    return out


def cache_scores(folder: Path, name: str) -> None:
    """Memoise ``effects.follow_up._risk_scores`` of world ``name`` in ``folder/<name>.scores.pkl``."""
    from guidance_analytics.effects import follow_up

    original = getattr(follow_up, "_uncached_risk_scores", follow_up._risk_scores)
    follow_up._uncached_risk_scores = original
    path = folder / f"{name}.scores.pkl"

    def cached(ws, months, start, index):
        known = pickle.load(open(path, "rb")) if path.exists() else {}  # noqa: S301 (our own files)
        missing = [m for m in months if m not in known]
        if missing:
            known.update(original(ws, missing, start, index))
            with open(path, "wb") as fh:
                pickle.dump(known, fh)
        return {m: known[m] for m in months if m in known}

    follow_up._risk_scores = cached


def oracle_power(truth: dict) -> dict:
    """Information limit of the ATT test (see the module docstring)."""
    e = truth["entries"]
    y1 = (e["cf_post"] + e["tau"]).clip(lower=0)
    se = float(np.sqrt(y1.sum()) / len(e)) if len(e) else np.nan
    from scipy import stats

    att = float(truth["att"])
    return {"oracle_se": se, "oracle_power": float(stats.norm.cdf(abs(att) / se - 1.959963984540054))}


def record_pool(ws, pool: pd.DataFrame) -> None:
    from guidance_analytics.targeting import record_draw

    for (_, day), part in pool.groupby(["round", "guided_on"]):
        rows = part.assign(action="风险加权抽取")[
            ["business_id", "action", "score", "inclusion_prob", "drawn", "adopted"]
        ]
        record_draw(ws, rows, pd.Timestamp(day).date(), seed=0)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    import guidance_analytics as ga

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("worlds", type=Path)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "effects_worlds.csv")
    ap.add_argument("--score-cache", action="store_true", help="keep the cohorts' risk scores per world")
    ap.add_argument(
        "--settings",
        default="{}",
        help="effect_study keyword arguments as JSON, e.g. '{\"controls_per_case\": 5}' (main's setting)",
    )
    ap.add_argument("--suffix", default="", help="appended to the estimator names (e.g. ' (k=5)')")
    ap.add_argument("--no-baselines", action="store_true", help="only the package's estimators")
    args = ap.parse_args(argv)
    global SETTINGS, SUFFIX
    SETTINGS, SUFFIX = json.loads(args.settings), args.suffix
    rows = []
    for pkl in sorted(p for p in args.worlds.glob("*.pkl") if not p.name.endswith(".scores.pkl")):
        truth = pickle.load(open(pkl, "rb"))  # noqa: S301 (our own files)
        if args.score_cache:
            cache_scores(args.worlds, pkl.stem)
        ws = ga.Workspace(args.worlds / pkl.stem)
        if truth.get("pool") is not None:
            record_pool(ws, truth["pool"])
        started = time.perf_counter()
        res = evaluate(
            ws,
            truth,
            n_boot=args.n_boot,
            seed=int(truth["seed"]),
            estimator=design_based,
            baselines=() if args.no_baselines else None,
        )
        if args.no_baselines:
            res = [r for r in res if r["role"] == "under test"]
        extra = oracle_power(truth) if truth["effect"] != 0 else {}
        for r in res:
            r["seconds"] = time.perf_counter() - started
            if r["estimand"] == "att":
                r.update(extra)
        rows += res
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(
            pkl.stem, [(r["estimator"], round(r["estimate"], 3), r["significant"]) for r in res], flush=True
        )
    table = pd.DataFrame(rows)
    print(summarise(table).to_string())
    return table


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per estimator × selection × effect: runs, bias ± MC error, share claiming an effect, coverage."""
    table = table.copy()
    table["claim"] = table["significant"].astype(bool) & (
        table.get("verdict", "").fillna("") != "数据不足以判断"
    )
    table["neg_claim"] = table["claim"] & (table["ci_high"] < 0)
    table["err"] = table["estimate"] - table["true"]
    g = table.groupby(["estimator", "selection", "effect"])
    return pd.DataFrame(
        {
            "runs": g.size(),
            "bias": g["err"].mean(),
            "mc_se": g["err"].std() / np.sqrt(g.size()),
            "claims": g["claim"].mean(),
            "detected_reduction": g["neg_claim"].mean(),
            "coverage": g["covered"].mean(),
            "true": g["true"].mean(),
        }
    ).round(3)


def null_rates(table: pd.DataFrame) -> pd.DataFrame:
    """No-effect runs per estimator × size × selection: how often each claims an effect.

    ``claims``: the figure a user reads says 有效 / 未见减少 (``significant``, never with the verdict
    数据不足以判断); ``ci_excludes_0``: the interval alone excludes 0, whatever the verdict — what a
    reader of the bare number would conclude, so a refusal (数据不足以判断) does not pass for
    calibration. Both with 95 % Wilson intervals over runs; ``refused``: runs with 数据不足以判断.
    """
    from benchmarks.eval_effects_sim import _wilson

    t = table[(table["effect"] == 0) & table["estimator"].isin(["effect_study", "randomised_effects"])].copy()
    t["claim"] = t["significant"].astype(bool) & (t["verdict"].fillna("") != "数据不足以判断")
    t["excl"] = (t["ci_low"] > 0) | (t["ci_high"] < 0)
    rows = []
    for (est, size, sel), g in t.groupby(["estimator", "size", "selection"]):
        n = len(g)
        c_lo, c_hi = _wilson(int(g["claim"].sum()), n)
        e_lo, e_hi = _wilson(int(g["excl"].sum()), n)
        rows.append(
            {
                "estimator": est,
                "size": size,
                "selection": sel,
                "runs": n,
                "claims": f"{int(g['claim'].sum())}/{n} ({c_lo:.0%}–{c_hi:.0%})",
                "ci_excludes_0": f"{int(g['excl'].sum())}/{n} ({e_lo:.0%}–{e_hi:.0%})",
                "refused": int((g["verdict"] == "数据不足以判断").sum()),
                "mean_cases": round(float(g["n_cases"].mean()), 1),
                "mean_off_support": round(
                    float(g.get("n_off_support", pd.Series(0, index=g.index)).mean()), 1
                ),
                "bias": f"{g['estimate'].mean():+.3f} ± {g['estimate'].std() / np.sqrt(n):.3f}",
            }
        )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--null-rates":  # --null-rates CSV… : the table as markdown
        frame = pd.concat([pd.read_csv(f) for f in sys.argv[2:]], ignore_index=True)
        res = null_rates(frame)
        print("| " + " | ".join(res.columns) + " |\n|" + "---|" * len(res.columns))
        for r in res.itertuples(index=False):
            print("| " + " | ".join(str(v) for v in r) + " |")
    else:
        main()
