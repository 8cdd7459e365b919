/* gst-recurrent: the tokenize element.
 *
 * SECTION:element-tokenize
 * @title: tokenize
 * @short_description: UTF-8 text to one token per line (NLTK WordPunct)
 *
 * Splits UTF-8 text into NLTK WordPunctTokenizer tokens, the matches of the
 * Python 3 regular expression `\w+|[^\w\s]+`: runs of letters, digits and
 * underscores, and runs of anything that is neither such a character nor
 * white space (`don't` gives `don`, `'`, `t`; `.\"--` stays one token). `\w`
 * and `\s` follow Python 3's Unicode rules (see lib/rnc-tokenizer.h), so the
 * tokens equal NLTK's token for token, as its Moby Dick reference shows.
 *
 * Each token is written followed by `\n`. Then, in the notebook's order:
 * #GstTokenize:lowercase (Python's str.lower()), the #GstTokenize:dictionary
 * filter (keep only tokens listed in a word-list file; with the default
 * #GstTokenize:dictionary-rule only the file's all-lowercase lines count,
 * exactly as the notebook's `english_dict`), and #GstTokenize:stopwords
 * (drop NLTK's 179 English stopwords, built in, or the words of a file).
 * #GstTokenize:max-tokens stops after that many raw tokens, as the
 * notebook's `list(text)[:50000]`: the element then returns EOS upstream,
 * which a source answers with an EOS event.
 *
 * `mode=char` emits every character as a token instead, a run of white
 * space becoming one token holding a single space (none at the start or the
 * end), for character-level language models.
 *
 * The tokenizer keeps a token or a UTF-8 character split across buffers, so
 * any split of the input gives the same output. Invalid UTF-8 is replaced
 * by U+FFFD (or skipped, #GstTokenize:invalid-utf8) and reported with an
 * element warning, the first time and, with the total, at end of stream.
 * A DISCONT buffer drops the unfinished token of the data before the gap;
 * FLUSH_STOP and STREAM_START start afresh; EOS emits the last token.
 * Runs longer than #GstTokenize:max-token-bytes are cut into pieces.
 *
 * Caps: `text/x-raw, format=utf8` in and out. Output buffers keep the input
 * buffer's PTS. A TIME segment passes through; any other (filesrc's BYTES)
 * is replaced by a BYTES segment from 0, as the output is new bytes.
 *
 * ## Example launch lines (pipelines/seed-nlp.sh)
 * |[
 * gst-launch-1.0 filesrc location=melville-moby_dick.txt ! tokenize ! filesink location=tokens.txt
 * gst-launch-1.0 filesrc location=melville-moby_dick.txt ! tokenize max-tokens=50000 lowercase=true \
 *     dictionary=words/en stopwords=english ! filesink location=preprocessed.txt
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttokenize.h"
#include "gstrecurrentelements.h"
#include "gstrecurrentutil.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_tokenize_debug);
#define GST_CAT_DEFAULT gst_tokenize_debug

enum
{
  PROP_0,
  PROP_LOWERCASE,
  PROP_DICTIONARY,
  PROP_DICTIONARY_RULE,
  PROP_STOPWORDS,
  PROP_MODE,
  PROP_MAX_TOKEN_BYTES,
  PROP_MAX_TOKENS,
  PROP_INVALID_UTF8,
};

#define DEFAULT_LOWERCASE FALSE
#define DEFAULT_DICTIONARY NULL
#define DEFAULT_DICTIONARY_RULE RNC_WORD_SET_RULE_LOWERCASE
#define DEFAULT_STOPWORDS "none"
#define DEFAULT_MODE RNC_TOKENIZER_MODE_WORD
#define DEFAULT_MAX_TOKEN_BYTES RNC_TOKENIZER_DEFAULT_MAX_TOKEN_BYTES
#define DEFAULT_MAX_TOKENS 0
#define DEFAULT_INVALID_UTF8 RNC_TOKENIZER_INVALID_REPLACE

#define TEXT_CAPS "text/x-raw, format = (string) utf8"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (TEXT_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (TEXT_CAPS));

GType
gst_tokenize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {RNC_TOKENIZER_MODE_WORD, "Word and punctuation runs (\\w+|[^\\w\\s]+)",
        "word"},
    {RNC_TOKENIZER_MODE_CHAR, "Every character; a white-space run is one space",
        "char"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstTokenizeMode",
            values));
  return type;
}

GType
gst_tokenize_dictionary_rule_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {RNC_WORD_SET_RULE_LOWERCASE,
        "Only all-lowercase lines (Python str.islower(), the notebook's english_dict)",
        "lowercase"},
    {RNC_WORD_SET_RULE_ALL, "Every non-empty line", "all"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstTokenizeDictionaryRule", values));
  return type;
}

GType
gst_tokenize_invalid_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {RNC_TOKENIZER_INVALID_REPLACE, "Replace with U+FFFD (a punctuation char)",
        "replace"},
    {RNC_TOKENIZER_INVALID_SKIP, "Skip the bytes", "skip"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstTokenizeInvalid",
            values));
  return type;
}

#define gst_tokenize_parent_class parent_class
G_DEFINE_TYPE (GstTokenize, gst_tokenize, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (tokenize, "tokenize", GST_RANK_NONE,
    GST_TYPE_TOKENIZE);

static void gst_tokenize_finalize (GObject * object);
static void gst_tokenize_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_tokenize_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_tokenize_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_tokenize_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static gboolean gst_tokenize_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static void
gst_tokenize_class_init (GstTokenizeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_tokenize_debug, "tokenize", 0,
      "NLTK WordPunct tokenizer");

  gobject_class->finalize = gst_tokenize_finalize;
  gobject_class->set_property = gst_tokenize_set_property;
  gobject_class->get_property = gst_tokenize_get_property;

  g_object_class_install_property (gobject_class, PROP_LOWERCASE,
      g_param_spec_boolean ("lowercase", "Lowercase",
          "Lowercase every token (Python str.lower(), Unicode-aware) before "
          "the filters; takes effect from the next token",
          DEFAULT_LOWERCASE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DICTIONARY,
      g_param_spec_string ("dictionary", "Dictionary",
          "Word-list file (one word per line, UTF-8): keep only tokens listed "
          "in it (see dictionary-rule); NULL keeps every token",
          DEFAULT_DICTIONARY, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DICTIONARY_RULE,
      g_param_spec_enum ("dictionary-rule", "Dictionary rule",
          "Which lines of the dictionary file count as words",
          GST_TYPE_TOKENIZE_DICTIONARY_RULE, DEFAULT_DICTIONARY_RULE,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STOPWORDS,
      g_param_spec_string ("stopwords", "Stopwords",
          "Tokens to drop: \"none\", \"english\" (NLTK's 179 words, built "
          "in), or a word-list file (\"./english\" for a file of that name)",
          DEFAULT_STOPWORDS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Word tokens or characters",
          GST_TYPE_TOKENIZE_MODE, DEFAULT_MODE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_TOKEN_BYTES,
      g_param_spec_uint ("max-token-bytes", "Max token bytes",
          "Runs longer than this many bytes (before lowercasing) are cut at "
          "character boundaries into several tokens",
          RNC_TOKENIZER_MIN_TOKEN_BYTES, RNC_TOKENIZER_MAX_TOKEN_BYTES,
          DEFAULT_MAX_TOKEN_BYTES, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_TOKENS,
      g_param_spec_uint64 ("max-tokens", "Max tokens",
          "Stop (EOS) after this many raw tokens, counted before the "
          "dictionary and stopword filters; 0 = no limit",
          0, G_MAXUINT64, DEFAULT_MAX_TOKENS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INVALID_UTF8,
      g_param_spec_enum ("invalid-utf8", "Invalid UTF-8",
          "What to do with bytes that are not valid UTF-8 (a warning is "
          "posted either way)", GST_TYPE_TOKENIZE_INVALID,
          DEFAULT_INVALID_UTF8, rw | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Tokenizer",
      "Filter/Text",
      "Splits UTF-8 text into NLTK WordPunct tokens (or characters), one per "
      "line, with optional lowercasing, dictionary and stopword filters",
      GST_RECURRENT_AUTHORS);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_tokenize_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_TOKENIZE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_TOKENIZE_DICTIONARY_RULE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_TOKENIZE_INVALID, 0);
}

static void
gst_tokenize_init (GstTokenize * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_tokenize_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_tokenize_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->lowercase = DEFAULT_LOWERCASE;
  self->dictionary = g_strdup (DEFAULT_DICTIONARY);
  self->dictionary_rule = DEFAULT_DICTIONARY_RULE;
  self->stopwords = g_strdup (DEFAULT_STOPWORDS);
  self->mode = DEFAULT_MODE;
  self->max_token_bytes = DEFAULT_MAX_TOKEN_BYTES;
  self->max_tokens = DEFAULT_MAX_TOKENS;
  self->invalid = DEFAULT_INVALID_UTF8;
  self->out = g_byte_array_new ();
}

static void
gst_tokenize_finalize (GObject * object)
{
  GstTokenize *self = GST_TOKENIZE (object);

  g_free (self->dictionary);
  g_free (self->stopwords);
  g_byte_array_unref (self->out);
  rnc_tokenizer_free (self->tok);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_tokenize_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstTokenize *self = GST_TOKENIZE (object);

  GST_OBJECT_LOCK (self);
  if (gst_recurrent_property_locked (GST_ELEMENT (self), pspec)) {
    GST_OBJECT_UNLOCK (self);
    gst_recurrent_post_property_refused (GST_ELEMENT (self), pspec);
    return;
  }
  switch (prop_id) {
    case PROP_LOWERCASE:
      self->lowercase = g_value_get_boolean (value);
      break;
    case PROP_DICTIONARY:
      g_free (self->dictionary);
      self->dictionary = g_value_dup_string (value);
      break;
    case PROP_DICTIONARY_RULE:
      self->dictionary_rule = g_value_get_enum (value);
      break;
    case PROP_STOPWORDS:
      g_free (self->stopwords);
      self->stopwords = g_value_dup_string (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_MAX_TOKEN_BYTES:
      self->max_token_bytes = g_value_get_uint (value);
      break;
    case PROP_MAX_TOKENS:
      self->max_tokens = g_value_get_uint64 (value);
      break;
    case PROP_INVALID_UTF8:
      self->invalid = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tokenize_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstTokenize *self = GST_TOKENIZE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOWERCASE:
      g_value_set_boolean (value, self->lowercase);
      break;
    case PROP_DICTIONARY:
      g_value_set_string (value, self->dictionary);
      break;
    case PROP_DICTIONARY_RULE:
      g_value_set_enum (value, self->dictionary_rule);
      break;
    case PROP_STOPWORDS:
      g_value_set_string (value, self->stopwords);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_MAX_TOKEN_BYTES:
      g_value_set_uint (value, self->max_token_bytes);
      break;
    case PROP_MAX_TOKENS:
      g_value_set_uint64 (value, self->max_tokens);
      break;
    case PROP_INVALID_UTF8:
      g_value_set_enum (value, self->invalid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* READY -> PAUSED: reads the word lists and builds the tokenizer. */
