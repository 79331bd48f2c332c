"""Builds small ONNX models for the serving tests and benchmark, with tensor outputs only (no ZipMap).

usage: make_onnx_model.py KIND OUT.onnx [--features N] [--trees T] [--depth D] [--offset X] [--seed S] [--size K]

KIND:
  linear      ai.onnx.ml LinearRegressor: X float[N,F] -> variable float[N,1] = sum(X) * 0.5 + offset
  gbdt        ai.onnx.ml TreeEnsembleRegressor, T random trees of depth D: X float[N,F] -> variable float[N,1]
  classifier  ai.onnx.ml TreeEnsembleClassifier (2 classes): X float[N,F] -> label int64[N], probabilities float[N,2]
  two_inputs  x float[N,1], k int64[N,1] -> y float[N,1] = x + k + offset
  slow        x float[N,1] -> y float[N,1] = x + sum(E @ E) * 0 + offset, E a KxK matrix built from x (takes time)
"""

import argparse
import random

import numpy as np
import onnx
from onnx import TensorProto, helper

ML = helper.make_opsetid("ai.onnx.ml", 3)
ONNX = helper.make_opsetid("", 17)


def linear(features: int, offset: float) -> onnx.ModelProto:
    node = helper.make_node(
        "LinearRegressor",
        ["X"],
        ["variable"],
        domain="ai.onnx.ml",
        coefficients=[0.5] * features,
        intercepts=[offset],
        targets=1,
    )
    graph = helper.make_graph(
        [node],
        "linear",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", features])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])],
    )
    return helper.make_model(graph, opset_imports=[ONNX, ML])


def random_trees(features: int, trees: int, depth: int, seed: int, leaf):
    rnd = random.Random(seed)
    attrs = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
                             "nodes_truenodeids", "nodes_falsenodeids", "nodes_hitrates",
                             "nodes_missing_value_tracks_true"]}
    leaves = []
    for t in range(trees):
        internal = 2**depth - 1
        total = 2 ** (depth + 1) - 1
        for n in range(total):
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(n)
            attrs["nodes_hitrates"].append(1.0)
            attrs["nodes_missing_value_tracks_true"].append(0)
            if n < internal:
                attrs["nodes_featureids"].append(rnd.randrange(features))
                attrs["nodes_values"].append(rnd.uniform(-1, 1))
                attrs["nodes_modes"].append("BRANCH_LEQ")
                attrs["nodes_truenodeids"].append(2 * n + 1)
                attrs["nodes_falsenodeids"].append(2 * n + 2)
            else:
                attrs["nodes_featureids"].append(0)
                attrs["nodes_values"].append(0.0)
                attrs["nodes_modes"].append("LEAF")
                attrs["nodes_truenodeids"].append(0)
                attrs["nodes_falsenodeids"].append(0)
                leaves.append((t, n, leaf(rnd)))
    return attrs, leaves


def gbdt(features: int, trees: int, depth: int, seed: int, offset: float) -> onnx.ModelProto:
    attrs, leaves = random_trees(features, trees, depth, seed, lambda r: r.uniform(-0.1, 0.1))
    node = helper.make_node(
        "TreeEnsembleRegressor",
        ["X"],
        ["variable"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[offset],
        target_treeids=[t for t, _, _ in leaves],
        target_nodeids=[n for _, n, _ in leaves],
        target_ids=[0] * len(leaves),
        target_weights=[w for _, _, w in leaves],
        **attrs,
    )
    graph = helper.make_graph(
        [node],
        "gbdt",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", features])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])],
    )
    return helper.make_model(graph, opset_imports=[ONNX, ML])


def classifier(features: int, trees: int, depth: int, seed: int) -> onnx.ModelProto:
    attrs, leaves = random_trees(features, trees, depth, seed, lambda r: r.uniform(0, 1))
    class_treeids, class_nodeids, class_ids, class_weights = [], [], [], []
    for t, n, p in leaves:
        for c, w in ((0, (1 - p) / trees), (1, p / trees)):
            class_treeids.append(t)
            class_nodeids.append(n)
            class_ids.append(c)
            class_weights.append(w)
    node = helper.make_node(
        "TreeEnsembleClassifier",
        ["X"],
        ["label", "probabilities"],
        domain="ai.onnx.ml",
        classlabels_int64s=[0, 1],
        post_transform="NONE",
        class_treeids=class_treeids,
        class_nodeids=class_nodeids,
        class_ids=class_ids,
        class_weights=class_weights,
        **attrs,
    )
    graph = helper.make_graph(
        [node],
        "classifier",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", features])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2]),
        ],
    )
    return helper.make_model(graph, opset_imports=[ONNX, ML])


def two_inputs(offset: float) -> onnx.ModelProto:
    nodes = [
        helper.make_node("Cast", ["k"], ["kf"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["x", "kf"], ["s"]),
        helper.make_node("Constant", [], ["c"], value=helper.make_tensor("c", TensorProto.FLOAT, [], [offset])),
        helper.make_node("Add", ["s", "c"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "two_inputs",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("k", TensorProto.INT64, ["N", 1]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
    )
    return helper.make_model(graph, opset_imports=[ONNX])


def slow(size: int, offset: float) -> onnx.ModelProto:
    """Work that depends on the input, so the runtime cannot fold it away at load time."""
    const = lambda name, dtype, dims, vals: helper.make_node(  # noqa: E731
        "Constant", [], [name], value=helper.make_tensor(name, dtype, dims, vals)
    )
    nodes = [
        const("shape", TensorProto.INT64, [2], [size, size]),
        const("zero", TensorProto.FLOAT, [], [0.0]),
        const("off", TensorProto.FLOAT, [], [offset]),
        helper.make_node("ReduceSum", ["x"], ["sx"], keepdims=0),
        helper.make_node("Expand", ["sx", "shape"], ["e"]),
        helper.make_node("MatMul", ["e", "e"], ["m1"]),
        helper.make_node("MatMul", ["m1", "e"], ["m2"]),
        helper.make_node("ReduceSum", ["m2"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["x", "nothing"], ["x2"]),
        helper.make_node("Add", ["x2", "off"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "slow",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
    )
    return helper.make_model(graph, opset_imports=[ONNX])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["linear", "gbdt", "classifier", "two_inputs", "slow"])
    p.add_argument("out")
    p.add_argument("--features", type=int, default=4)
    p.add_argument("--trees", type=int, default=10)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--offset", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--size", type=int, default=600)
    a = p.parse_args()
    if a.kind == "linear":
        model = linear(a.features, a.offset)
    elif a.kind == "gbdt":
        model = gbdt(a.features, a.trees, a.depth, a.seed, a.offset)
    elif a.kind == "classifier":
        model = classifier(a.features, a.trees, a.depth, a.seed)
    elif a.kind == "two_inputs":
        model = two_inputs(a.offset)
    else:
        model = slow(a.size, a.offset)
    model.ir_version = 8  # readable by onnxruntime builds that predate the newest IR
    onnx.checker.check_model(model)
    onnx.save(model, a.out)
    np.random.seed(0)


if __name__ == "__main__":
    main()
