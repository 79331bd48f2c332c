"""Reference values for test/learn: scikit-learn, Fairlearn, onnx.checker and onnxruntime (Python).

Reads one JSON request {"op": ..., ...} (or a list of them) on stdin and prints the JSON answer (or list of
answers). Missing numbers travel as null.
"""
import json
import math
import sys

import numpy as np


def num(values):
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def clean(value):
    """JSON without NaN/Infinity (JavaScript's JSON.parse refuses them): they become null."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def classification(req):
    from sklearn import metrics as m

    y_true = np.array(req["y_true"])
    y_pred = np.array(req["y_pred"])
    proba = np.array(req["proba"], dtype=np.float64)
    labels = req["labels"]
    out = {"accuracy": m.accuracy_score(y_true, y_pred)}
    for avg in ("macro", "micro", "weighted"):
        out[f"precision_{avg}"] = m.precision_score(y_true, y_pred, average=avg, zero_division=0)
        out[f"recall_{avg}"] = m.recall_score(y_true, y_pred, average=avg, zero_division=0)
        out[f"f1_{avg}"] = m.f1_score(y_true, y_pred, average=avg, zero_division=0)
    out["log_loss"] = m.log_loss(y_true, proba, labels=labels)
    out["confusion_matrix"] = m.confusion_matrix(y_true, y_pred, labels=labels)
    if len(labels) == 2:
        pos = labels[1]
        out["precision"] = m.precision_score(y_true, y_pred, pos_label=pos, zero_division=0)
        out["recall"] = m.recall_score(y_true, y_pred, pos_label=pos, zero_division=0)
        out["f1"] = m.f1_score(y_true, y_pred, pos_label=pos, zero_division=0)
        out["roc_auc"] = m.roc_auc_score(y_true == pos, proba[:, 1])
        out["pr_auc"] = m.average_precision_score(y_true == pos, proba[:, 1])
        from sklearn.calibration import calibration_curve

        prob_true, prob_pred = calibration_curve(y_true == pos, proba[:, 1], n_bins=req.get("n_bins", 10))
        out["calibration"] = {"fraction_positive": prob_true, "mean_predicted": prob_pred}
    else:
        out["roc_auc"] = m.roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=labels)
        from sklearn.preprocessing import label_binarize

        out["pr_auc"] = m.average_precision_score(label_binarize(y_true, classes=labels), proba, average="macro")
    return out


def regression(req):
    from sklearn import metrics as m

    y = num(req["y"])
    p = num(req["pred"])
    return {
        "rmse": m.root_mean_squared_error(y, p),
        "mae": m.mean_absolute_error(y, p),
        "mape": m.mean_absolute_percentage_error(y, p),
        "r2": m.r2_score(y, p),
    }


def fairness(req):
    import fairlearn.metrics as fm

    y_true = np.array(req["y_true"])
    y_pred = np.array(req["y_pred"])
    sf = np.array(req["sensitive"])
    frame = fm.MetricFrame(
        metrics={
            "selection_rate": fm.selection_rate,
            "true_positive_rate": fm.true_positive_rate,
            "false_positive_rate": fm.false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sf,
    )
    return {
        "demographic_parity_difference": fm.demographic_parity_difference(y_true, y_pred, sensitive_features=sf),
        "demographic_parity_ratio": fm.demographic_parity_ratio(y_true, y_pred, sensitive_features=sf),
        "equalized_odds_difference": fm.equalized_odds_difference(y_true, y_pred, sensitive_features=sf),
        "equalized_odds_ratio": fm.equalized_odds_ratio(y_true, y_pred, sensitive_features=sf),
        "equal_opportunity_difference": fm.equal_opportunity_difference(y_true, y_pred, sensitive_features=sf),
        "equal_opportunity_ratio": fm.equal_opportunity_ratio(y_true, y_pred, sensitive_features=sf),
        "by_group": {str(k): v for k, v in frame.by_group.to_dict(orient="index").items()},
    }


def design(req):
    """The raw columns as a pandas frame: numbers (NaN missing) and strings ("" missing, as mloop encodes it)."""
    import pandas as pd

    cols = {}
    for name, spec in req["columns"].items():
        if spec["kind"] == "numeric":
            cols[name] = num(spec["values"])
        else:
            cols[name] = np.array(["" if v is None else v for v in spec["values"]], dtype=object)
    return pd.DataFrame(cols)


def linear_pipeline(req, estimator):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [n for n, s in req["columns"].items() if s["kind"] == "numeric"]
    categorical = [n for n, s in req["columns"].items() if s["kind"] == "categorical"]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    return Pipeline([("pre", pre), ("model", estimator)])


def fit_linear(req):
    from sklearn.linear_model import LogisticRegression, Ridge

    x = design(req)
    y = np.array(req["y"])
    test = design({"columns": req["test_columns"]})
    if req["learner"] == "linear":
        pipe = linear_pipeline(req, Ridge(alpha=req["l2"]))
        pipe.fit(x, y.astype(np.float64))
        return {"pred": pipe.predict(test)}
    pipe = linear_pipeline(req, LogisticRegression(C=1.0 / req["l2"], tol=1e-12, max_iter=100000))
    pipe.fit(x, y)
    return {"proba": pipe.predict_proba(test), "classes": pipe.classes_.tolist()}


def hgb(req):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    xtr = np.array(req["x_train"], dtype=np.float64)
    xte = np.array(req["x_test"], dtype=np.float64)
    ytr = np.array(req["y_train"])
    yte = np.array(req["y_test"])
    kw = dict(max_iter=req["trees"], learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, early_stopping=False, random_state=0)
    if req["task"] == "regression":
        model = HistGradientBoostingRegressor(**kw).fit(xtr, ytr)
        return {"r2": r2_score(yte, model.predict(xte))}
    model = HistGradientBoostingClassifier(**kw).fit(xtr, ytr)
    out = {"accuracy": accuracy_score(yte, model.predict(xte))}
    if req["task"] == "binary":
        out["roc_auc"] = roc_auc_score(yte, model.predict_proba(xte)[:, 1])
    return out


def dataset(req):
    from sklearn import datasets

    loader = {"breast_cancer": datasets.load_breast_cancer, "iris": datasets.load_iris, "wine": datasets.load_wine, "diabetes": datasets.load_diabetes}[req["name"]]
    d = loader()
    return {"feature_names": [str(n) for n in d.feature_names], "data": d.data, "target": d.target}


def onnx_check(req):
    import onnx
    import onnxruntime as ort

    model = onnx.load(req["path"])
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(req["path"], providers=["CPUExecutionProvider"])
    feeds = {}
    for name, spec in req["feeds"].items():
        if spec["kind"] == "numeric":
            feeds[name] = num(spec["values"]).astype(np.float32).reshape(-1, 1)
        else:
            feeds[name] = np.array(["" if v is None else v for v in spec["values"]], dtype=object).reshape(-1, 1)
    names = [o.name for o in session.get_outputs()]
    outputs = session.run(names, feeds)
    return {
        "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "ops": sorted({n.op_type for n in model.graph.node}),
        "outputs": {n: (o.tolist() if o.dtype != object else [str(v) for v in o.tolist()]) for n, o in zip(names, outputs)},
    }


OPS = {
    "classification": classification,
    "regression": regression,
    "fairness": fairness,
    "fit_linear": fit_linear,
    "hgb": hgb,
    "dataset": dataset,
    "onnx_check": onnx_check,
}

if __name__ == "__main__":
    request = json.load(sys.stdin)
    if isinstance(request, list):
        print(json.dumps([clean(OPS[r["op"]](r)) for r in request]))
    else:
        print(json.dumps(clean(OPS[request["op"]](request))))
