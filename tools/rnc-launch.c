/* rnc-launch: runs a gst-launch-1.0 pipeline description to its end, for
 * scripts: it never hangs on an error.
 *
 *   rnc-launch [-q] [-v] [-e] PIPELINE-DESCRIPTION
 *
 * The description is gst-launch-1.0's (gst_parse_launchv). The pipeline
 * goes to PLAYING; messages are taken from the bus queue, so an error is
 * seen whenever it is posted, even before the first look at the bus.
 * gst-launch-1.0 1.22 can lose one: its bus sync handler quits a main loop
 * that may not run yet (docs/reliability.md).
 *
 *   -q  no warnings (errors are always printed)
 *   -v  print property changes (caps of every pad), as gst-launch-1.0 -v
 *   -e  on Ctrl-C send EOS and wait for it (a second Ctrl-C stops at once)
 *
 * Errors and warnings go to stderr in gst-launch-1.0's words; with -v,
 * property changes go to stdout. Exit status: 0 at EOS, 1 after an error
 * (or a pipeline that does not parse or start), 2 on a usage error, 130
 * when interrupted. */
#include <gst/gst.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

enum { EXIT_EOS = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

static volatile sig_atomic_t interrupts;

static void
on_sigint (int sig)
{
  (void) sig;
  interrupts++;
}

static void
print_error (GstMessage *msg, const char *what)
{
  GError *err = NULL;
  char *debug = NULL, *name;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &debug);
  else
    gst_message_parse_warning (msg, &err, &debug);
  name = gst_object_get_path_string (GST_MESSAGE_SRC (msg));
  fprintf (stderr, "%s: from element %s: %s\n", what, name, err->message);
  if (debug)
    fprintf (stderr, "Additional debug info:\n%s\n", debug);
  g_free (name);
  g_free (debug);
  g_error_free (err);
}

static void
print_property (GstMessage *msg)
{
  GstObject *obj;
  const char *prop;
  const GValue *val;
  char *name, *str;

  gst_message_parse_property_notify (msg, &obj, &prop, &val);
  name = gst_object_get_path_string (obj);
  if (!val)
    str = g_strdup ("(no value)");
  else if (G_VALUE_HOLDS_STRING (val))
    str = g_value_dup_string (val);
  else if (G_VALUE_TYPE (val) == GST_TYPE_CAPS)
    str = gst_caps_to_string (g_value_get_boxed (val));
  else
    str = gst_value_serialize (val);
  printf ("%s: %s = %s\n", name, prop, str ? str : "(unprintable)");
  fflush (stdout);
  g_free (str);
  g_free (name);
}

/* After a failed start: print the errors the bus holds (they say why). */
static void
print_queued_errors (GstBus *bus)
{
  GstMessage *msg;
  gboolean any = FALSE;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    print_error (msg, "ERROR");
    gst_message_unref (msg);
    any = TRUE;
  }
  if (!any)
    fprintf (stderr, "ERROR: the pipeline does not start\n");
}

