/* librnc: umbrella header of the recurrent net core. */
#pragma once

#include "rnc-activation.h"
#include "rnc-blas.h"
#include "rnc-cpu.h"
#include "rnc-forward.h"
#include "rnc-generate.h"
#include "rnc-lstm.h"
#include "rnc-model.h"
#include "rnc-rnn.h"
#include "rnc-sample.h"
#include "rnc-state.h"
