//===- XfmrBase.td - Base classes of xfmr ops -------------*- tablegen -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_DIALECT_XFMR_IR_XFMRBASE_TD
#define XFMR_DIALECT_XFMR_IR_XFMRBASE_TD

include "xfmr/Dialect/Xfmr/IR/XfmrDialect.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Xfmr_Op<string mnemonic, list<Trait> traits = []>
    : Op<Xfmr_Dialect, mnemonic, traits>;

// An op whose result types are computed from its operands by a shape
// function, and whose dynamic result dims can be reified from its operands.
//
// By default the op declares two hooks that its C++ file defines:
//   static LogicalResult inferResultTypes(MLIRContext *, optional<Location>,
//                                         Adaptor, SmallVectorImpl<Type> &);
//   LogicalResult reifyResultShapes(OpBuilder &, ReifiedRankedShapedTypeDims &);
// Op families replace `inferBody`/`reifyBody` with a call to a shared helper.
// Results written in the IR may refine the inferred types (a static dim where
// inference says `?`); contradicting them is an error.
class Xfmr_ShapedOp<string mnemonic, list<Trait> traits = []>
    : Xfmr_Op<mnemonic, !listconcat(traits,
        [Pure, InferTypeOpInterface, ReifyRankedShapedTypeOpInterface])> {
  code inferBody = [{
    ;
  }];
  code reifyBody = [{
    ;
  }];
  code inferDecl = [{
    static ::llvm::LogicalResult inferResultTypes(
        ::mlir::MLIRContext *context, ::std::optional<::mlir::Location> location,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred)
  }];
  code reifyDecl = [{
    ::llvm::LogicalResult reifyResultShapes(::mlir::OpBuilder &builder,
        ::mlir::ReifiedRankedShapedTypeDims &reifiedReturnShapes)
  }];
  code extraDecl = "";
  let extraClassDeclaration = inferDecl # inferBody # reifyDecl # reifyBody # [{
    static ::llvm::LogicalResult inferReturnTypes(
        ::mlir::MLIRContext *context, ::std::optional<::mlir::Location> location,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      Adaptor adaptor(operands, attributes, properties, regions);
      return inferResultTypes(context, location, adaptor, inferred);
    }
    static bool isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                        ::mlir::TypeRange actual) {
      return ::mlir::xfmr::isRefinementOf(actual, inferred);
    }
  }] # extraDecl;
}

// Result has the operand's type and shape: unary elementwise ops, softmax,
// norms, ... `$input` names the operand that fixes the shape.
class Xfmr_SameShapeOp<string mnemonic, list<Trait> traits = []>
    : Xfmr_ShapedOp<mnemonic, traits> {
  let inferBody = [{
    {
      inferred.push_back(adaptor.getInput().getType());
      return ::mlir::success();
    }
  }];
  let reifyBody = [{
    {
      return ::mlir::xfmr::reifySameShape(builder, getInput(),
                                          reifiedReturnShapes);
    }
  }];
}

#endif // XFMR_DIALECT_XFMR_IR_XFMRBASE_TD
