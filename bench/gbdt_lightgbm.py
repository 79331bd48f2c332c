"""LightGBM baseline of bench/gbdt.ts: reads the feature matrix the TypeScript side wrote, trains with the same
settings on one thread, and prints JSON {seconds, cpu_seconds, auc} (lgb.train only, which also bins the data)."""
import json
import sys
import time

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score

meta = json.load(open(sys.argv[1]))
d = meta["dir"]
f = meta["n_features"]
x_train = np.fromfile(f"{d}/x_train.f64", dtype=np.float64).reshape(-1, f)
y_train = np.fromfile(f"{d}/y_train.f64", dtype=np.float64)
x_test = np.fromfile(f"{d}/x_test.f64", dtype=np.float64).reshape(-1, f)
y_test = np.fromfile(f"{d}/y_test.f64", dtype=np.float64)
params = {
    "objective": "binary",
    "num_leaves": meta["max_leaves"],
    "max_bin": meta["max_bins"],
    "learning_rate": meta["learning_rate"],
    "min_data_in_leaf": meta["min_samples_leaf"],
    "lambda_l2": 0.0,
    "num_threads": 1,
    "deterministic": True,
    "force_col_wise": True,
    "verbose": -1,
    "seed": 0,
}
train = lgb.Dataset(x_train, y_train, feature_name=meta["feature_names"], categorical_feature=meta["categorical"], free_raw_data=False)
start = time.perf_counter()
cpu_start = time.process_time()
booster = lgb.train(params, train, num_boost_round=meta["trees"])
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
auc = roc_auc_score(y_test, booster.predict(x_test, num_threads=1))
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "auc": auc, "lightgbm": lgb.__version__}))
