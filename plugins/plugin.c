/* gst-recurrent: the "recurrent" plugin. Elements register here. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstrecurrentelements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  /* ret |= GST_ELEMENT_REGISTER (<element>, plugin); one line per element */
  ret |= GST_ELEMENT_REGISTER (csvdec, plugin);
  ret |= GST_ELEMENT_REGISTER (csvenc, plugin);
  ret |= GST_ELEMENT_REGISTER (generate, plugin);
  ret |= GST_ELEMENT_REGISTER (gru, plugin);
  ret |= GST_ELEMENT_REGISTER (lstm, plugin);
  ret |= GST_ELEMENT_REGISTER (rnn, plugin);
  ret |= GST_ELEMENT_REGISTER (tokenize, plugin);
  ret |= GST_ELEMENT_REGISTER (vocab_encode, plugin);
  ret |= GST_ELEMENT_REGISTER (vocab_decode, plugin);
  ret = TRUE;
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, recurrent,
    "Recurrent neural networks (RNN, LSTM, GRU) on streams, with text and CSV companions",
    plugin_init, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME,
    GST_PACKAGE_ORIGIN)
