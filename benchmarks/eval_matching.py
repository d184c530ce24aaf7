"""Complaint matching (issue 11, point 15): the package's matcher against rapidfuzz and splink.

On the sample data (licences, penalties and inspections make the businesses; every 12345 work
order is matched) each method is scored against the generator's truth
(``data_samples/truth/complaint_targets.csv``: the business really meant, or none):

- precision = correct links / links made; recall = correct links / work orders whose business is
  in the workspace; F1; and the time of the matching step alone (index built + all work orders);
- ``package``: :func:`guidance_analytics.ingest.match_targets` (credit code, exact name, core,
  fuzzy containment / subsequence / bigram Jaccard, trade name, address);
- ``rapidfuzz``: the same stages, with the fuzzy stage replaced by rapidfuzz's C++ similarity
  (``fuzz.ratio`` and ``fuzz.partial_ratio`` on the name cores, best unique score above a
  cut-off, township first; cut-offs tried: 60–90, the best F1 reported);
- ``splink``: Fellegi–Sunter record linkage on DuckDB (splink 5): name core (Jaro-Winkler levels),
  address key (Jaccard levels) and township (exact) comparisons, u from random sampling, m by
  EM, the best pair per work order above a match probability (0.5–0.99 tried, best F1 reported).

    PYTHONPATH=. python benchmarks/eval_matching.py [--json benchmarks/results/eval_matching.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import guidance_analytics as ga
from guidance_analytics.ingest import (
    BusinessIndex,
    match_targets,
    name_core,
    normalize_address,
    normalize_name,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"


def workspace() -> ga.Workspace:
    ws = ga.Workspace(Path(tempfile.mkdtemp()) / "ws")
    for path in sorted(SAMPLES.glob("*.*")):
        kind = next((k for k in ("permits", "penalties", "inspections") if path.name.startswith(k)), None)
        if kind:
            ws.import_file(path, kind)
    return ws


def targets_and_truth(ws: ga.Workspace) -> tuple[pd.DataFrame, pd.Series]:
    """The work orders' targets (as the import reads them) and the workspace business each means."""
    frames = []
    for path in sorted(SAMPLES.glob("complaints_*.*")):
        table = ga.ingest.read_batches(path, alias="complaints")
        for raw in table.batches():
            canon = table.canonical(raw)
            frames.append(canon[["order_no", "target_name", "address", "township"]])
    targets = (
        pd.concat(frames, ignore_index=True).drop_duplicates("order_no", keep="last").set_index("order_no")
    )
    truth = pd.read_csv(SAMPLES / "truth" / "complaint_targets.csv", dtype=str).drop_duplicates(
        "order_no", keep="last"
    )
    biz = ws.table("businesses")
    by_code = {c: b for c, b in zip(biz["uscc"], biz["business_id"], strict=True) if isinstance(c, str)}
    by_name = {n: b for n, b in zip(biz["name_norm"], biz["business_id"], strict=True) if isinstance(n, str)}
    truth["ws_id"] = [
        (by_code.get(code) if isinstance(code, str) else None)
        or (by_name.get(normalize_name(name)) if isinstance(name, str) else None)
        for code, name in zip(truth["uscc"], truth["name"], strict=True)
    ]
    meant = truth.set_index("order_no")["ws_id"].reindex(targets.index)
    return targets, meant


def score(pred: pd.Series, meant: pd.Series) -> dict[str, float]:
    made = pred.notna()
    correct = made & (pred == meant)
    eligible = meant.notna()
    p = correct.sum() / max(made.sum(), 1)
    r = correct.sum() / max(eligible.sum(), 1)
    return {
        "links": int(made.sum()),
        "correct": int(correct.sum()),
        "eligible": int(eligible.sum()),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "f1": round(float(2 * p * r / (p + r)) if p + r else 0.0, 4),
    }


