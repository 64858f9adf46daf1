//===- XfmrDialect.cpp - The xfmr dialect ---------------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.h"
#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xfmr;

#include "xfmr/Dialect/Xfmr/IR/XfmrDialect.cpp.inc"
#include "xfmr/Dialect/Xfmr/IR/XfmrEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "xfmr/Dialect/Xfmr/IR/XfmrAttrs.cpp.inc"

void XfmrDialect::initialize() {
  registerXfmrDialectOperations(this);
  addAttributes<
#define GET_ATTRDEF_LIST
#include "xfmr/Dialect/Xfmr/IR/XfmrAttrs.cpp.inc"
      >();
}

Operation *XfmrDialect::materializeConstant(OpBuilder &builder,
                                            Attribute value, Type type,
                                            Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
