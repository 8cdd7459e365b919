/* Scaling out over GStreamer's own network elements (README "Scaling out
 * across machines", docs/checkpoints.md): a shard is a gst-launch-1.0
 * process on loopback,
 *
 *   tcpserversrc port=IN ! gdpdepay ! lstm ... state-location=S
 *       checkpoint-frames=K ! gdppay ! tcpclientsink port=OUT
 *
 * fed by a frame producer (filesrc ! gdppay ! tcpclientsink) and read by a
 * collector (tcpserversrc ! gdpdepay), both in this test process. The shard
 * is killed with SIGKILL mid-stream and restarted with initial-state=file
 * resume=true while the producer replays its input from the start; the
 * outputs of the two runs, stitched by their buffer offsets (GDP carries
 * them), are the outputs of an uninterrupted shard, byte for byte, with no
 * frame missing. Skips when gdppay (gstreamer1.0-plugins-bad) or the tcp
 * elements are missing. Every wait has a deadline. */
#include "recurrent-test-util.h"
#include "test-process-util.h"

#include <arpa/inet.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace rnc_test;

namespace {

const size_t FRAMES = 40000;

/* A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick). */
int
free_port ()
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof (a);
  int port = -1;
  if (bind (fd, (sockaddr *) &a, sizeof (a)) == 0
      && getsockname (fd, (sockaddr *) &a, &len) == 0)
    port = ntohs (a.sin_port);
  close (fd);
  return port;
}

/* The collector: tcpserversrc on a port of its own choosing, gdpdepay, and
 * every output frame recorded by its offset. */
struct Collector
{
  GstElement *pipeline = nullptr;
  std::mutex lock;
  std::map<guint64, std::vector<uint8_t>> frames;
  size_t frame_bytes = 0;
  bool bad_offsets = false;

  static void
  handoff (GstElement *, GstBuffer *buf, GstPad *, gpointer user_data)
  {
    Collector *c = (Collector *) user_data;
    GstMapInfo map;
    guint64 first = GST_BUFFER_OFFSET (buf), end = GST_BUFFER_OFFSET_END (buf);
    if (!gst_buffer_map (buf, &map, GST_MAP_READ))
      return;
    std::lock_guard<std::mutex> g (c->lock);
    if (first == GST_BUFFER_OFFSET_NONE || end <= first
        || map.size % (end - first) != 0) {
      c->bad_offsets = true;
    } else {
      size_t fb = map.size / (end - first);
      c->frame_bytes = fb;
      for (guint64 k = first; k < end; k++)
        c->frames[k].assign (map.data + (k - first) * fb,
            map.data + (k - first + 1) * fb);
    }
    gst_buffer_unmap (buf, &map);
  }

  /* Starts listening; returns the port, or -1. */
  int start ()
  {
    GError *err = nullptr;
    pipeline = gst_parse_launch ("tcpserversrc name=src host=127.0.0.1 "
        "port=0 ! gdpdepay ! fakesink name=sink sync=false "
        "signal-handoffs=true", &err);
    if (!pipeline) {
      ADD_FAILURE () << err->message;
      g_clear_error (&err);
      return -1;
    }
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    g_signal_connect (sink, "handoff", G_CALLBACK (handoff), this);
    gst_object_unref (sink);
    if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE)
      return -1;
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    int port = 0;
    g_object_get (src, "current-port", &port, nullptr);
    gst_object_unref (src);
    return port;
  }

  size_t count ()
  {
    std::lock_guard<std::mutex> g (lock);
    return frames.size ();
  }

  /* Waits for EOS or an error (the sender went away) up to @timeout_s. */
  bool wait_end (double timeout_s)
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *m = gst_bus_timed_pop_filtered (bus,
        (GstClockTime) (timeout_s * GST_SECOND),
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    bool eos = m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
    if (m)
      gst_message_unref (m);
    gst_object_unref (bus);
    return eos;
  }

  ~Collector ()
  {
    if (pipeline) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
  }
};