def method_package(biz: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    return match_targets(targets, BusinessIndex(biz))["business_id"]


def method_rapidfuzz(biz: pd.DataFrame, targets: pd.DataFrame, cutoff: float, scorer: str) -> pd.Series:
    from rapidfuzz import fuzz, process

    base = match_targets(targets, BusinessIndex(biz))
    pred = base["business_id"].where(base["match_method"] != "fuzzy")
    todo = pred.isna() & targets["target_name"].notna()
    cores = name_core(targets.loc[todo, "target_name"]).fillna("").tolist()
    b_core = biz["name_core"].fillna("").tolist()
    b_id = biz["business_id"].to_numpy(dtype=object)
    b_town = biz["township"].to_numpy(dtype=object)
    sc = {"ratio": fuzz.ratio, "partial_ratio": fuzz.partial_ratio, "WRatio": fuzz.WRatio}[scorer]
    scores = process.cdist(cores, b_core, scorer=sc, score_cutoff=cutoff, workers=-1, dtype=np.uint8)
    towns = targets.loc[todo, "township"].to_numpy(dtype=object)
    out = pred.copy()
    for k, order in enumerate(targets.index[todo]):
        row = scores[k]
        best = row.max()
        if best == 0:
            continue
        top = np.flatnonzero(row == best)
        if len(top) > 1 and isinstance(towns[k], str):
            same = top[[str(b_town[j]) in towns[k] or towns[k] in str(b_town[j]) for j in top]]
            top = same if len(same) else top
        if len(top) == 1:
            out[order] = b_id[top[0]]
    return out


def method_splink(
    biz: pd.DataFrame, targets: pd.DataFrame, threshold: float
) -> tuple[pd.Series, pd.DataFrame]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    left = pd.DataFrame(
        {
            "unique_id": biz["business_id"].astype(str),
            "name_core": biz["name_core"],
            "address_key": normalize_address(biz["address"]),
            "township": biz["township"],
        }
    )
    t_core = name_core(targets["target_name"])
    right = pd.DataFrame(
        {
            "unique_id": targets.index.astype(str),
            "name_core": t_core,
            "address_key": normalize_address(targets["address"]),
            "township": ga.ingest.township_canonical(targets["township"]),
        }
    )
    for frame in (left, right):
        frame["first_char"] = frame["name_core"].str.slice(0, 1)
        for col in frame.columns:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name_core", [0.95, 0.88, 0.8]),
            cl.JaccardAtThresholds("address_key", [0.9, 0.7]),
            cl.ExactMatch("township"),
        ],
        blocking_rules_to_generate_predictions=[block_on("first_char"), block_on("township", "address_key")],
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker([db.register(left), db.register(right)], settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match([block_on("name_core")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_char"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("township"))
    pairs = linker.inference.predict(threshold_match_probability=0.3).as_pandas_dataframe()
    return _best_pairs(pairs, targets.index, threshold), pairs


def _best_pairs(pairs: pd.DataFrame, index: pd.Index, threshold: float) -> pd.Series:
    left_is_biz = pairs["source_dataset_l"].iloc[0] == pairs["source_dataset_l"].min() if len(pairs) else True
    ok = pairs[pairs["match_probability"] >= threshold]
    order = ok["unique_id_r"] if left_is_biz else ok["unique_id_l"]
    biz = ok["unique_id_l"] if left_is_biz else ok["unique_id_r"]
    frame = pd.DataFrame(
        {"order": order.to_numpy(), "biz": biz.to_numpy(), "p": ok["match_probability"].to_numpy()}
    )
    frame = frame.sort_values("p", ascending=False)
    top = frame.groupby("order").head(2)
    counts = top.groupby("order")["p"].agg(["max", "count"])
    best = frame.drop_duplicates("order").set_index("order")
    second = top.groupby("order")["p"].nth(1)
    ambiguous = (
        set(second[second == counts.loc[second.index, "max"].to_numpy()].index) if len(second) else set()
    )
    best = best[~best.index.isin(ambiguous)]
    return best["biz"].reindex(index.astype(str)).set_axis(index)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    ws = workspace()
    biz = ws.table("businesses")
    targets, meant = targets_and_truth(ws)
    print(
        f"{len(biz):,} businesses, {len(targets):,} work orders, {int(meant.notna().sum()):,} naming one of them"
    )
    results: dict[str, dict] = {}

    t0 = time.perf_counter()
    pred = method_package(biz, targets)
    results["package"] = {**score(pred, meant), "seconds": round(time.perf_counter() - t0, 2)}

    best = None
    for scorer in ("ratio", "partial_ratio"):
        for cutoff in (60, 70, 80, 90):
            t0 = time.perf_counter()
            pred = method_rapidfuzz(biz, targets, cutoff, scorer)
            got = {
                **score(pred, meant),
                "seconds": round(time.perf_counter() - t0, 2),
                "setting": f"{scorer}>={cutoff}",
            }
            if best is None or got["f1"] > best["f1"]:
                best = got
    results["rapidfuzz"] = best

    t0 = time.perf_counter()
    try:
        _pred, pairs = method_splink(biz, targets, 0.5)
        fit_s = time.perf_counter() - t0
        best = None
        for threshold in (0.5, 0.8, 0.9, 0.95, 0.99):
            got = {**score(_best_pairs(pairs, targets.index, threshold), meant), "setting": f"p>={threshold}"}
            if best is None or got["f1"] > best["f1"]:
                best = got
        results["splink"] = {**best, "seconds": round(fit_s, 2)}
    except Exception as exc:  # noqa: BLE001 - reported, the comparison goes on
        results["splink"] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}

    print(f"{'method':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'links':>6} {'seconds':>8}  setting")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<10} failed: {r['error']}")
            continue
        print(
            f"{name:<10} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f} {r['links']:>6} "
            f"{r['seconds']:>8.2f}  {r.get('setting', '')}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
