// The longconv library: load a trained run (longconv/model.h), stream through MultiresNet and MultiresAR
// (longconv/multires_net_stepper.h, longconv/multires_ar_stepper.h), read PNG and WAV inputs (longconv/media.h).
// Link it with find_package(longconv) and target_link_libraries(app longconv::longconv).
#pragma once

#include "longconv/media.h"
#include "longconv/model.h"
#include "longconv/multires_ar_stepper.h"
#include "longconv/multires_net_stepper.h"
