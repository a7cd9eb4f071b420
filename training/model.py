"""The digit CNN (LeNet-like, 12 classes) and its export to a plain ONNX graph for cv2.dnn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from ocr.digits import INPUT_SIZE

N_CLASSES = 12
CHANNELS = (32, 64, 64)
HIDDEN = 128
OPSET = 13


class DigitNet(nn.Module):
    """Three conv-relu-maxpool blocks, then two fully connected layers; logits out."""

    def __init__(self) -> None:
        super().__init__()
        c1, c2, c3 = CHANNELS
        self.convs = nn.ModuleList(
            [
                nn.Conv2d(1, c1, 3, padding=1),
                nn.Conv2d(c1, c2, 3, padding=1),
                nn.Conv2d(c2, c3, 3, padding=1),
            ]
        )
        side = INPUT_SIZE // 2 // 2 // 2
        self.fc1 = nn.Linear(c3 * side * side, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, N_CLASSES)
        self.drop = nn.Dropout(0.3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, 12) for a batch (N, 1, 28, 28)."""
        for conv in self.convs:
            x = nn.functional.max_pool2d(torch.relu(conv(x)), 2)
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(self.drop(x))


def load_onnx_weights(model: DigitNet, path: Path) -> None:
    """Copy the weights of a model exported by `export_onnx` into `model` (to fine-tune it)."""
    weights = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    layers = [*(("conv", i, c) for i, c in enumerate(model.convs)), ("fc", 0, model.fc1)]
    layers.append(("fc", 1, model.fc2))
    with torch.no_grad():
        for kind, i, layer in layers:
            layer.weight.copy_(torch.from_numpy(weights[f"{kind}{i}.w"].copy()))
            layer.bias.copy_(torch.from_numpy(weights[f"{kind}{i}.b"].copy()))


def _init(name: str, tensor: torch.Tensor) -> onnx.TensorProto:
    return numpy_helper.from_array(tensor.detach().cpu().numpy().astype(np.float32), name)


def export_onnx(model: DigitNet, path: Path) -> None:
    """Write the model as Conv/Relu/MaxPool/Flatten/Gemm/Softmax (probabilities out), opset 13."""
    nodes, inits, prev = [], [], "input"
    for i, conv in enumerate(model.convs):
        inits += [_init(f"conv{i}.w", conv.weight), _init(f"conv{i}.b", conv.bias)]
        nodes += [
            helper.make_node(
                "Conv",
                [prev, f"conv{i}.w", f"conv{i}.b"],
                [f"c{i}"],
                kernel_shape=[3, 3],
                pads=[1, 1, 1, 1],
            ),
            helper.make_node("Relu", [f"c{i}"], [f"r{i}"]),
            helper.make_node("MaxPool", [f"r{i}"], [f"p{i}"], kernel_shape=[2, 2], strides=[2, 2]),
        ]
        prev = f"p{i}"
    for i, fc in enumerate((model.fc1, model.fc2)):
        inits += [_init(f"fc{i}.w", fc.weight), _init(f"fc{i}.b", fc.bias)]
    nodes += [
        helper.make_node("Flatten", [prev], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc0.w", "fc0.b"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("Gemm", ["hr", "fc1.w", "fc1.b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "digits",
        [
            helper.make_tensor_value_info(
                "input", TensorProto.FLOAT, ["batch", 1, INPUT_SIZE, INPUT_SIZE]
            )
        ],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", N_CLASSES])],
        inits,
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="rekap-audit"
    )
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(path))
