"""Reference values for the drift tests (test/monitor): scipy for the statistics, numpy re-statements of Evidently's
formulas (legacy/calculations/stattests: get_binned_data, psi, kl_div, jensenshannon, hellinger, wasserstein_distance_norm,
z_stattest, chisquare_stattest) for the binned ones. Reads a JSON list of requests on stdin, prints a JSON list.

Each request: {"op": ..., ...}. Numeric samples come as lists of numbers (None = missing), categorical as lists of
strings (None = missing); "integer": true makes numeric samples int64 like a pandas int column.
"""
import json
import sys

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.spatial import distance


def series(values, integer=False):
    if integer:
        s = pd.Series(values, dtype="int64")
    else:
        s = pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    return s.replace([-np.inf, np.inf], np.nan).dropna()


def cat_series(values):
    return pd.Series([v for v in values if v is not None], dtype="object")


def binned(ref, cur, numeric, feel_zeroes):
    if numeric and ref.nunique() > 20:
        bins = np.histogram_bin_edges(pd.concat([ref, cur], axis=0).values, bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref.dropna().unique()) | set(cur.dropna().unique()))
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        rp = np.array([rd[k] / len(ref) for k in keys])
        cp = np.array([cd[k] / len(cur) for k in keys])
    if feel_zeroes:
        for arr in (rp, cp):
            m = min(arr[arr != 0])
            np.place(arr, arr == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def hellinger(ref, cur, numeric):
    keys = list(set(ref.unique()) | set(cur.unique()))
    if not numeric:
        r = (ref.value_counts() / len(ref)).to_dict()
        c = (cur.value_counts() / len(cur)).to_dict()
        h = sum(np.sqrt(r.get(k, 0) * c.get(k, 0)) for k in keys)
        return float(np.sqrt(1 - np.clip(h, 0, 1)))
    arr = np.array(keys, dtype=ref.dtype)
    bins = np.histogram_bin_edges(arr, bins="sturges")
    h1 = np.histogram(ref.to_numpy(), bins=bins, density=True)[0]
    h2 = np.histogram(cur.to_numpy(), bins=bins, density=True)[0]
    width = (max(bins) - min(bins)) / (len(bins) - 1)
    h = sum(np.sqrt(h1[i] * h2[i]) * width for i in range(len(h1)))
    return float(np.sqrt(1 - np.clip(h, 0, 1)))


def z_test(ref, cur):
    if ref.nunique() == 1 and cur.nunique() == 1 and ref.unique()[0] == cur.unique()[0]:
        return 1.0, 0.0
    keys = sorted(set(ref.unique()) | set(cur.unique()))
    a = ref.apply(lambda x: 0 if x == keys[0] else 1)
    b = cur.apply(lambda x: 0 if x == keys[0] else 1)
    n1, n2 = len(a), len(b)
    p1, p2 = float(sum(a)) / n1, float(sum(b)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - stats.norm.cdf(np.abs(z)))), float(z)


def chisq(ref, cur):
    keys = list(set(ref.unique()) | set(cur.unique()))
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    k = len(cur) / len(ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = stats.chisquare([cd[key] for key in keys], [rd[key] * k for key in keys])
    return float(r.statistic), float(r.pvalue)


def num(x):
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def column(req):
    numeric = req["kind"] == "numeric"
    if numeric:
        ref, cur = series(req["ref"], req.get("integer", False)), series(req["cur"], req.get("integer", False))
    else:
        ref, cur = cat_series(req["ref"]), cat_series(req["cur"])
    out = {}
    if numeric:
        ks = stats.ks_2samp(ref, cur)
        out["ks"] = [num(ks.statistic), num(ks.pvalue)]
        norm = max(np.std(ref), 0.001)
        out["wasserstein"] = num(stats.wasserstein_distance(ref, cur) / norm)
    p, q = binned(ref, cur, numeric, True)
    out["psi"] = num(np.sum((p - q) * np.log(p / q)))
    out["kl_div"] = num(stats.entropy(p, q))
    p, q = binned(ref, cur, numeric, False)
    out["jensenshannon"] = num(distance.jensenshannon(p, q))
    out["linf"] = num(np.max(np.abs(p - q)))
    out["hellinger"] = num(hellinger(ref, cur, numeric))
    if numeric and pd.concat([ref, cur]).nunique() > 50:
        return out
    chi = chisq(ref, cur)
    out["chisquare"] = [num(chi[0]), num(chi[1])]
    if pd.concat([ref, cur]).nunique() <= 2:
        zp, z = z_test(ref, cur)
        out["z"] = [num(z), num(zp)]
    return out


def handle(req):
    op = req["op"]
    if op == "column":
        return column(req)
    if op == "kstwo_sf":
        return [num(stats.kstwo.sf(x, n)) for n, x in req["points"]]
    if op == "smirnov":
        return [num(special.smirnov(n, x)) for n, x in req["points"]]
    if op == "chi2_sf":
        return [num(stats.chi2.sf(x, df)) for df, x in req["points"]]
    if op == "norm_two_sided":
        return [num(2 * stats.norm.sf(abs(z))) for z in req["points"]]
    if op == "gammaln":
        return [num(special.gammaln(x)) for x in req["points"]]
    if op == "sturges":
        return [num(e) for e in np.histogram_bin_edges(np.array(req["values"], dtype="int64" if req.get("integer") else "float64"), bins="sturges")]
    raise ValueError(f"unknown op {op}")


print(json.dumps([handle(r) for r in json.load(sys.stdin)]))
