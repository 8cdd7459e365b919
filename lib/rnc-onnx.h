/* librnc: ONNX model import (graphs as torch.onnx.export writes them).
 *
 * Decoded with protobuf-c from the onnx.proto of Debian's libonnx-dev,
 * generated at build time. Supported: a chain from the graph's one input
 * to its one output of
 *   [Gather embedding]  RNN/LSTM/GRU nodes (forward, default activations,
 *   zero or absent initial state, stacked as several nodes; GRU with
 *   linear_before_reset=1, PyTorch's semantics)  [MatMul (+ Add) or
 *   Gemm head]
 * with Squeeze/Unsqueeze/Transpose/Reshape/Identity glue between them that
 * never touches the feature axis. Anything else is refused with an error in
 * RNC_MODEL_ERROR naming the file, the node and its op (or attribute).
 * See docs/interop.md. */
#pragma once

#include "rnc-model.h"

G_BEGIN_DECLS

/* Whether this build can read ONNX (protobuf-c was found at build time). */
gboolean rnc_onnx_is_supported (void);

/* Whether @data (named @name, a file name or NULL) should be read as ONNX:
 * not the start of a safetensors file, and either a name ending in ".onnx"
 * or a first byte 0x08 (field 1, ir_version, as every exporter writes). */
gboolean rnc_onnx_data_looks_like (const guint8 *data, size_t size,
    const char *name);

/* (transfer full) Imports an ONNX model. Decoding is bounded: nesting depth
 * 64, at most 256 MiB + 4x the file size allocated by the decoder, files up
 * to 2 GiB; every tensor is checked (type, dims, byte count, finite) before
 * the model is allocated. The model's metadata: the ONNX metadata_props
 * verbatim (they may set rnc.head = classes, rnc.window, scaling,
 * rnc.vocab...), rnc.source ("onnx: PRODUCER VERSION, opset N") and the
 * structural keys. */
RncModel *rnc_onnx_load_from_data (const guint8 *data, size_t size,
    const char *name, GError **error);

G_END_DECLS