static gboolean
gst_tokenize_start (GstElement * element)
{
  GstTokenize *self = GST_TOKENIZE (element);
  RncTokenizerConfig config;
  RncWordSet *dict = NULL, *stop = NULL;
  RncWordSetRule rule;
  gchar *dictionary, *stopwords;
  GError *err = NULL;

  rnc_tokenizer_config_init (&config);
  GST_OBJECT_LOCK (self);
  config.mode = self->mode;
  config.invalid = self->invalid;
  config.lowercase = self->lowercase;
  config.max_token_bytes = self->max_token_bytes;
  config.max_tokens = self->max_tokens;
  rule = self->dictionary_rule;
  dictionary = g_strdup (self->dictionary);
  stopwords = g_strdup (self->stopwords);
  GST_OBJECT_UNLOCK (self);

  if (dictionary && dictionary[0]) {
    dict = rnc_word_set_load (dictionary, rule, &err);
    if (dict == NULL)
      goto dictionary_failed;
    GST_INFO_OBJECT (self, "dictionary %s: %zu words", dictionary,
        rnc_word_set_get_size (dict));
  }
  stop = rnc_word_set_new_stopwords (stopwords, &err);
  if (err != NULL)
    goto stopwords_failed;

  self->tok = rnc_tokenizer_new (&config, &err);
  if (self->tok == NULL)
    goto config_failed;
  rnc_tokenizer_set_dictionary (self->tok, dict);
  rnc_tokenizer_set_stopwords (self->tok, stop);
  self->invalid_warned = FALSE;
  self->done = FALSE;
  g_free (dictionary);
  g_free (stopwords);
  return TRUE;

  /* ERRORS */
dictionary_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not read the dictionary \"%s\".", dictionary),
      ("%s", err->message));
  goto failed;
