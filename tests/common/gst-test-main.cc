/* main() for GStreamer tests: gst_init before, gst_deinit after, so that
 * LeakSanitizer sees only what the tests themselves leak. */
#include <gst/gst.h>
#include <gtest/gtest.h>

int
main (int argc, char **argv)
{
  ::testing::InitGoogleTest (&argc, argv);
  gst_init (&argc, &argv);
  int ret = RUN_ALL_TESTS ();
  gst_deinit ();
  return ret;
}
