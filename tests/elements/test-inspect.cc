/* What gst-inspect-1.0 shows of the plugin is complete: klass, description,
 * pad templates, every property with a blurb, a range and a valid default,
 * named enum values, the reset action signal, and a doc block with a
 * gst-launch-1.0 line in each element's source. */
#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include <string>
#include <vector>

namespace {

const char *const kElements[] = { "csvdec", "csvenc", "generate", "gru",
  "lstm", "rnn" };

/* Properties that come from GStreamer's own base classes. */
bool
inherited (GParamSpec *p)
{
  return p->owner_type == GST_TYPE_OBJECT || p->owner_type == GST_TYPE_ELEMENT
      || p->owner_type == g_type_from_name ("GstBaseTransform");
}

std::string
source_of (const std::string &element)
{
  std::string path = rnc_test::source_root () + "/plugins/gst" + element + ".c";
  auto bytes = rnc_test::read_file (path);
  return std::string (bytes.begin (), bytes.end ());
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

/* Runs gst-inspect-1.0 @arg; returns its stdout, or "" with @skip set when
 * it cannot be run here. */
std::string
inspect (const char *arg, int *status)
{
  gchar *prog = g_find_program_in_path ("gst-inspect-1.0");
  if (!prog)
    return "";
  gchar *argv[] = { prog, (gchar *) arg, nullptr };
  gchar *out = nullptr, *err = nullptr;
  GError *error = nullptr;
  gboolean ok = g_spawn_sync (nullptr, argv, nullptr, G_SPAWN_DEFAULT, nullptr,
      nullptr, &out, &err, status, &error);
  std::string text = ok && out ? out : "";
  g_free (out);
  g_free (err);
  g_free (prog);
  g_clear_error (&error);
  return text;
}

} // namespace

class GstRecurrentInspect : public ::testing::TestWithParam<const char *> {};

TEST_P (GstRecurrentInspect, RegistryEntryIsComplete)
{
  const char *name = GetParam ();
  GstElementFactory *f = gst_element_factory_find (name);
  ASSERT_NE (f, nullptr) << name;
  for (const char *key : { GST_ELEMENT_METADATA_LONGNAME,
          GST_ELEMENT_METADATA_KLASS, GST_ELEMENT_METADATA_DESCRIPTION,
          GST_ELEMENT_METADATA_AUTHOR }) {
    const gchar *v = gst_element_factory_get_metadata (f, key);
    ASSERT_NE (v, nullptr) << name << " " << key;
    EXPECT_GT (strlen (v), 3u) << name << " " << key;
  }
  /* pad templates with real caps */
  int n_templates = 0;
  for (const GList *l = gst_element_factory_get_static_pad_templates (f); l;
      l = l->next) {
    GstStaticPadTemplate *t = (GstStaticPadTemplate *) l->data;
    GstCaps *caps = gst_static_pad_template_get_caps (t);
    EXPECT_FALSE (gst_caps_is_any (caps)) << name << " " << t->name_template;
    EXPECT_FALSE (gst_caps_is_empty (caps));
    gst_caps_unref (caps);
    n_templates++;
  }
  EXPECT_EQ (n_templates, 2) << name;

  GstElement *e = gst_element_factory_create (f, nullptr);
  ASSERT_NE (e, nullptr);
  guint n = 0;
  GParamSpec **props = g_object_class_list_properties (G_OBJECT_GET_CLASS (e),
      &n);
  int own = 0;
  for (guint i = 0; i < n; i++) {
    GParamSpec *p = props[i];
    if (inherited (p))
      continue;
    own++;
    std::string pn = p->name;
    const gchar *blurb = g_param_spec_get_blurb (p);
    ASSERT_NE (blurb, nullptr) << pn;
    EXPECT_GT (strlen (blurb), 15u) << name << "::" << pn << " blurb too short";
    EXPECT_STRNE (blurb, g_param_spec_get_nick (p)) << pn;
    EXPECT_TRUE ((p->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE) << pn;
    EXPECT_TRUE (p->flags & (GST_PARAM_MUTABLE_READY |
            GST_PARAM_MUTABLE_PLAYING)) << name << "::" << pn
        << " says when it may change";
    /* the default is a valid value */
    GValue v = G_VALUE_INIT;
    g_value_init (&v, p->value_type);
    g_param_value_set_default (p, &v);
    EXPECT_FALSE (g_param_value_validate (p, &v)) << pn << " default invalid";
    /* and the element starts with it */
    GValue cur = G_VALUE_INIT;
    g_value_init (&cur, p->value_type);
    g_object_get_property (G_OBJECT (e), p->name, &cur);
    EXPECT_EQ (g_param_values_cmp (p, &v, &cur), 0) << name << "::" << pn
        << " does not start at its default";
    g_value_unset (&v);
    g_value_unset (&cur);
    if (G_IS_PARAM_SPEC_INT (p)) {
      EXPECT_LT (G_PARAM_SPEC_INT (p)->minimum, G_PARAM_SPEC_INT (p)->maximum);
    }
    if (G_IS_PARAM_SPEC_ENUM (p)) {
      GEnumClass *ec = G_PARAM_SPEC_ENUM (p)->enum_class;
      for (guint k = 0; k < ec->n_values; k++) {
        EXPECT_GT (strlen (ec->values[k].value_nick), 0u);
        EXPECT_GT (strlen (ec->values[k].value_name), 8u) << pn;
      }
    }
    if (G_IS_PARAM_SPEC_FLAGS (p)) {
      GFlagsClass *fc = G_PARAM_SPEC_FLAGS (p)->flags_class;
      for (guint k = 0; k < fc->n_values; k++)
        EXPECT_GT (strlen (fc->values[k].value_name), 8u) << pn;
    }
  }
  g_free (props);
  EXPECT_GE (own, 3) << name;

  if (g_str_equal (name, "rnn") || g_str_equal (name, "lstm")
      || g_str_equal (name, "gru")) {
    guint id = g_signal_lookup ("reset", G_OBJECT_TYPE (e));
    ASSERT_NE (id, 0u);
    GSignalQuery q;
    g_signal_query (id, &q);
    EXPECT_TRUE (q.signal_flags & G_SIGNAL_ACTION);
    for (const char *p : { "model", "output", "emit", "window",
            "initial-state", "state-location", "reset-on", "threads",
            "checkpoint-frames", "resume" })
      EXPECT_NE (g_object_class_find_property (G_OBJECT_GET_CLASS (e), p),
          nullptr) << name << " lacks " << p;
  }
  gst_object_unref (e);
  gst_object_unref (f);
}

TEST_P (GstRecurrentInspect, DocBlockHasALaunchLine)
{
  std::string name = GetParam ();
  std::string src = source_of (name);
  ASSERT_FALSE (src.empty ()) << "source of " << name << " not found";
  size_t sec = src.find ("SECTION:element-" + name);
  ASSERT_NE (sec, std::string::npos);
  EXPECT_LT (sec, src.find ("#include")) << "the doc block opens the file";
  size_t start = src.find ("|[", sec), end = src.find ("]|", sec);
  ASSERT_NE (start, std::string::npos);
  ASSERT_NE (end, std::string::npos);
  std::string block = src.substr (start, end - start);
  EXPECT_NE (block.find ("gst-launch-1.0 "), std::string::npos);
  EXPECT_NE (block.find (name), std::string::npos)
      << "the example uses the element";
}

TEST_P (GstRecurrentInspect, GstInspectShowsEveryPropertyWithItsDefault)
{
  if (kSanitized)
    GTEST_SKIP () << "gst-inspect-1.0 cannot load a sanitizer-built plugin";
  const char *name = GetParam ();
  int status = -1;
  std::string out = inspect (name, &status);
  if (out.empty () && status == -1)
    GTEST_SKIP () << "gst-inspect-1.0 not found";
  ASSERT_EQ (status, 0) << out;
  EXPECT_NE (out.find ("Klass"), std::string::npos);
  EXPECT_NE (out.find ("Pad Templates"), std::string::npos);
  GstElement *e = gst_element_factory_make (name, nullptr);
  guint n = 0;
  GParamSpec **props = g_object_class_list_properties (G_OBJECT_GET_CLASS (e),
      &n);
  for (guint i = 0; i < n; i++) {
    if (inherited (props[i]))
      continue;
    size_t at = out.find (std::string ("  ") + props[i]->name + " ");
    ASSERT_NE (at, std::string::npos) << props[i]->name;
    /* the entry runs until the next line indented by two spaces only */
    size_t next = out.find ('\n', at);
    while (next != std::string::npos && next + 3 < out.size ()
        && out.compare (next + 1, 2, "  ") == 0 && out[next + 3] == ' ')
      next = out.find ('\n', next + 1);
    std::string entry = out.substr (at, next - at);
    EXPECT_NE (entry.find (g_param_spec_get_blurb (props[i])),
        std::string::npos) << entry;
    EXPECT_NE (entry.find ("Default"), std::string::npos) << entry;
  }
  g_free (props);
  gst_object_unref (e);
}

INSTANTIATE_TEST_SUITE_P (Elements, GstRecurrentInspect,
    ::testing::ValuesIn (kElements));

TEST (GstRecurrentInspectPlugin, ListsTheElements)
{
  if (kSanitized)
    GTEST_SKIP () << "gst-inspect-1.0 cannot load a sanitizer-built plugin";
  int status = -1;
  std::string out = inspect ("recurrent", &status);
  if (out.empty () && status == -1)
    GTEST_SKIP () << "gst-inspect-1.0 not found";
  ASSERT_EQ (status, 0) << out;
  for (const char *e : kElements)
    EXPECT_NE (out.find (std::string ("  ") + e + ": "), std::string::npos)
        << e << " in\n" << out;
}
