/* gst-recurrent: what the plugin's elements share. */
#include "gstrecurrentutil.h"

GST_DEBUG_CATEGORY_STATIC (gst_recurrent_util_debug);
#define GST_CAT_DEFAULT gst_recurrent_util_debug

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_recurrent_util_debug, "recurrent", 0,
        "gst-recurrent elements");
    g_once_init_leave (&done, 1);
  }
}

gboolean
gst_recurrent_property_locked (GstElement * element, GParamSpec * pspec)
{
  if (!(pspec->flags & GST_PARAM_MUTABLE_READY)
      || GST_STATE (element) <= GST_STATE_READY)
    return FALSE;
  init_debug ();
  GST_WARNING_OBJECT (element, "property '%s' can only be changed in the "
      "NULL or READY state; ignored", pspec->name);
  return TRUE;
}

void
gst_recurrent_post_property_refused (GstElement * element, GParamSpec * pspec)
{
  GST_ELEMENT_WARNING (element, CORE, STATE_CHANGE,
      ("Property '%s' can only be changed in the NULL or READY state; the "
          "new value is ignored.", pspec->name), (NULL));
}

GstStateChangeReturn
gst_recurrent_change_state (GstElement * element, GstStateChange transition,
    GstElementClass * parent_class, GstRecurrentStartFunc start,
    GstRecurrentStopFunc stop)
{
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start (element))
    return GST_STATE_CHANGE_FAILURE;

  ret = parent_class->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || (transition == GST_STATE_CHANGE_READY_TO_PAUSED
          && ret == GST_STATE_CHANGE_FAILURE))
    stop (element);
  return ret;
}

GstEvent *
gst_recurrent_segment_for_output (GstEvent * event, GstFormat format)
{
  const GstSegment *in;
  GstSegment seg;
  guint32 seqnum;

  gst_event_parse_segment (event, &in);
  if (in->format == GST_FORMAT_TIME)
    return event;
  seqnum = gst_event_get_seqnum (event);
  gst_event_unref (event);
  gst_segment_init (&seg, format);
  event = gst_event_new_segment (&seg);
  gst_event_set_seqnum (event, seqnum);
  return event;
}
