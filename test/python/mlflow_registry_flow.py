"""Drives mloop's model registry with the unmodified `mlflow` Python client; raises on any mismatch."""

import json
import os
import tempfile

import mlflow
import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException


def check(label, actual, expected):
    if actual != expected:
        raise AssertionError(f"{label}: expected {expected!r}, got {actual!r}")


def expect_error(label, code, fn):
    try:
        fn()
    except MlflowException as e:
        check(f"{label} error code", e.error_code, code)
        return str(e)
    raise AssertionError(f"{label}: expected {code}")


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


client = MlflowClient()
mlflow.set_experiment("registry-flow")

# A run with a logged model (MLflow 3) and a plain artifact folder holding an MLmodel (MLflow 2 style).
with mlflow.start_run(run_name="train") as run:
    mlflow.log_param("alpha", "0.5")
    info = mlflow.pyfunc.log_model(name="echo", python_model=Echo(), pip_requirements=["mlflow"])
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "MLmodel"), "w") as f:
        f.write("flavors:\n  python_function:\n    loader_module: none\n")
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(b"\x00\x01\x02")
    mlflow.log_artifacts(folder, artifact_path="plain")
run_id = run.info.run_id

# register_model creates the registered model, then version 1 from the logged model.
mv1 = mlflow.register_model(info.model_uri, "flight-delay")
check("v1", mv1.version, "1")
check("v1 status", mv1.status, "READY")
mv2 = mlflow.register_model(f"runs:/{run_id}/plain", "flight-delay")
check("v2", mv2.version, "2")
check("v2 run id", mv2.run_id, run_id)

created = client.create_registered_model("churn", tags={"team": "growth"}, description="churn model")
check("created name", created.name, "churn")
expect_error("duplicate model", "RESOURCE_ALREADY_EXISTS", lambda: client.create_registered_model("churn"))
mv = client.create_model_version("churn", f"runs:/{run_id}/plain", run_id=run_id, tags={"candidate": "yes"}, description="first")
check("churn v1", mv.version, "1")
check("version tags", mv.tags, {"candidate": "yes"})

client.set_registered_model_alias("flight-delay", "champion", "1")
client.set_registered_model_alias("flight-delay", "challenger", "2")
check("by alias", client.get_model_version_by_alias("flight-delay", "champion").version, "1")
client.set_registered_model_alias("flight-delay", "champion", "2")
check("alias moved", client.get_model_version_by_alias("flight-delay", "champion").version, "2")
model = client.get_registered_model("flight-delay")
check("aliases on model", model.aliases, {"champion": "2", "challenger": "2"})
check("aliases on version", sorted(client.get_model_version("flight-delay", "2").aliases), ["challenger", "champion"])
expect_error("reserved alias", "INVALID_PARAMETER_VALUE", lambda: client.set_registered_model_alias("flight-delay", "latest", "1"))
expect_error("v-number alias", "INVALID_PARAMETER_VALUE", lambda: client.set_registered_model_alias("flight-delay", "v3", "1"))
expect_error("alias to missing version", "RESOURCE_DOES_NOT_EXIST", lambda: client.set_registered_model_alias("flight-delay", "x", "99"))
client.delete_registered_model_alias("flight-delay", "challenger")
expect_error("deleted alias", "RESOURCE_DOES_NOT_EXIST", lambda: client.get_model_version_by_alias("flight-delay", "challenger"))

found = client.search_model_versions("name = 'flight-delay'")
check("search versions", sorted(v.version for v in found), ["1", "2"])
check("search by run", sorted(v.name for v in client.search_model_versions(f"run_id = '{run_id}'")), ["churn", "flight-delay", "flight-delay"])
check("search models", [m.name for m in client.search_registered_models("name LIKE 'fl%'")], ["flight-delay"])
check("search models by tag", [m.name for m in client.search_registered_models("tags.team = 'growth'")], ["churn"])

staged = client.transition_model_version_stage("flight-delay", "1", "Staging")
check("stage", staged.current_stage, "Staging")
client.transition_model_version_stage("flight-delay", "2", "production", archive_existing_versions=True)
latest = {v.current_stage: v.version for v in client.get_latest_versions("flight-delay")}
check("latest per stage", latest, {"Staging": "1", "Production": "2"})

client.set_registered_model_tag("flight-delay", "owner", "ops")
client.set_model_version_tag("flight-delay", "1", "validated", "true")
check("model tag", client.get_registered_model("flight-delay").tags, {"owner": "ops"})
check("version tag", client.get_model_version("flight-delay", "1").tags, {"validated": "true"})
client.delete_model_version_tag("flight-delay", "1", "validated")
client.update_registered_model("flight-delay", description="predicts delays")
client.update_model_version("flight-delay", "1", description="baseline")
check("descriptions", (client.get_registered_model("flight-delay").description, client.get_model_version("flight-delay", "1").description), ("predicts delays", "baseline"))

# Download through models:/ URIs (version and alias) and load the model back.
dst = mlflow.artifacts.download_artifacts("models:/flight-delay/2", dst_path=tempfile.mkdtemp())
with open(os.path.join(dst, "weights.bin"), "rb") as f:
    check("downloaded by version", f.read(), b"\x00\x01\x02")
dst = mlflow.artifacts.download_artifacts("models:/flight-delay@champion", dst_path=tempfile.mkdtemp())
check("downloaded by alias", {"MLmodel", "weights.bin"} <= set(os.listdir(dst)), True)
loaded = mlflow.pyfunc.load_model("models:/flight-delay/1")
import pandas as pd  # noqa: E402

check("registered model predicts", loaded.predict(pd.DataFrame({"x": [7]}))["x"].tolist(), [7])
check("download uri", client.get_model_version_download_uri("flight-delay", "2").startswith("mlflow-artifacts:/"), True)

# Security: sources outside the artifact store are refused (MLflow CVE-2023-1177 family).
for evil in ["/etc", "file:///etc/passwd", "mlflow-artifacts:/../../etc", "s3://other-bucket/x", "runs:/" + run_id + "/../../x"]:
    expect_error(f"source {evil}", "INVALID_PARAMETER_VALUE", lambda evil=evil: client.create_model_version("churn", evil))

client.rename_registered_model("churn", "churn-v2")
check("renamed", client.get_model_version("churn-v2", "1").name, "churn-v2")
expect_error("delete with aliases", "INVALID_PARAMETER_VALUE", lambda: client.delete_registered_model("flight-delay"))
client.delete_model_version("churn-v2", "1")
client.delete_registered_model("churn-v2")
expect_error("deleted model", "RESOURCE_DOES_NOT_EXIST", lambda: client.get_registered_model("churn-v2"))

print(json.dumps({"run_id": run_id, "model_id": info.model_id}))
