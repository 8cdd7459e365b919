/* rnc-train: what the subcommands share. */
#pragma once

#include "rnc.h"

G_BEGIN_DECLS

/* Options as typed; a negative number (or NULL) means "not given", so that
 * each subcommand applies its own defaults. */
typedef struct {
  char *data, *output, *cell, *init;
  gint hidden, layers, window, epochs, batch, patience, lr_patience, embed;
  gdouble lr, clip, val;
  gint64 seed;
  gboolean quiet;
  /* forecast */
  char *column, *header, *nan, *delimiter, *linear, *columns;
  gint ensemble, lags;
  /* lm */
  char *tokenize;
  gboolean lowercase;
  gint min_count, max_vocab;
  /* tag */
  char *dev;
  char *delay;                  /* "auto" or a number of frames */
  gint rare;
  gdouble rare_prob;
  /* the command line, stored in the model */
  char *command;
} RncTrainArgs;

/* Progress printer for rnc_trainer_fit (user_data: the args). */
gboolean rnc_train_print_epoch (const RncEpochReport *report,
    gpointer user_data);

/* The index of @value in @choices (NULL-terminated), or -1 with an error
 * "--OPTION must be 'a', 'b' or 'c', not 'VALUE'". */
int rnc_train_choose (const char *option, const char *value,
    const char *const *choices, GError **error);

/* Common options into @o / the model config; FALSE with a message on a bad
 * value (cell or init name). */
gboolean rnc_train_apply_common (const RncTrainArgs *args,
    RncTrainOptions *o, RncCell *cell, RncWeightInit *init, GError **error);

/* Writes @model to args->output with the training settings in its
 * metadata, and says so on stderr. */
gboolean rnc_train_save (RncModel *model, const RncTrainArgs *args,
    const char *task, GError **error);

int rnc_train_lm (RncTrainArgs *args);
int rnc_train_tag (RncTrainArgs *args);

G_END_DECLS
