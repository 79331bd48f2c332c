"""The real tritonclient.http against mloop's Open Inference Protocol endpoints.

usage: triton_client_flow.py HOST:PORT MODEL   (MODEL takes X float[-1,4] -> label int64[-1], probabilities float[-1,2])
Prints one JSON line with what the client saw.
"""

import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

url, model = sys.argv[1], sys.argv[2]
client = httpclient.InferenceServerClient(url=url)
out = {
    "live": client.is_server_live(),
    "ready": client.is_server_ready(),
    "model_ready": client.is_model_ready(model),
    "metadata": client.get_model_metadata(model),
    "server": client.get_server_metadata(),
}
x = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.1, 0.5, 0.2], [0.3, 0.3, 0.3, 0.3]], dtype=np.float32)

# Defaults: binary input data, binary outputs.
inp = httpclient.InferInput("X", list(x.shape), "FP32")
inp.set_data_from_numpy(x)
res = client.infer(model, [inp])
r = res.get_response()
out["binary"] = {
    "label_shape": list(res.as_numpy("label").shape),
    "probabilities_shape": list(res.as_numpy("probabilities").shape),
    "probabilities": res.as_numpy("probabilities").tolist(),
    "model_version": r.get("model_version"),
}

# JSON input and output, with a request id.
inp = httpclient.InferInput("X", list(x.shape), "FP32")
inp.set_data_from_numpy(x, binary_data=False)
outs = [httpclient.InferRequestedOutput("probabilities", binary_data=False)]
res = client.infer(model, [inp], outputs=outs, request_id="req-7")
out["json"] = {
    "probabilities_shape": list(res.as_numpy("probabilities").shape),
    "probabilities": res.as_numpy("probabilities").tolist(),
    "id": res.get_response().get("id"),
}

try:
    client.infer("nope", [inp])
except InferenceServerException as e:
    out["unknown_model_error"] = e.message()

bad = httpclient.InferInput("X", [3, 3], "FP32")
bad.set_data_from_numpy(np.zeros((3, 3), dtype=np.float32))
try:
    client.infer(model, [bad])
except InferenceServerException as e:
    out["bad_shape_error"] = e.message()

print(json.dumps(out))
