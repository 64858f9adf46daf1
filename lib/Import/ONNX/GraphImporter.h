//===- GraphImporter.h - Importing an ONNX graph ----------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
#define XFMR_LIB_IMPORT_ONNX_GRAPHIMPORTER_H

#include "NodeImporter.h"

#include "xfmr/Import/ONNX/ImportONNX.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::xfmr::onnx_import {

/// Turns a ModelProto into a module with one function. Keeps a map from ONNX
/// value names to Values; nodes are imported in order through the
/// OpRegistry after a first pass has listed every op it cannot import.
class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext *context, const ONNXImportOptions &options,
                llvm::StringRef fileName, ExternalDataResolver external);

  mlir::OwningOpRef<mlir::ModuleOp> import(onnx::ModelProto &model);

private:
  LogicalResult readOpsets(const onnx::ModelProto &model);
  LogicalResult checkSupported(const onnx::GraphProto &graph);
  /// Lists, into `missing`, the nodes of `graph` and of its subgraphs whose
  /// op the registry does not know.
  void collectUnsupported(
      const onnx::GraphProto &graph,
      llvm::SmallVectorImpl<
          std::pair<std::string, llvm::SmallVector<std::string>>> &missing,
      llvm::StringMap<unsigned> &missingIndex);
  /// Marks every name read by `graph`'s nodes, subgraphs included, as used.
  void collectUses(const onnx::GraphProto &graph);
  /// The type of the graph input `name`, a tensor of type `tensor`.
  mlir::FailureOr<mlir::RankedTensorType>
  importInputType(llvm::StringRef name, const onnx::TypeProto::Tensor &tensor,
                  llvm::SmallVectorImpl<mlir::Attribute> &dimNames);
  LogicalResult importNode(const onnx::NodeProto &node, unsigned index,
                           mlir::OpBuilder &builder);
  /// The graph's results, a sequence's elements each one result, with the
  /// name and the declared type of each.
  LogicalResult
  importOutputs(const onnx::GraphProto &graph,
                llvm::SmallVectorImpl<Value> &results,
                llvm::SmallVectorImpl<std::string> &names,
                llvm::SmallVectorImpl<const onnx::TypeProto::Tensor *> &types);
  /// Imports an initializer as a constant at the builder's insertion point.
  LogicalResult importInitializer(onnx::TensorProto &tensor,
                                  mlir::OpBuilder &builder);
  /// Imports the subgraph `graph` of `owner` (see
  /// NodeContext::importSubgraph) in a scope of its own.
  mlir::FailureOr<llvm::SmallVector<GraphValue>>
  importSubgraph(const onnx::GraphProto &graph,
                 llvm::ArrayRef<GraphValue> inputs, mlir::OpBuilder &builder,
                 llvm::StringRef owner, mlir::Location loc);

  /// The node's name, or a made-up one (`<OpType>_<index>`, after
  /// namePrefix) when it has none.
  std::string nodeName(const onnx::NodeProto &node, unsigned index) const;
  /// "node 'n' (Op, domain 'd', opset v)", for diagnostics.
  std::string describeNode(const onnx::NodeProto &node, unsigned index) const;
  mlir::Location nodeLoc(const onnx::NodeProto &node, unsigned index);
  std::string domainOf(const onnx::NodeProto &node) const;
  int64_t opsetOf(llvm::StringRef domain) const;

  mlir::MLIRContext *context;
  const ONNXImportOptions &options;
  std::string fileName;
  ExternalDataResolver external;
  mlir::Location fileLoc;

  llvm::StringMap<int64_t> opsets;
  llvm::StringMap<GraphValue> values;
  llvm::StringSet<> usedNames;
  /// Prepended to the made-up names of the nodes of the subgraph being
  /// imported or checked ("If_0/then_branch/"); empty in the main graph.
  std::string namePrefix;
  /// The ONNX values of unsigned integer type (see isUnsignedOutput).
  llvm::StringSet<> unsignedNames;
  /// The INT4/UINT4 initializers, imported as i8 one value a byte.
  llvm::StringSet<> nibbleNames;
};

} // namespace mlir::xfmr::onnx_import

#endif // XFMR_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
