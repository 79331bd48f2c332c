"""Drives an mloop server with the unmodified `mlflow` Python client and checks every value it reads back.

Run with MLFLOW_TRACKING_URI pointing at the server. Prints one JSON object of facts on the last line; any
mismatch raises (exit code 1) with the expected and actual values.
"""

import json
import math
import os
import sys
import tempfile
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag


def check(label, actual, expected):
    if actual != expected:
        raise AssertionError(f"{label}: expected {expected!r}, got {actual!r}")


client = MlflowClient()
facts = {}

experiment = mlflow.set_experiment("python-client")
experiment_id = experiment.experiment_id
check("set_experiment is idempotent", mlflow.set_experiment("python-client").experiment_id, experiment_id)

work = tempfile.mkdtemp()
with open(os.path.join(work, "notes.txt"), "w") as f:
    f.write("hello from python")
os.makedirs(os.path.join(work, "folder", "sub"))
with open(os.path.join(work, "folder", "a.json"), "w") as f:
    f.write('{"x": 1}')
with open(os.path.join(work, "folder", "sub", "b.txt"), "w") as f:
    f.write("bbb")

with mlflow.start_run(run_name="py-run") as run:
    run_id = run.info.run_id
    mlflow.log_param("lr", 0.01)
    mlflow.log_params({"depth": 6, "model": "gbdt"})
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.log_metrics({"acc": 0.91, "f1": 0.8}, step=4)
    mlflow.log_metric("nan_metric", float("nan"))
    mlflow.log_metric("inf_metric", float("inf"))
    mlflow.set_tag("team", "ml")
    mlflow.set_tags({"a": "1", "b": "2"})
    mlflow.log_artifact(os.path.join(work, "notes.txt"))
    mlflow.log_artifacts(os.path.join(work, "folder"), artifact_path="folder")
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric("batch_m", float(i), now, i) for i in range(100)],
        params=[Param("bp", "x")],
        tags=[RunTag("bt", "y")],
    )
    mlflow.log_dict({"k": [1, 2]}, "dict/data.json")

finished = client.get_run(run_id)
check("status after end_run", finished.info.status, "FINISHED")
check("run name", finished.info.run_name, "py-run")
check("params", finished.data.params, {"lr": "0.01", "depth": "6", "model": "gbdt", "bp": "x"})
check("latest loss", finished.data.metrics["loss"], 0.2)
check("acc", finished.data.metrics["acc"], 0.91)
check("batch_m latest", finished.data.metrics["batch_m"], 99.0)
check("nan metric is NaN", math.isnan(finished.data.metrics["nan_metric"]), True)
check("inf metric clamped", finished.data.metrics["inf_metric"], 1.7976931348623157e308)
for key, value in {"team": "ml", "a": "1", "b": "2", "bt": "y", "mlflow.runName": "py-run"}.items():
    check(f"tag {key}", finished.data.tags.get(key), value)
check("end_time set", finished.info.end_time is not None and finished.info.end_time >= finished.info.start_time, True)
check("user tag recorded", bool(finished.data.tags.get("mlflow.user")), True)

history = client.get_metric_history(run_id, "loss")
check("loss history steps", [m.step for m in history], [0, 1, 2, 3, 4])
check("loss history values", [round(m.value, 6) for m in history], [1.0, 0.5, 0.333333, 0.25, 0.2])
check("batch history", len(client.get_metric_history(run_id, "batch_m")), 100)

with mlflow.start_run(run_name="second") as second:
    mlflow.log_param("model", "linear")
    mlflow.log_metric("acc", 0.7)
    mlflow.end_run(status="FAILED")
check("failed status", client.get_run(second.info.run_id).info.status, "FAILED")

with mlflow.start_run(run_name="third") as third:
    mlflow.log_param("model", "gbdt")
    mlflow.log_metric("acc", 0.95)

found = mlflow.search_runs(
    experiment_ids=[experiment_id],
    filter_string="params.model = 'gbdt' and metrics.acc > 0.5",
    order_by=["metrics.acc DESC"],
    output_format="list",
)
check("search_runs order", [r.info.run_name for r in found], ["third", "py-run"])
check("search by status", [r.info.run_name for r in client.search_runs([experiment_id], "attributes.status = 'FAILED'")], ["second"])
paged = client.search_runs([experiment_id], max_results=2)
check("first page size", len(paged), 2)
check("has a next page", bool(paged.token), True)
rest = client.search_runs([experiment_id], max_results=2, page_token=paged.token)
check("second page", len(rest), 1)

top = sorted(a.path for a in client.list_artifacts(run_id))
check("artifact listing", top, ["dict", "folder", "notes.txt"])
check("nested listing", sorted(a.path for a in client.list_artifacts(run_id, "folder")), ["folder/a.json", "folder/sub"])
dst = tempfile.mkdtemp()
local = mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=dst)
with open(os.path.join(local, "notes.txt")) as f:
    check("downloaded notes", f.read(), "hello from python")
with open(os.path.join(local, "folder", "sub", "b.txt")) as f:
    check("downloaded nested", f.read(), "bbb")
check("load_dict", mlflow.artifacts.load_dict(f"runs:/{run_id}/dict/data.json"), {"k": [1, 2]})

client.delete_run(second.info.run_id)
check("deleted run hidden", len(client.search_runs([experiment_id])), 2)
client.restore_run(second.info.run_id)

exp_by_name = client.get_experiment_by_name("python-client")
check("experiment by name", exp_by_name.experiment_id, experiment_id)
check("missing experiment", client.get_experiment_by_name("no-such-experiment"), None)
client.set_experiment_tag(experiment_id, "owner", "py")
check("experiment tag", client.get_experiment(experiment_id).tags.get("owner"), "py")

# MLflow 3: log_model creates a LoggedModel, uploads its files and links it to the run.
import mlflow.pyfunc  # noqa: E402


class AddOne(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input + 1


with mlflow.start_run(run_name="with-model") as model_run:
    info = mlflow.pyfunc.log_model(name="adder", python_model=AddOne(), pip_requirements=["mlflow"])
model = client.get_logged_model(info.model_id)
check("logged model ready", str(model.status), "READY")
check("logged model source run", model.source_run_id, model_run.info.run_id)
model_files = mlflow.artifacts.download_artifacts(info.model_uri, dst_path=tempfile.mkdtemp())
check("MLmodel downloaded", os.path.exists(os.path.join(model_files, "MLmodel")), True)
loaded = mlflow.pyfunc.load_model(info.model_uri)
import pandas as pd  # noqa: E402

check("loaded model predicts", loaded.predict(pd.DataFrame({"x": [1, 2]}))["x"].tolist(), [2, 3])

facts.update(experiment_id=experiment_id, run_id=run_id, model_id=info.model_id, mlflow_version=mlflow.__version__)
print(json.dumps(facts))
sys.stdout.flush()
