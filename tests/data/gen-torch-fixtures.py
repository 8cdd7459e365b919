#!/usr/bin/python3
"""PyTorch interop fixtures for tests/lib/test-torch-interop.cc.

Exports small PyTorch models as state_dicts in safetensors files, and torch's
own outputs on fixed inputs, so the C library can be checked against torch
without torch at test time. The generated files are committed; torch is not a
dependency of the build or of the tests.

Regenerate (Debian 12: apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tests/data/gen-torch-fixtures.py tests/data

Files written (each model NAME gives NAME.safetensors, NAME-io.safetensors
and, where it has an initial state, NAME-state.safetensors):

  torch-lstm         2-layer nn.LSTM(5, 7) as "encoder." + nn.Linear(7, 3)
                     as "decoder.", metadata {"format": "pt"}
  torch-rnn          2-layer tanh nn.RNN(3, 6) as "model.rnn." + nn.Linear(6, 2)
                     as "model.fc."
  torch-embed-lstm   nn.Embedding(13, 4) "embed." + nn.LSTM(4, 5) "lstm." +
                     nn.Linear(5, 13) "out.", metadata rnc.head = classes
  torch-rnn-nobias   nn.RNN(4, 3, bias=False) "rnn.", no head
  torch-gru          2-layer nn.GRU(5, 40) as "gru." + nn.Linear(40, 3) as
                     "head." (40 units: a full and a partial SIMD unit group)
  torch-gru-1l       nn.GRU(3, 6) as "net.gru." + nn.Linear(6, 2) "net.fc."
  torch-gru-nobias   nn.GRU(4, 3, bias=False) "gru.", no head
  torch-embed-gru    nn.Embedding(11, 6) "emb." + nn.GRU(6, 18) "gru." +
                     nn.Linear(18, 11) "out.", metadata rnc.head = classes

NAME-io.safetensors holds the inputs and torch's outputs, sequence length T,
batch 1:
  x (T, D) or ids (T,) I32      the input
  hidden (T, H)                 top layer's h at every frame (zero state)
  y (T, Q)                      the Linear head on every frame (if any)
  h_n, c_n (L, H)               final state (c_n for LSTMs)
  and with a given initial state (NAME-state.safetensors: state.h, state.c):
  hidden_s, y_s, h_n_s, c_n_s   the same outputs starting from that state

The safetensors files are written here directly (little-endian F32/I32, the
header padded with spaces to 8 bytes), since Debian has no safetensors
package.
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
        if arr.dtype == np.float32:
            arr = arr.astype("<f4")
        elif arr.dtype == np.int32:
            arr = arr.astype("<i4")
        else:
            raise ValueError(f"{name}: unsupported dtype {arr.dtype}")
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


def np32(t):
    return t.detach().cpu().numpy().astype(np.float32)


def state_dict_np(modules):
    """Merged state_dict of {prefix: module}, as numpy float32."""
    out = {}
    for prefix, mod in modules.items():
        for k, v in mod.state_dict().items():
            out[prefix + k] = np32(v)
    return out


def run(rnn, head, inp, state=None):
    """inp: (T, 1, D) float tensor. Returns hidden (T, H), y, h_n, c_n."""
    with torch.no_grad():
        out, st = rnn(inp, state)
        hidden = out[:, 0, :]
        y = head(hidden) if head is not None else None
    if isinstance(st, tuple):
        h_n, c_n = st
    else:
        h_n, c_n = st, None
    return hidden, y, h_n[:, 0, :], (c_n[:, 0, :] if c_n is not None else None)


def export(outdir, name, modules, rnn, head, inp, io_inputs, metadata=None,
           with_state=True, seed=0):
    save_safetensors(f"{outdir}/{name}.safetensors", state_dict_np(modules),
                     metadata)
    io = dict(io_inputs)
    hidden, y, h_n, c_n = run(rnn, head, inp)
    io["hidden"] = np32(hidden)
    if y is not None:
        io["y"] = np32(y)
    io["h_n"] = np32(h_n)
    if c_n is not None:
        io["c_n"] = np32(c_n)
    if with_state:
        g = torch.Generator().manual_seed(seed)
        L, H = rnn.num_layers, rnn.hidden_size
        h0 = torch.randn(L, 1, H, generator=g) * 0.5
        st = {"state.h": np32(h0[:, 0, :])}
        state = h0
        if isinstance(rnn, nn.LSTM):
            c0 = torch.randn(L, 1, H, generator=g) * 0.5
            st["state.c"] = np32(c0[:, 0, :])
            state = (h0, c0)
        cell = ("lstm" if isinstance(rnn, nn.LSTM) else
                "gru" if isinstance(rnn, nn.GRU) else "rnn")
        save_safetensors(f"{outdir}/{name}-state.safetensors", st,
                         {"rnc.cell": cell})
        hidden, y, h_n, c_n = run(rnn, head, inp, state)
        io["hidden_s"] = np32(hidden)
        if y is not None:
            io["y_s"] = np32(y)
        io["h_n_s"] = np32(h_n)
        if c_n is not None:
            io["c_n_s"] = np32(c_n)
    save_safetensors(f"{outdir}/{name}-io.safetensors", io)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "tests/data"
    torch.set_num_threads(1)

    # 2-layer LSTM + Linear, prefixes encoder. / decoder.
    torch.manual_seed(1234)
    enc = nn.LSTM(5, 7, num_layers=2)
    dec = nn.Linear(7, 3)
    x = torch.randn(11, 1, 5)
    export(outdir, "torch-lstm", {"encoder.": enc, "decoder.": dec}, enc, dec,
           x, {"x": np32(x[:, 0, :])}, metadata={"format": "pt"}, seed=1)

    # 2-layer tanh RNN + Linear, nested prefixes
    torch.manual_seed(5678)
    rnn = nn.RNN(3, 6, num_layers=2)
    fc = nn.Linear(6, 2)
    x = torch.randn(13, 1, 3)
    export(outdir, "torch-rnn", {"model.rnn.": rnn, "model.fc.": fc}, rnn, fc,
           x, {"x": np32(x[:, 0, :])}, seed=2)

    # Embedding + LSTM + Linear over token ids, a class head
    torch.manual_seed(91011)
    emb = nn.Embedding(13, 4)
    lstm = nn.LSTM(4, 5)
    out = nn.Linear(5, 13)
    ids = torch.randint(0, 13, (9,))
    with torch.no_grad():
        e = emb(ids)[:, None, :]
    export(outdir, "torch-embed-lstm",
           {"embed.": emb, "lstm.": lstm, "out.": out}, lstm, out, e,
           {"ids": ids.numpy().astype(np.int32)},
           metadata={"rnc.head": "classes"}, with_state=False)

    # RNN without biases, no head
    torch.manual_seed(1213)
    rnn = nn.RNN(4, 3, bias=False)
    x = torch.randn(6, 1, 4)
    export(outdir, "torch-rnn-nobias", {"rnn.": rnn}, rnn, None, x,
           {"x": np32(x[:, 0, :])}, with_state=False)

    # GRUs: r,z,n gates, b_hn inside the reset product
    torch.manual_seed(1415)
    gru = nn.GRU(5, 40, num_layers=2)
    head = nn.Linear(40, 3)
    x = torch.randn(15, 1, 5)
    export(outdir, "torch-gru", {"gru.": gru, "head.": head}, gru, head, x,
           {"x": np32(x[:, 0, :])}, seed=3)

    torch.manual_seed(1617)
    gru = nn.GRU(3, 6)
    fc = nn.Linear(6, 2)
    x = torch.randn(12, 1, 3)
    export(outdir, "torch-gru-1l", {"net.gru.": gru, "net.fc.": fc}, gru, fc,
           x, {"x": np32(x[:, 0, :])}, seed=4)

    torch.manual_seed(1819)
    gru = nn.GRU(4, 3, bias=False)
    x = torch.randn(7, 1, 4)
    export(outdir, "torch-gru-nobias", {"gru.": gru}, gru, None, x,
           {"x": np32(x[:, 0, :])}, with_state=False)

    torch.manual_seed(2021)
    emb = nn.Embedding(11, 6)
    gru = nn.GRU(6, 18)
    out = nn.Linear(18, 11)
    ids = torch.randint(0, 11, (10,))
    with torch.no_grad():
        e = emb(ids)[:, None, :]
    export(outdir, "torch-embed-gru",
           {"emb.": emb, "gru.": gru, "out.": out}, gru, out, e,
           {"ids": ids.numpy().astype(np.int32)},
           metadata={"rnc.head": "classes"}, with_state=False)


if __name__ == "__main__":
    main()