/* The frame producer: the whole input from the start to the shard's port;
 * retries while the shard is not listening yet. */
struct Producer
{
  GstElement *pipeline = nullptr;

  bool start (const std::string &input, int port, Child &shard)
  {
    std::string desc = "filesrc location=" + input + " blocksize=400 ! "
        "other/x-frames,format=F32LE,width=1,framerate=0/1 ! gdppay ! "
        "tcpclientsink host=127.0.0.1 port=" + std::to_string (port);
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < end && !child_done (shard)) {
      pipeline = gst_parse_launch (desc.c_str (), nullptr);
      if (pipeline && gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
          GST_STATE_CHANGE_FAILURE)
        return true;
      stop ();
      g_usleep (50000);
    }
    return false;
  }

  /* Waits for the end of the input (up to @timeout_s); stop() then closes
   * the connection, which ends the shard's stream. */
  bool wait_eos (double timeout_s)
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *m = gst_bus_timed_pop_filtered (bus,
        (GstClockTime) (timeout_s * GST_SECOND),
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    bool eos = m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
    if (m)
      gst_message_unref (m);
    gst_object_unref (bus);
    return eos;
  }

  void stop ()
  {
    if (pipeline) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
      pipeline = nullptr;
    }
  }

  ~Producer () { stop (); }
};

/* Kills the shard on every way out of a test. */
struct ShardGuard
{
  Child c;
  ~ShardGuard ()
  {
    if (c.pid > 0)
      kill_child (c, SIGKILL);
  }
};

bool
have_elements ()
{
  for (const char *f : { "gdppay", "gdpdepay", "tcpserversrc",
          "tcpclientsink" }) {
    GstElementFactory *e = gst_element_factory_find (f);
    if (!e)
      return false;
    gst_object_unref (e);
  }
  return true;
}

struct Shards
{
  TempDir dir;
  std::string launch, model, input;

  Shards ()
  {
    launch = gst_launch_path ();
    model = source_root () + "/pipelines/models/forecast.safetensors";
    auto x = normal_vec (FRAMES, 90);
    for (size_t i = 0; i < FRAMES; i++)
      x[i] = 300.0f + 80.0f * std::sin (0.52 * (double) i) + 10.0f * x[i];
    input = dir.file ("in.f32");
    write_file (input, x.data (), x.size () * sizeof (float));
  }

  /* One shard run: collector, shard (lstm @props), producer. With
   * @kill_at > 0 the shard is killed once the collector holds that many
   * frames. Returns the collected frames by offset. */
  std::map<guint64, std::vector<uint8_t>> run (const std::string &props,
      size_t kill_at, bool *clean)
  {
    *clean = false;
    for (int attempt = 0; attempt < 5; attempt++) {
      Collector col;
      int out_port = col.start ();
      int in_port = free_port ();
      if (out_port <= 0 || in_port <= 0) {
        ADD_FAILURE () << "no port";
        return {};
      }
      std::string log = dir.file ("shard.log");
      ShardGuard shard;
      shard.c = spawn (launch, split_args ("tcpserversrc host=127.0.0.1 "
              "port=" + std::to_string (in_port) + " ! gdpdepay ! lstm model="
              + model + " " + props + " ! gdppay ! tcpclientsink "
              "host=127.0.0.1 port=" + std::to_string (out_port)), log);
      Producer prod;
      if (!prod.start (input, in_port, shard.c)) {
        /* the port was taken in the meantime: another one */
        kill_child (shard.c, SIGKILL);
        GST_INFO ("shard did not start: %s", read_text (log).c_str ());
        continue;
      }
      if (kill_at > 0) {
        gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
        while (col.count () < kill_at && g_get_monotonic_time () < end
            && !child_done (shard.c))
          g_usleep (2000);
        EXPECT_TRUE (kill_child (shard.c, SIGKILL))
            << "the shard ended before it was killed: " << read_text (log);
        col.wait_end (10);
      } else {
        EXPECT_TRUE (prod.wait_eos (120));
        prod.stop ();
        *clean = col.wait_end (120);
        EXPECT_EQ (wait_child (shard.c, 30), 0) << read_text (log);
      }
      prod.stop ();
      std::lock_guard<std::mutex> g (col.lock);
      EXPECT_FALSE (col.bad_offsets);
      return col.frames;
    }
    ADD_FAILURE () << "the shard could not be started";
    return {};
  }
};

