#!/usr/bin/python3
"""ONNX interop fixtures for tests/lib/test-onnx.cc.

Exports small PyTorch models with torch.onnx.export (as users do) and
torch's own outputs on fixed inputs, so the C library's ONNX import can be
checked against torch without torch at test time. The generated files are
committed; neither torch nor onnx is a dependency of the build or tests.

Regenerate (Debian 12: apt-get install python3-torch python3-numpy; the
python3-onnx package is not needed, torch writes the protobuf itself):

    /usr/bin/python3 tests/data/gen-onnx-fixtures.py tests/data

Models (NAME.onnx, and NAME-io.safetensors: x (T, D) F32 or ids (T,) I32,
and y (T, Q) torch's output on batch 1, from a zero state):

  onnx-lstm        2-layer nn.LSTM(5, 7) + nn.Linear(7, 3), opset 14,
                   dynamic T and batch axes (zero state built by Shape /
                   ConstantOfShape / Slice), MatMul + Add head
  onnx-rnn         2-layer tanh nn.RNN(3, 6, batch_first=True) +
                   nn.Linear(6, 2), opset 17, fixed shapes (Transpose glue,
                   Expand'ed zero state)
  onnx-lstm-gemm   nn.LSTM(4, 5) whose output is reshaped to (-1, 5) before
                   nn.Linear(5, 2): Reshape glue and a Gemm head, opset 15
  onnx-lstm-nohead nn.LSTM(3, 4), no head: y is the hidden state, opset 14
  onnx-embed-lstm  nn.Embedding(11, 4) + nn.LSTM(4, 6) + nn.Linear(6, 11),
                   int64 ids in, Gather embedding, opset 14

Refused models (only NAME.onnx; the test checks the error names the node
and the op or attribute), then onnx-gru (listed here for the file order):

  onnx-bad-bidir   bidirectional nn.LSTM(3, 4)
  onnx-bad-relu    nn.RNN(3, 4, nonlinearity="relu")
  onnx-bad-softmax nn.LSTM(3, 4) + nn.Linear(4, 2) + softmax
  onnx-bad-last    nn.LSTM(3, 4) whose last state h_n feeds the head
  onnx-gru         nn.GRU(3, 4) + nn.Linear(4, 2), opset 14
                   (linear_before_reset=1), with -io
"""

import json
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {np.dtype("<f4"): "F32", np.dtype("<i4"): "I32"}


def save_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (float32 or int32), in file order."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, arr in tensors.items():
        arr = arr.astype("<f4" if arr.dtype == np.float32 else "<i4")
        data = np.ascontiguousarray(arr).tobytes()
        header[name] = {
            "dtype": DTYPES[arr.dtype],
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


class Seq(nn.Module):
    """rnn (+ optional head) on (T, N, D) or (N, T, D) input."""

    def __init__(self, rnn, head=None, embed=None, reshape=False,
                 softmax=False, last=False):
        super().__init__()
        self.embed, self.rnn, self.head = embed, rnn, head
        self.reshape, self.softmax, self.last = reshape, softmax, last

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        y, st = self.rnn(x)
        if self.last:
            y = st[0][-1] if isinstance(st, tuple) else st[-1]
        if self.reshape:
            y = y.reshape(-1, self.rnn.hidden_size)
        if self.head is not None:
            y = self.head(y)
        if self.softmax:
            y = torch.softmax(y, dim=-1)
        return y


def export(path, model, x, opset, dynamic=False):
    kw = {}
    if dynamic:
        kw["dynamic_axes"] = {"x": {0: "T", 1: "N"}, "y": {0: "T", 1: "N"}}
    torch.onnx.export(model, (x,), path, opset_version=opset,
                      input_names=["x"], output_names=["y"],
                      do_constant_folding=True, **kw)


def main(outdir):
    torch.manual_seed(1234)
    T = 9

    def fixture(name, model, x, opset, dynamic=False, batch_first=False,
                ids=False):
        model.eval()
        export(f"{outdir}/{name}.onnx", model, x, opset, dynamic)
        with torch.no_grad():
            y = model(x)
        y = y.reshape(T, -1).numpy().astype(np.float32)
        xin = x.reshape(T, -1) if not ids else x.reshape(T)
        xin = xin.numpy().astype(np.int32 if ids else np.float32)
        save_safetensors(f"{outdir}/{name}-io.safetensors",
                         {"ids" if ids else "x": xin, "y": y})

    fixture("onnx-lstm", Seq(nn.LSTM(5, 7, num_layers=2), nn.Linear(7, 3)),
            torch.randn(T, 1, 5), 14, dynamic=True)
    fixture("onnx-rnn",
            Seq(nn.RNN(3, 6, num_layers=2, batch_first=True), nn.Linear(6, 2)),
            torch.randn(1, T, 3), 17)
    fixture("onnx-lstm-gemm", Seq(nn.LSTM(4, 5), nn.Linear(5, 2),
                                  reshape=True),
            torch.randn(T, 1, 4), 15)
    fixture("onnx-lstm-nohead", Seq(nn.LSTM(3, 4)), torch.randn(T, 1, 3), 14)
    fixture("onnx-embed-lstm", Seq(nn.LSTM(4, 6), nn.Linear(6, 11),
                                   embed=nn.Embedding(11, 4)),
            torch.randint(0, 11, (T, 1)), 14, ids=True)
    fixture("onnx-gru", Seq(nn.GRU(3, 4), nn.Linear(4, 2)),
            torch.randn(T, 1, 3), 14)

    x = torch.randn(T, 1, 3)
    for name, model in [
            ("onnx-bad-bidir", Seq(nn.LSTM(3, 4, bidirectional=True))),
            ("onnx-bad-relu", Seq(nn.RNN(3, 4, nonlinearity="relu"))),
            ("onnx-bad-softmax", Seq(nn.LSTM(3, 4), nn.Linear(4, 2),
                                     softmax=True)),
            ("onnx-bad-last", Seq(nn.LSTM(3, 4), nn.Linear(4, 2),
                                  last=True))]:
        export(f"{outdir}/{name}.onnx", model.eval(), x, 14)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
