/* gst-recurrent
 * Copyright (C) 2026 the gst-recurrent authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-gru
 * @title: gru
 * @see_also: rnn, lstm, csvdec, csvenc
 *
 * gru runs a GRU (gates r, z, n with PyTorch nn.GRU semantics: r =
 * sigmoid(x Wx_r + h Wh_r + bh_r), z likewise, n = tanh(x Wx_n + bh_n +
 * r*(h Wh_n + bhn)), h = (1-z)*n + z*h; stacked layers allowed, optional
 * linear head) over a stream of frames, keeping h across buffers. The model
 * file (#GstRecurrentBase:model, a native gru file or a PyTorch nn.GRU
 * state_dict) is loaded when the element starts; an RNN or LSTM model is
 * refused (use `rnn` or `lstm`).
 *
 * Input: `other/x-frames, format=F32LE, width=D` (dense frames; D must be
 * the model's input width, or negotiation fails with an error naming both
 * widths), `other/x-frames, format=S32LE, width=1` (token ids of an index
 * model: rows of its embedding or input weights are gathered; an id outside
 * the vocabulary is an error), or `audio/x-raw, format=F32LE,
 * layout=interleaved, channels=D` (sensor input; rate R becomes the
 * framerate R/1). A framerate is optional; without one (or 0/1) the stream
 * is aperiodic. Buffers may hold any number of bytes: partial frames are
 * kept until complete, so any split of the same bytes gives bit-identical
 * output.
 *
 * NNStreamer's `other/tensors, format=static, num_tensors=1,
 * types=float32, dimensions=D:1` (int32 and 1:1 for ids) is taken too, and
 * given on the output side when downstream asks for it (one frame per
 * buffer, the same numbers; see docs/interop.md). The model may also be an
 * ONNX GRU graph (torch.onnx.export).
 *
 * Output: `other/x-frames` F32LE frames of the width given by `output`:
 * `prediction` (default; regression values in raw units, class
 * probabilities, or the hidden state for a model without head), `hidden`
 * (H), `logits` and `probabilities` (Q), or `argmax` (S32LE ids, width 1).
 * `emit=frame` gives one output per input frame, `emit=buffer` the output
 * after the last frame of each input buffer, `emit=eos` one output at the
 * end. With `window=T`, each output is computed from the last T frames from
 * a fresh state, as windowed models are trained, and the first T-1 frames
 * give none; `window=-1` (default) takes the model's `rnc.window`.
 * The model's input and output scaling (`rnc.input_mean`/`std`,
 * `rnc.output_mean`/`std`) is applied, so pipelines see raw units.
 *
 * Timestamps: with a framerate, each output buffer's PTS and duration come
 * from the frame count (restarted by segments, flushes and discontinuities)
 * and each output is stamped with the time of the last input frame it
 * depends on, so the element adds no latency; without a framerate, the
 * timestamp of the input buffer where the first output frame starts passes
 * through.
 *
 * State: the state is reset to `initial-state` on FLUSH_STOP, STREAM_START,
 * READY->PAUSED, the custom downstream event `rnc/reset` (which is then
 * forwarded), the `reset` action signal (applied before the next frame),
 * and on DISCONT buffers, segments or EOS as `reset-on` says. With
 * `state-location`, the state (h only) is saved there at EOS and when the
 * element stops, and `initial-state=file` starts from it, so a restarted
 * pipeline resumes where the last one ended.
 *
 * ## Example launch lines
 * The model comes from `rnc-train forecast|lm|tag --cell gru` or from a
 * PyTorch nn.GRU state_dict saved as safetensors, e.g.
 * tests/data/torch-gru-1l.safetensors (3 inputs, 2 outputs).
 * |[
 * gst-launch-1.0 filesrc location=x.csv ! csvdec ! gru model=torch-gru-1l.safetensors ! csvenc ! fdsink
 * gst-launch-1.0 filesrc location=x.csv ! csvdec ! gru model=torch-gru-1l.safetensors state-location=gru-state.safetensors ! csvenc precision=9 ! fdsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstgru.h"

#include "gstrecurrentelements.h"

struct _GstGru
{
  GstRecurrentBase parent;
};

G_DEFINE_TYPE (GstGru, gst_gru, GST_TYPE_RECURRENT_BASE);
GST_ELEMENT_REGISTER_DEFINE (gru, "gru", GST_RANK_NONE, GST_TYPE_GRU);

static void
gst_gru_class_init (GstGruClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRecurrentBaseClass *base_class = GST_RECURRENT_BASE_CLASS (klass);

  gst_recurrent_base_class_set_cell (base_class, RNC_CELL_GRU);
  gst_recurrent_base_class_install_stream_properties (base_class);
  gst_element_class_set_static_metadata (element_class,
      "Gated recurrent unit network", "Filter/Analyzer",
      "Runs a GRU (optional linear head) over frames, keeping the hidden "
      "state across buffers", "gst-recurrent authors");
}

static void
gst_gru_init (GstGru * self)
{
}