static int
run (GstElement *pipeline, gboolean quiet, gboolean eos_on_interrupt)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessageType types = GST_MESSAGE_ERROR | GST_MESSAGE_EOS |
      GST_MESSAGE_WARNING | GST_MESSAGE_PROPERTY_NOTIFY |
      GST_MESSAGE_LATENCY | GST_MESSAGE_CLOCK_LOST |
      GST_MESSAGE_REQUEST_STATE | GST_MESSAGE_BUFFERING;
  GstStateChangeReturn ret;
  gboolean live, buffering = FALSE, eos_sent = FALSE;
  int status = -1;

  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    print_queued_errors (bus);
    gst_object_unref (bus);
    return EXIT_ERROR;
  }
  live = ret == GST_STATE_CHANGE_NO_PREROLL;

  while (status < 0) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 50 * GST_MSECOND,
        types);

    if (interrupts > 0) {
      if (eos_on_interrupt && !eos_sent && interrupts == 1) {
        fprintf (stderr, "Interrupt: sending EOS ...\n");
        gst_element_send_event (pipeline, gst_event_new_eos ());
        eos_sent = TRUE;
      } else if (!eos_on_interrupt || interrupts > 1) {
        fprintf (stderr, "Interrupt: stopping the pipeline ...\n");
        status = EXIT_INTERRUPTED;
      }
    }
    if (!msg)
      continue;

    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        print_error (msg, "ERROR");
        status = EXIT_ERROR;
        break;
      case GST_MESSAGE_EOS:
        status = EXIT_EOS;
        break;
      case GST_MESSAGE_WARNING:
        if (!quiet)
          print_error (msg, "WARNING");
        break;
      case GST_MESSAGE_PROPERTY_NOTIFY:
        print_property (msg);
        break;
      case GST_MESSAGE_LATENCY:
        gst_bin_recalculate_latency (GST_BIN (pipeline));
        break;
      case GST_MESSAGE_CLOCK_LOST:
        gst_element_set_state (pipeline, GST_STATE_PAUSED);
        gst_element_set_state (pipeline, GST_STATE_PLAYING);
        break;
      case GST_MESSAGE_REQUEST_STATE:{
        GstState state;
        gst_message_parse_request_state (msg, &state);
        gst_element_set_state (pipeline, state);
        break;
      }
      case GST_MESSAGE_BUFFERING:{
        gint percent;
        gst_message_parse_buffering (msg, &percent);
        if (live)
          break;
        if (percent < 100 && !buffering) {
          buffering = TRUE;
          gst_element_set_state (pipeline, GST_STATE_PAUSED);
        } else if (percent == 100 && buffering) {
          buffering = FALSE;
          gst_element_set_state (pipeline, GST_STATE_PLAYING);
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref (msg);
  }

  gst_object_unref (bus);
  return status;
}

int
main (int argc, char **argv)
{
  gboolean quiet = FALSE, verbose = FALSE, eos_on_interrupt = FALSE;
  GOptionEntry options[] = {
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No warnings", NULL},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
        "Print property changes (the caps of every pad)", NULL},
    {"eos-on-shutdown", 'e', 0, G_OPTION_ARG_NONE, &eos_on_interrupt,
        "On Ctrl-C send EOS and wait for it", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  GstElement *pipeline;
  struct sigaction sa;
  char **desc;
  int status;

  ctx = g_option_context_new ("PIPELINE-DESCRIPTION");
  g_option_context_set_summary (ctx, "Runs a gst-launch-1.0 pipeline "
      "description to its end, and never hangs on an error.\n"
      "Exit status: 0 at EOS, 1 after an error, 2 on a usage error, "
      "130 when interrupted.");
  g_option_context_add_main_entries (ctx, options, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "rnc-launch: %s\n", err->message);
    g_error_free (err);
    g_option_context_free (ctx);
    return EXIT_USAGE;
  }
  g_option_context_free (ctx);
  if (argc < 2) {
    fprintf (stderr, "usage: rnc-launch [-q] [-v] [-e] "
        "PIPELINE-DESCRIPTION (rnc-launch --help)\n");
    return EXIT_USAGE;
  }

  desc = g_new0 (char *, argc);
  memcpy (desc, argv + 1, sizeof (char *) * (argc - 1));
  pipeline = gst_parse_launchv ((const char **) desc, &err);
  g_free (desc);
  if (!pipeline || err) {
    fprintf (stderr, "ERROR: the pipeline does not parse: %s\n",
        err ? err->message : "(no reason given)");
    g_clear_error (&err);
    if (pipeline)
      gst_object_unref (pipeline);
    return EXIT_ERROR;
  }
  if (!GST_IS_PIPELINE (pipeline)) {
    GstElement *outer = gst_pipeline_new (NULL);
    gst_bin_add (GST_BIN (outer), pipeline);
    pipeline = outer;
  }
  if (verbose)
    gst_element_add_property_deep_notify_watch (pipeline, NULL, TRUE);

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);

  status = run (pipeline, quiet, eos_on_interrupt);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_deinit ();
  return status;
}
