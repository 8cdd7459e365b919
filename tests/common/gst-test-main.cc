/* main() for GStreamer tests: gst_init before, gst_deinit after, so that
 * LeakSanitizer sees only what the tests themselves leak.
 *
 * With GStreamer's leaks tracer on (GST_TRACERS=leaks, as the meson test
 * setup "leaks" sets it), gst_deinit() lists every GstObject and
 * GstMiniObject still alive under GST_TRACER:7 and warns "Leaks detected";
 * that warning makes the test binary fail. */
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstring>

namespace {

gboolean leaks_detected = FALSE;

void
log_handler (const gchar *domain, GLogLevelFlags level, const gchar *message,
    gpointer user_data)
{
  if (message && strstr (message, "Leaks detected"))
    leaks_detected = TRUE;
  g_log_default_handler (domain, level, message, user_data);
}

} // namespace

int
main (int argc, char **argv)
{
  ::testing::InitGoogleTest (&argc, argv);
  gst_init (&argc, &argv);
  int ret = RUN_ALL_TESTS ();
  g_log_set_default_handler (log_handler, nullptr);
  gst_deinit ();
  if (leaks_detected) {
    std::fprintf (stderr, "FAILED: the leaks tracer found GstObject or "
        "GstMiniObject leaks (listed above under GST_TRACER:7)\n");
    ret = 1;
  }
  return ret;
}
