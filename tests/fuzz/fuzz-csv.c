/* Fuzz target: the CSV reader (rnc-csv.h). Input: two option bytes
 * (delimiter, header mode, NaN policy, column list; chunking seed), then the
 * text. Invariants: feeding the text in pieces (keeping the unconsumed rest
 * as csvdec does) gives the same frames, width, header and counters, or the
 * same error, as feeding it whole; the whole-text helper agrees; frames
 * written back with rnc_csv_format_floats (9 digits) read back bit for
 * bit. */
#include "fuzz-util.h"

#include <math.h>

#include "rnc-csv.h"

typedef struct {
  GArray *frames;
  GError *error;
  size_t width;
  gboolean has_header;
  guint64 dropped, held;
} CsvResult;

static void
csv_result_clear (CsvResult *r)
{
  g_array_unref (r->frames);
  g_clear_error (&r->error);
}

/* Feeds @text in pieces of the chunker's lengths (all at once without
 * one), as csvdec does: the bytes not consumed are kept and passed again
 * with the next piece. */
static void
run_reader (const RncCsvOptions *opts, const char *text, size_t len,
    FuzzChunker *chunker, CsvResult *r)
{
  g_autoptr (RncCsvReader) reader = rnc_csv_reader_new (opts, NULL);
  GByteArray *pending = g_byte_array_new ();
  size_t pos = 0, consumed;
  gboolean ok = TRUE;

  FUZZ_CHECK (reader != NULL);
  memset (r, 0, sizeof (*r));
  r->frames = g_array_new (FALSE, FALSE, sizeof (float));
  while (ok && pos < len) {
    size_t n = chunker ? fuzz_chunker_next (chunker, len - pos) : len - pos;

    g_byte_array_append (pending, (const guint8 *) text + pos, (guint) n);
    pos += n;
    consumed = 0;
    ok = rnc_csv_reader_feed (reader, (const char *) pending->data,
        pending->len, FALSE, &consumed, r->frames, &r->error);
    FUZZ_CHECK (consumed <= pending->len);
    g_byte_array_remove_range (pending, 0, (guint) consumed);
  }
  if (ok) {
    consumed = 0;
    ok = rnc_csv_reader_feed (reader, (const char *) pending->data,
        pending->len, TRUE, &consumed, r->frames, &r->error);
    FUZZ_CHECK (!ok || consumed == pending->len);
  }
  FUZZ_CHECK (ok == (r->error == NULL));
  FUZZ_CHECK (!r->error || r->error->domain == RNC_CSV_ERROR);
  r->width = rnc_csv_reader_get_width (reader);
  r->has_header = rnc_csv_reader_has_header (reader);
  r->dropped = rnc_csv_reader_get_n_dropped (reader);
  r->held = rnc_csv_reader_get_n_held (reader);
  FUZZ_CHECK (r->width == 0 || r->frames->len % r->width == 0);
  FUZZ_CHECK (r->width != 0 || r->frames->len == 0);
  g_byte_array_unref (pending);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char delimiters[4] = { ',', ';', '\t', '|' };
  static const char *const column_lists[4] = { NULL, "0", "1,0", "value" };
  RncCsvOptions opts;
  CsvResult whole, pieces;
  FuzzChunker chunker;
  guint8 o = fuzz_take (&data, &size), seed = fuzz_take (&data, &size);
  const char *text = (const char *) data;
  g_auto (RncCsvTable) table = { 0 };
  g_autoptr (GError) err = NULL;
  gboolean ok;

  fuzz_init ();
  rnc_csv_options_init (&opts);
  opts.delimiter = delimiters[o & 3];
  opts.header = (RncCsvHeaderMode) (((o >> 2) & 3) % 3);
  opts.nan = (RncCsvNanPolicy) (((o >> 4) & 3) % 3);
  opts.columns = column_lists[(o >> 6) & 3];

  run_reader (&opts, text, size, NULL, &whole);
  fuzz_chunker_init (&chunker, seed);
  run_reader (&opts, text, size, &chunker, &pieces);

  if (!fuzz_same_error (whole.error, pieces.error)) {
    fprintf (stderr, "whole: %s\npieces: %s\n",
        whole.error ? whole.error->message : "ok",
        pieces.error ? pieces.error->message : "ok");
    FUZZ_CHECK (!"same error whole and in pieces");
  }
  FUZZ_CHECK (whole.frames->len == pieces.frames->len);
  FUZZ_CHECK (whole.frames->len == 0 || memcmp (whole.frames->data,
          pieces.frames->data, whole.frames->len * sizeof (float)) == 0);
  FUZZ_CHECK (whole.width == pieces.width);
  FUZZ_CHECK (whole.has_header == pieces.has_header);
  FUZZ_CHECK (whole.dropped == pieces.dropped && whole.held == pieces.held);

  /* The whole-text helper of the tools: same frames, or an error of the
   * same code (no data record at all is an error there). */
  ok = rnc_csv_parse_data (text, size, &opts, "fuzz.csv", &table, &err);
  if (whole.error) {
    FUZZ_CHECK (!ok && err->code == whole.error->code);
  } else if (whole.frames->len == 0) {
    FUZZ_CHECK (!ok && err->code == RNC_CSV_ERROR_COLUMN);
  } else {
    if (!ok)
      fprintf (stderr, "parse_data: %s\n", err->message);
    FUZZ_CHECK (ok);
    FUZZ_CHECK (table.width == whole.width);
    FUZZ_CHECK (table.n_rows * table.width == whole.frames->len);
    FUZZ_CHECK (memcmp (table.values, whole.frames->data,
            whole.frames->len * sizeof (float)) == 0);
  }
  FUZZ_CHECK (ok || g_str_has_prefix (err->message, "fuzz.csv"));

  /* Values are finite floats; 9 significant digits read back exactly. */
  if (!whole.error && whole.frames->len > 0) {
    GString *s = g_string_new (NULL);
    const float *v = (const float *) whole.frames->data;
    RncCsvOptions plain;
    g_auto (RncCsvTable) back = { 0 };
    size_t i, rows = whole.frames->len / whole.width;

    for (i = 0; i < whole.frames->len; i++)
      FUZZ_CHECK (isfinite (v[i]));
    rnc_csv_format_floats (s, v, rows, whole.width, 9, ',');
    rnc_csv_options_init (&plain);
    plain.header = RNC_CSV_HEADER_ABSENT;
    g_clear_error (&err);
    if (!rnc_csv_parse_data (s->str, s->len, &plain, "formatted", &back,
            &err)) {
      fprintf (stderr, "%s\n", err->message);
      FUZZ_CHECK (!"formatted frames parse");
    }
    FUZZ_CHECK (back.n_rows == rows && back.width == whole.width);
    FUZZ_CHECK (memcmp (back.values, v, rows * whole.width
            * sizeof (float)) == 0);
    g_string_free (s, TRUE);
  }
  csv_result_clear (&whole);
  csv_result_clear (&pieces);
  return 0;
}
