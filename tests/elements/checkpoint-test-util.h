/* Helpers of the checkpoint tests: output buffers with their frame offsets,
 * the frames from an index on, a state file's position. */
#pragma once

#include "recurrent-test-util.h"

#include "rnc-safetensors.h"

#include <algorithm>

namespace rnc_test {

/* Each output buffer: its offsets and bytes. */
struct Out
{
  guint64 offset, offset_end;
  std::vector<uint8_t> bytes;
};

inline std::vector<Out>
pull_outs (GstHarness *h)
{
  std::vector<Out> v;
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h)) != nullptr) {
    Out o;
    o.offset = GST_BUFFER_OFFSET (b);
    o.offset_end = GST_BUFFER_OFFSET_END (b);
    append_buffer (o.bytes, b);       /* unrefs it */
    v.push_back (std::move (o));
  }
  return v;
}

/* Concatenated bytes of the frames from index @from on (frames of @fb
 * bytes), checking that the buffers are contiguous unless @gaps. */
inline std::vector<uint8_t>
bytes_from (const std::vector<Out> &outs, guint64 from, size_t fb,
    bool gaps = false)
{
  std::vector<uint8_t> r;
  guint64 next = G_MAXUINT64;
  for (const Out &o : outs) {
    EXPECT_EQ (o.bytes.size (), (o.offset_end - o.offset) * fb);
    if (next != G_MAXUINT64 && !gaps) {
      EXPECT_EQ (o.offset, next) << "offsets must be contiguous";
    }
    EXPECT_TRUE (next == G_MAXUINT64 || o.offset >= next);
    next = o.offset_end;
    for (guint64 k = std::max (o.offset, from); k < o.offset_end; k++)
      r.insert (r.end (), o.bytes.begin () + (k - o.offset) * fb,
          o.bytes.begin () + (k - o.offset + 1) * fb);
  }
  return r;
}

inline guint64
position_of (const std::string &path)
{
  auto bytes = read_file (path);
  RncSafetensors *st = rnc_safetensors_parse (bytes.data (), bytes.size (),
      path.c_str (), nullptr);
  EXPECT_NE (st, nullptr) << path;
  if (!st)
    return G_MAXUINT64;
  const char *v = rnc_safetensors_get_metadata (st, "rnc.position");
  guint64 p = v ? g_ascii_strtoull (v, nullptr, 10) : G_MAXUINT64;
  rnc_safetensors_free (st);
  return p;
}

inline void
copy_file (const std::string &from, const std::string &to)
{
  auto b = read_file (from);
  ASSERT_FALSE (b.empty ()) << from;
  write_file (to, b.data (), b.size ());
}

} // namespace rnc_test
