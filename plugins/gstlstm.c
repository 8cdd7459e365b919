/* gst-recurrent
 * Copyright (C) 2026 the gst-recurrent authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-lstm
 * @title: lstm
 * @see_also: rnn, csvdec, csvenc
 *
 * lstm runs an LSTM (gates i, f, o, g as the seed orders them: a = x Wx +
 * h Wh + b, c = f*c + i*g, h = o*tanh(c); stacked layers allowed, optional
 * linear head) over a stream of frames, keeping h and c across buffers. The
 * model file (#GstRecurrentBase:model) is loaded when the element starts;
 * a vanilla RNN model is refused (use `rnn`).
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
 * buffer, the same numbers; see docs/interop.md). The model may be
 * safetensors (native or PyTorch) or ONNX (torch.onnx.export).
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
 * `rnc.output_mean`/`std`) is applied, so pipelines see raw units. A
 * global forecaster (`rnc-train forecast --columns`) holds the scaling of
 * each series it was trained on; `series` (a name from its `rnc.series`, or
 * an index) picks the one this stream is.
 *
 * `output=interval` (a regression model carrying its one-step residual
 * quantiles, `rnc.residual_quantiles`, as rnc-train forecast writes them)
 * gives width 3Q: the lower bounds, the predictions (bit for bit those of
 * `output=prediction`) and the upper bounds of the central
 * #GstRecurrentBase:interval probability (default 0.8); a model without the
 * calibration is an error naming the file.
 *
 * A model with a lookahead of k frames (`rnc.delay`, a tagger trained by
 * rnc-train tag to tag each word once it has seen the next k) gives no
 * output for the first k frames, then at frame t the output of frame t - k;
 * at the end of a sequence (`rnc/reset`, the `reset` signal, a reset by
 * `reset-on`, EOS) it feeds k pad frames and pushes the outputs still owed,
 * so every frame gets exactly one output, in order (docs/tagging.md). Such
 * a model runs with `emit=frame` and no window; its outputs carry the
 * offset (and, with a framerate, the time) of their own frame, and the
 * LATENCY query adds k frames.
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
 * `state-location`, the state is saved there at EOS and when the element
 * stops, and `initial-state=file` starts from it, so a restarted pipeline
 * resumes where the last one ended.
 *
 * Many streams: with `streams=N` (or `streams=0`: N = input width / model
 * input width), each input frame holds one frame of N independent streams
 * side by side (stream s owns values s*D .. s*D+D-1: `other/x-frames` of
 * width N*D, audio with N*D channels, or a wide CSV through `csvdec`), and
 * each output frame N outputs in the same layout (N*H for `hidden`, N ids
 * for `argmax`). The N streams share the weights and keep their own h/c; a
 * frame of all of them is one batched step per layer, and every stream's
 * output is bit-identical to a separate element fed that stream alone. A
 * width that is not N streams is a not-negotiated error naming the widths.
 * The `rnc/reset` event resets only the streams in its optional `stream`
 * field (an int, or an array or list of ints), the `reset-stream` action
 * signal one stream by index (a bad index is a warning); `reset` resets all.
 * With a window, a stream reset less than a window ago outputs NaN (-1 for
 * argmax) until its window is full again. A state file holds all N streams
 * ((L, N, H)); loading one saved with another N is an error. See
 * docs/streams.md and pipelines/fleet.sh.
 *
 * Checkpoints and crash recovery (docs/checkpoints.md): every state file
 * write is atomic (a temporary file in the same folder, fsync, rename), so
 * a crash leaves the previous file or the new one, never a torn one.
 * `checkpoint-frames=K` also writes the state every K input frames (at the
 * first buffer boundary at or after each multiple, after the outputs of
 * the frames before it were pushed), with the frame position (frames since
 * the stream start) and what a reset restores. A failed periodic write
 * posts a warning naming the file and the reason and keeps the old file; a
 * failed write at EOS is an error. `resume=true` with `initial-state=file`
 * drops the input frames the file covers and carries on from its state, so
 * a pipeline restarted over the same input gives the rest of the
 * uninterrupted run's output, bit for bit. Output buffers carry the index
 * of their first frame in the offset (and index + frames in offset-end),
 * counted since the stream start, so outputs of two runs can be stitched.
 *
 * ## Example launch lines
 * The model and inputs come from `rnc-seed-model q6 -o q6.safetensors
 * --input q6.f32 --csv q6.csv` (the notebook's Q6 LSTM and its input; see
 * pipelines/seed-vectors.sh).
 * |[
 * gst-launch-1.0 filesrc location=q6.f32 ! other/x-frames,format=F32LE,width=5,framerate=0/1 ! lstm model=q6.safetensors ! csvenc ! fdsink
 * gst-launch-1.0 filesrc location=q6.csv ! csvdec ! lstm model=q6.safetensors state-location=q6-state.safetensors ! csvenc precision=9 ! fdsink
 * gst-launch-1.0 filesrc location=q6.f32 ! 'other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)5:1,framerate=0/1' ! lstm model=q6.safetensors ! 'other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)4:1,framerate=0/1' ! fdsink
 * gst-launch-1.0 filesrc location=q6.f32 ! 'other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)5:1,framerate=0/1' ! lstm model=q6.safetensors ! 'other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)4:1,framerate=0/1' ! fdsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlstm.h"

#include "gstrecurrentelements.h"

struct _GstLstm
{
  GstRecurrentBase parent;
};

G_DEFINE_TYPE (GstLstm, gst_lstm, GST_TYPE_RECURRENT_BASE);
GST_ELEMENT_REGISTER_DEFINE (lstm, "lstm", GST_RANK_NONE, GST_TYPE_LSTM);

static void
gst_lstm_class_init (GstLstmClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRecurrentBaseClass *base_class = GST_RECURRENT_BASE_CLASS (klass);

  gst_recurrent_base_class_set_cell (base_class, RNC_CELL_LSTM);
  gst_recurrent_base_class_install_stream_properties (base_class);
  gst_element_class_set_static_metadata (element_class,
      "Long short-term memory network", "Filter/Analyzer",
      "Runs an LSTM (optional linear head) over frames, keeping the hidden "
      "and cell state across buffers", GST_RECURRENT_AUTHORS);
}

static void
gst_lstm_init (GstLstm * self)
{
}
