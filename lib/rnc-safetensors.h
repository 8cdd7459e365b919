/* librnc: safetensors reader and writer (generic, any tensor names).
 *
 * Format (https://github.com/huggingface/safetensors): a little-endian u64
 * header length N, N bytes of JSON, then the data section. The JSON is an
 * object whose members are tensors {"dtype", "shape", "data_offsets"} plus
 * an optional "__metadata__" object of string -> string. Offsets are
 * [begin, end) bytes relative to the data section, row-major little-endian.
 *
 * The reader validates the whole header before returning anything (and
 * before the caller allocates anything sized by the file): header length,
 * UTF-8, JSON nesting and size, the shape of the JSON, dtypes, every
 * dimension (<= RNC_MAX_DIM, products checked for overflow), offsets inside
 * the data and exactly shape * dtype bytes, no overlap, no gap and no
 * trailing bytes (as the reference implementation), and duplicate names.
 * Errors are in RNC_MODEL_ERROR (rnc-model-io.h) and name the file and the
 * tensor or field. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* The reference implementation's limit on the JSON header. */
#define RNC_SAFETENSORS_MAX_HEADER ((size_t) 100000000)
/* Rank of a tensor, and JSON nesting depth / node count of a header: far
 * above anything a real file has, low enough that a hostile header can
 * neither blow the parser's stack nor make it allocate gigabytes. */
#define RNC_SAFETENSORS_MAX_RANK 8
#define RNC_SAFETENSORS_MAX_DEPTH 16
#define RNC_SAFETENSORS_MAX_VALUES 200000

typedef enum {
  RNC_DTYPE_BOOL,
  RNC_DTYPE_U8,
  RNC_DTYPE_I8,
  RNC_DTYPE_F8_E5M2,
  RNC_DTYPE_F8_E4M3,
  RNC_DTYPE_I16,
  RNC_DTYPE_U16,
  RNC_DTYPE_F16,
  RNC_DTYPE_BF16,
  RNC_DTYPE_I32,
  RNC_DTYPE_U32,
  RNC_DTYPE_F32,
  RNC_DTYPE_I64,
  RNC_DTYPE_U64,
  RNC_DTYPE_F64,
} RncDtype;

/* The file's spelling ("F32"), and bytes per element. */
const char *rnc_dtype_to_string (RncDtype dtype);
size_t rnc_dtype_get_size (RncDtype dtype);
/* FALSE when @s names no safetensors dtype. */
gboolean rnc_dtype_from_string (const char *s, RncDtype *dtype);

/* One tensor of a parsed file. Everything is validated: n_bytes ==
 * n_elements * dtype size, and data + n_bytes lies inside the buffer. */
typedef struct {
  const char *name;             /* valid UTF-8 */
  RncDtype dtype;
  size_t rank;                  /* 0..RNC_SAFETENSORS_MAX_RANK */
  size_t shape[RNC_SAFETENSORS_MAX_RANK];
  size_t n_elements;            /* product of shape (1 for rank 0) */
  size_t n_bytes;
  size_t offset;                /* begin, relative to the data section */
  const guint8 *data;           /* (n_bytes) inside the parsed buffer; little-endian, unaligned */
} RncTensorInfo;

typedef struct _RncSafetensors RncSafetensors;

/* (transfer full) Parses and validates @data (@size bytes), which must stay
 * alive and unchanged while the result is used (tensor data points into
 * it). @name (the file) is used in error messages. */
RncSafetensors *rnc_safetensors_parse (const guint8 *data, size_t size,
    const char *name, GError **error);
void rnc_safetensors_free (RncSafetensors *st);

const char *rnc_safetensors_get_name (const RncSafetensors *st);
/* Tensors in the order of their data (by offset). */
size_t rnc_safetensors_get_n_tensors (const RncSafetensors *st);
const RncTensorInfo *rnc_safetensors_get_tensor (const RncSafetensors *st,
    size_t i);
/* NULL when absent. */
const RncTensorInfo *rnc_safetensors_lookup (const RncSafetensors *st,
    const char *name);

/* __metadata__: NULL when absent. Keys and values are valid UTF-8. */
const char *rnc_safetensors_get_metadata (const RncSafetensors *st,
    const char *key);
/* (transfer container) Sorted keys; free with g_free. */
const char **rnc_safetensors_list_metadata (const RncSafetensors *st,
    guint *n_keys);

/* Copies a tensor's elements into @dst (n_elements values of the dtype's
 * size) in host byte order. */
void rnc_tensor_info_copy (const RncTensorInfo *t, void *dst);
/* Index of the first NaN or infinite element of an F32/F64 tensor, or
 * (size_t) -1 when all are finite (or the dtype is not floating). */
size_t rnc_tensor_info_find_nonfinite (const RncTensorInfo *t);

/* Writer: collects tensors and metadata, then writes header and data. */
typedef struct _RncSafetensorsWriter RncSafetensorsWriter;

RncSafetensorsWriter *rnc_safetensors_writer_new (void);
void rnc_safetensors_writer_free (RncSafetensorsWriter *w);

/* Adds a tensor: @data (n_elements values, host byte order) is borrowed
 * (transfer none) and must stay alive until the writer is written or
 * freed. Fails (RNC_MODEL_ERROR) on a duplicate, empty, reserved or
 * non-UTF-8 name, a rank above the limit or a dimension above RNC_MAX_DIM. */
gboolean rnc_safetensors_writer_add (RncSafetensorsWriter *w,
    const char *name, RncDtype dtype, size_t rank, const size_t *shape,
    const void *data, GError **error);
/* Sets a metadata pair (copied; @value NULL removes it). Keys and values
 * must be valid UTF-8; checked when written. */
void rnc_safetensors_writer_set_metadata (RncSafetensorsWriter *w,
    const char *key, const char *value);

/* (transfer full) The whole file in memory. Tensors appear in the order
 * they were added; the header is padded with spaces so the data section
 * starts on an 8-byte boundary. */
guint8 *rnc_safetensors_writer_to_data (RncSafetensorsWriter *w,
    size_t *size, GError **error);
/* Writes the file atomically: "@path.tmp" in the same folder, fsync, a
 * rename over @path, fsync of the folder; readers never see a half-written
 * file and a crash at any moment leaves the old file or the new one. On
 * failure @path is untouched and RNC_MODEL_ERROR_IO names it, the failed
 * step and the reason. */
gboolean rnc_safetensors_writer_to_file (RncSafetensorsWriter *w,
    const char *path, GError **error);
/* The same atomic write for @size bytes of @data. */
gboolean rnc_safetensors_write_atomic (const char *path, const guint8 *data,
    size_t size, GError **error);

/* (transfer full) Compact JSON text from json-glib's generator (@len
 * bytes, freed) with every control character inside a string written as
 * \u00XX: json-glib 1.6 writes U+001F raw, which is not JSON (RFC 8259) and
 * which a strict reader refuses. The writer's header and rnc_vocab_to_json()
 * go through it. @out_len (may be NULL) receives the new length. */
char *rnc_json_escape_controls (char *text, size_t len, size_t *out_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncSafetensors, rnc_safetensors_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncSafetensorsWriter, rnc_safetensors_writer_free)

G_END_DECLS