stopwords_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not read the stopwords \"%s\".", stopwords),
      ("%s", err->message));
  goto failed;
config_failed:
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Invalid settings."),
      ("%s", err->message));
  goto failed;
failed:
  g_clear_error (&err);
  rnc_word_set_free (dict);
  rnc_word_set_free (stop);
  g_free (dictionary);
  g_free (stopwords);
  return FALSE;
}

static void
gst_tokenize_stop (GstElement * element)
{
  GstTokenize *self = GST_TOKENIZE (element);

  rnc_tokenizer_free (self->tok);
  self->tok = NULL;
  g_byte_array_set_size (self->out, 0);
}

static GstStateChangeReturn
gst_tokenize_change_state (GstElement * element, GstStateChange transition)
{
  return gst_recurrent_change_state (element, transition,
      GST_ELEMENT_CLASS (parent_class), gst_tokenize_start, gst_tokenize_stop);
}

/* Tokenizer callback: appends "token\n" (streaming thread). */
static void
gst_tokenize_append (const char *token, size_t len, gpointer user_data)
{
  GByteArray *out = user_data;
  g_byte_array_append (out, (const guint8 *) token, (guint) len);
  g_byte_array_append (out, (const guint8 *) "\n", 1);
}

/* Pushes what the tokenizer wrote, if anything. */
static GstFlowReturn
gst_tokenize_push_out (GstTokenize * self, GstClockTime pts)
{
  GstBuffer *buf;

  if (self->out->len == 0)
    return GST_FLOW_OK;
  buf = gst_buffer_new_memdup (self->out->data, self->out->len);
  g_byte_array_set_size (self->out, 0);
  GST_BUFFER_PTS (buf) = pts;
  return gst_pad_push (self->srcpad, buf);
}

