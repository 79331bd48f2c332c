"""The unmodified mlflow client against an mloop server with --auth (credentials from the environment)."""

import json
import mlflow
from mlflow import MlflowClient

mlflow.set_experiment("secured")
with mlflow.start_run(run_name="with-credentials") as run:
    mlflow.log_param("p", "1")
    mlflow.log_metric("m", 0.5)
got = MlflowClient().get_run(run.info.run_id)
assert got.data.params == {"p": "1"}, got.data.params
print(json.dumps({"run_id": run.info.run_id}))
