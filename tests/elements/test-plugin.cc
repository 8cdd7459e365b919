/* The "recurrent" plugin loads from the build directory. */
#include <gst/gst.h>
#include <gtest/gtest.h>

TEST (GstRecurrentPlugin, LoadsFromTheBuildDirectory)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "recurrent");
  ASSERT_NE (plugin, nullptr) << "plugin 'recurrent' not found on GST_PLUGIN_PATH";
  EXPECT_STREQ (gst_plugin_get_name (plugin), "recurrent");
  gst_object_unref (plugin);
}