static void
gst_tokenize_check_invalid (GstTokenize * self, gboolean at_eos)
{
  guint64 n = rnc_tokenizer_get_n_invalid (self->tok);
  const char *what = self->invalid == RNC_TOKENIZER_INVALID_SKIP ?
      "skipped" : "replaced with U+FFFD";

  if (n > 0 && !self->invalid_warned) {
    self->invalid_warned = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("Invalid UTF-8 in the input text."),
        ("first invalid byte at offset %" G_GINT64_FORMAT ", %s; the total is "
            "reported at end of stream",
            rnc_tokenizer_get_first_invalid_offset (self->tok), what));
  } else if (at_eos && n > 1) {
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("Invalid UTF-8 in the input text."),
        ("%" G_GUINT64_FORMAT " invalid UTF-8 sequences %s in all", n, what));
  }
}

static GstFlowReturn
gst_tokenize_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstTokenize *self = GST_TOKENIZE (parent);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstFlowReturn ret;
  GstMapInfo map;
  gboolean lowercase;

  if (self->done) {
    gst_buffer_unref (buf);
    return GST_FLOW_EOS;
  }

  GST_OBJECT_LOCK (self);
  lowercase = self->lowercase;
  GST_OBJECT_UNLOCK (self);
  rnc_tokenizer_set_lowercase (self->tok, lowercase);

  if (GST_BUFFER_IS_DISCONT (buf)) {
    GST_DEBUG_OBJECT (self, "DISCONT: dropping the unfinished token");
    rnc_tokenizer_discard (self->tok);
  }

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    goto map_failed;
  self->done = rnc_tokenizer_feed (self->tok, map.data, map.size,
      gst_tokenize_append, self->out);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);

  gst_tokenize_check_invalid (self, FALSE);
  ret = gst_tokenize_push_out (self, pts);
  if (ret == GST_FLOW_OK && self->done) {
    GST_INFO_OBJECT (self, "max-tokens reached");
    ret = GST_FLOW_EOS;
  }
  return ret;

  /* ERRORS */
map_failed:
  gst_buffer_unref (buf);
  GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
      ("could not map the input buffer"));
  return GST_FLOW_ERROR;
}

static gboolean
gst_tokenize_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstTokenize *self = GST_TOKENIZE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps = gst_pad_get_pad_template_caps (self->srcpad);
      gboolean ok;
      gst_event_unref (event);
      ok = gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
      gst_caps_unref (caps);
      return ok;
    }
    case GST_EVENT_SEGMENT:
      event = gst_recurrent_segment_for_output (event, GST_FORMAT_BYTES);
      break;
    case GST_EVENT_EOS:
      if (self->tok) {
        rnc_tokenizer_finish (self->tok, gst_tokenize_append, self->out);
        gst_tokenize_check_invalid (self, TRUE);
        gst_tokenize_push_out (self, GST_CLOCK_TIME_NONE);
      }
      break;
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      if (self->tok)
        rnc_tokenizer_reset (self->tok);
      g_byte_array_set_size (self->out, 0);
      self->invalid_warned = FALSE;
      self->done = FALSE;
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
