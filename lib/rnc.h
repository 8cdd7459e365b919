/* librnc: umbrella header of the recurrent net core. */
#pragma once

#include "rnc-activation.h"
#include "rnc-blas.h"
#include "rnc-csv.h"
#include "rnc-forward.h"
#include "rnc-generate.h"
#include "rnc-lstm.h"
#include "rnc-model.h"
#include "rnc-model-io.h"
#include "rnc-rnn.h"
#include "rnc-runner.h"
#include "rnc-safetensors.h"
#include "rnc-sample.h"
#include "rnc-state.h"
#include "rnc-tokenizer.h"
#include "rnc-vocab.h"