guint64
position_of (const std::string &path, const RncModel *m)
{
  RncState *s = rnc_state_new (m, 1, 0);
  GError *err = nullptr;
  RncStateFile *f = rnc_state_file_load (s, path.c_str (), &err);
  EXPECT_NE (f, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  guint64 p = G_MAXUINT64;
  if (f)
    rnc_state_file_get_position (f, &p);
  rnc_state_file_free (f);
  rnc_state_free (s);
  return p;
}

}  // namespace

TEST (Shard, KilledAndResumedShardGivesTheUninterruptedOutputs)
{
  if (gst_launch_path ().empty ())
    GTEST_SKIP () << "gst-launch-1.0 is not installed";
  if (!have_elements ())
    GTEST_SKIP () << "gdppay/gdpdepay (gstreamer1.0-plugins-bad) or the tcp "
        "elements (gstreamer1.0-plugins-base) are not installed";
  Shards s;
  RncModel *m = rnc_model_load (s.model.c_str (), nullptr);
  ASSERT_NE (m, nullptr);
  std::string ref_state = s.dir.file ("ref.state"), state =
      s.dir.file ("shard.state");

  bool clean = false;
  auto ref = s.run ("state-location=" + ref_state + " checkpoint-frames=1000",
      0, &clean);
  ASSERT_TRUE (clean);
  ASSERT_GT (ref.size (), FRAMES / 2);
  EXPECT_EQ (ref.rbegin ()->first, FRAMES - 1);
  EXPECT_EQ (position_of (ref_state, m), FRAMES);

  /* killed with about 40% of the outputs delivered */
  auto first = s.run ("state-location=" + state + " checkpoint-frames=1000",
      (size_t) (FRAMES * 0.4), &clean);
  ASSERT_FALSE (first.empty ());
  guint64 P = position_of (state, m);
  ASSERT_NE (P, G_MAXUINT64);
  ASSERT_GT (P, 0u);
  ASSERT_LT (P, FRAMES);

  /* restarted from its checkpoint over the replayed input */
  auto second = s.run ("initial-state=file resume=true state-location=" +
      state + " checkpoint-frames=1000", 0, &clean);
  ASSERT_TRUE (clean);
  ASSERT_FALSE (second.empty ());
  EXPECT_GE (second.begin ()->first, P) << "no output before the checkpoint";

  /* stitched by offset: every frame of both runs is the reference's, and
   * together they cover all of it */
  size_t mismatches = 0, missing = 0;
  for (auto &[k, v] : first)
    mismatches += ref.count (k) == 0 || ref[k] != v;
  for (auto &[k, v] : second)
    mismatches += ref.count (k) == 0 || ref[k] != v;
  for (auto &[k, v] : ref)
    missing += first.count (k) == 0 && second.count (k) == 0;
  std::printf ("shard: %zu outputs uninterrupted; killed after %zu, "
      "checkpoint at frame %" G_GUINT64_FORMAT ", resumed run gave %zu "
      "(frames %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT "); %zu differ, "
      "%zu missing\n", ref.size (), first.size (), P, second.size (),
      second.begin ()->first, second.rbegin ()->first, mismatches, missing);
  EXPECT_EQ (mismatches, 0u);
  EXPECT_EQ (missing, 0u);
  EXPECT_EQ (position_of (state, m), FRAMES);
  rnc_model_free (m);
}
