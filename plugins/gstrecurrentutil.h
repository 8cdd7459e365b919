/* gst-recurrent: what the plugin's elements share — READY-only properties,
 * start/stop around READY <-> PAUSED, and segments of outputs that are not
 * the input's bytes. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Whether @pspec may not change now: a READY-only property
 * (GST_PARAM_MUTABLE_READY) of an element above READY. Logs the refusal.
 * Call with the object lock held. */
gboolean gst_recurrent_property_locked (GstElement * element,
    GParamSpec * pspec);

/* Posts the bus WARNING of a refused property change. Call without the
 * object lock (posting takes it). */
void gst_recurrent_post_property_refused (GstElement * element,
    GParamSpec * pspec);

typedef gboolean (*GstRecurrentStartFunc) (GstElement * element);
typedef void (*GstRecurrentStopFunc) (GstElement * element);

/* change_state of an element that runs @start before READY -> PAUSED (its
 * failure fails the change) and @stop after PAUSED -> READY, or after a
 * READY -> PAUSED that its parent class failed. */
GstStateChangeReturn gst_recurrent_change_state (GstElement * element,
    GstStateChange transition, GstElementClass * parent_class,
    GstRecurrentStartFunc start, GstRecurrentStopFunc stop);

/* (transfer full) The SEGMENT @event (transfer full) to send downstream: as
 * it is in TIME, otherwise a fresh segment of @format with the same seqnum
 * (a sink must not seek to byte positions of the input in our output). */
GstEvent *gst_recurrent_segment_for_output (GstEvent * event,
    GstFormat format);

G_END_DECLS
