"""Evidently's DataDriftPreset on the flights table: January as reference, February-June as current (bench/drift.ts).

Usage: python bench/drift_evidently.py FLIGHTS_PARQUET [small]. Prints one JSON line: seconds to import, read and split, and
run the report; peak RSS; the per-column drift scores and the dataset verdict, so mloop's values can be compared.
"""
import json
import resource
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
from evidently import Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

t_import = time.perf_counter()
cpu_import = time.process_time()
df = pd.read_parquet(sys.argv[1])
month = df["date"].dt.month
features = ["delay", "distance", "origin", "destination"]
reference = df.loc[month == 1, features].reset_index(drop=True)
current = df.loc[(month >= 2) & (month <= 6), features].reset_index(drop=True)
if len(sys.argv) > 2 and sys.argv[2] == "small":
    # The first 1,000 rows of each side: a small reference, so the p-value tests (KS, chi-square) are the defaults.
    reference = reference.head(1000)
    current = current.head(1000)
del df, month
t_read = time.perf_counter()
cpu_read = time.process_time()
snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
t_drift = time.perf_counter()
cpu_drift = time.process_time()
result = snapshot.dict()
columns = {}
share = None
drifted = None
for m in result["metrics"]:
    name = m.get("metric_name", "")
    value = m.get("value")
    if name.startswith("ValueDrift"):
        col = m["config"]["column"]
        columns[col] = {"score": value, "method": m["config"].get("method"), "threshold": m["config"].get("threshold")}
    elif name.startswith("DriftedColumnsCount"):
        share = value.get("share")
        drifted = value.get("count")
print(
    json.dumps(
        {
            "rows": [len(reference), len(current)],
            "importSeconds": t_import - t0,
            "readSeconds": t_read - t_import,
            "readCpuSeconds": cpu_read - cpu_import,
            "driftSeconds": t_drift - t_read,
            "driftCpuSeconds": cpu_drift - cpu_read,
            "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "columns": columns,
            "share": share,
            "driftedColumns": drifted,
        }
    )
)
