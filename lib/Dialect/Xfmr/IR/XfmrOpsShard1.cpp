//===- XfmrOpsShard1.cpp - Generated xfmr op definitions, shard 1 -------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The ODS-generated op definitions are split over several translation units
// so that each compiles in reasonable time and memory.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#define GET_OP_DEFS_1
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.cpp.inc"
