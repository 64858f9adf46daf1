//===- NodeImporter.h - Importing one ONNX node -----------------*- C++ -*-===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Private to the importer. Each ONNX op is imported by a function that sees
// its node through a NodeContext: inputs as Values, attributes with their
// defaults, the opset version in force, and a builder whose ops carry the
// node's location. Op families register those functions in an OpRegistry.
//
//===----------------------------------------------------------------------===//

#ifndef XFMR_LIB_IMPORT_ONNX_NODEIMPORTER_H
#define XFMR_LIB_IMPORT_ONNX_NODEIMPORTER_H

#include "xfmr/Dialect/Xfmr/IR/XfmrOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/onnx_pb.h"

#include <functional>
#include <optional>

namespace mlir::xfmr::onnx_import {

using mlir::LogicalResult;
using mlir::Type;
using mlir::Value;

class NodeContext;

/// Where the bytes of external tensors are found.
struct ExternalDataResolver {
  std::string baseDir;
};

/// An ONNX value as the importer holds it: a tensor; a sequence of tensors,
/// whose length is known at import (its elements are SSA values, no type of
/// the dialect); or no value, an optional that is empty (an optional that
/// holds something is that thing). Unset is an output xfmr does not compute.
struct GraphValue {
  enum class Kind { Unset, Tensor, Sequence, None };
  Kind kind = Kind::Unset;
  Value tensor;
  llvm::SmallVector<Value> elements;

  GraphValue() = default;
  GraphValue(Value value)
      : kind(value ? Kind::Tensor : Kind::Unset), tensor(value) {}
  static GraphValue sequence(llvm::ArrayRef<Value> elements) {
    GraphValue v;
    v.kind = Kind::Sequence;
    v.elements.assign(elements.begin(), elements.end());
    return v;
  }
  static GraphValue none() {
    GraphValue v;
    v.kind = Kind::None;
    return v;
  }
  bool isTensor() const { return kind == Kind::Tensor; }
  bool isSequence() const { return kind == Kind::Sequence; }
  bool isNone() const { return kind == Kind::None; }
  bool isSet() const { return kind != Kind::Unset; }
  /// "a tensor", "a sequence", "an empty optional", for diagnostics.
  llvm::StringRef describe() const;
};

/// Imports one node; on failure it has emitted a diagnostic.
using ConvertFn = std::function<LogicalResult(NodeContext &)>;

/// The ops the importer knows, by domain and op type, with the opset
/// versions each handles (a converter switches on NodeContext::opset() where
/// semantics changed).
class OpRegistry {
public:
  void add(llvm::StringRef domain, llvm::StringRef opType, ConvertFn fn,
           int64_t minOpset = 1, int64_t maxOpset = 28);
  /// The converter for `opType` at `opset`, or null.
  const ConvertFn *lookup(llvm::StringRef domain, llvm::StringRef opType,
                          int64_t opset) const;
  /// Every op type known in `domain`, for diagnostics.
  bool knowsOpType(llvm::StringRef domain, llvm::StringRef opType) const;

  /// The registry with every op family registered.
  static const OpRegistry &get();

private:
  struct Entry {
    int64_t minOpset, maxOpset;
    ConvertFn fn;
  };
  llvm::StringMap<llvm::SmallVector<Entry, 1>> entries;
};

void registerElementwiseOps(OpRegistry &registry);
void registerActivationOps(OpRegistry &registry);
void registerDataMovementOps(OpRegistry &registry);
void registerNormalizationOps(OpRegistry &registry);
void registerShapeOps(OpRegistry &registry);
void registerTensorOps(OpRegistry &registry);
void registerTransformerOps(OpRegistry &registry);
void registerMicrosoftOps(OpRegistry &registry);
void registerIndexingOps(OpRegistry &registry);
void registerPoolingOps(OpRegistry &registry);
void registerResizeOps(OpRegistry &registry);
void registerSpatialOps(OpRegistry &registry);
void registerQuantizationOps(OpRegistry &registry);
void registerControlFlowOps(OpRegistry &registry);
void registerLossOps(OpRegistry &registry);
void registerWindowOps(OpRegistry &registry);
void registerSamplingOps(OpRegistry &registry);
void registerRecurrentOps(OpRegistry &registry);
void registerSpectralOps(OpRegistry &registry);
void registerSequenceOps(OpRegistry &registry);

class NodeContext;

/// The value of a Gemm node, `alpha * A' B' + beta * C` (transA, transB):
/// shared by ONNX Gemm and com.microsoft FusedGemm.
mlir::FailureOr<mlir::Value> buildGemm(NodeContext &ctx);

/// A Conv node's convolution of `input` by `weight` (plus `bias` when
/// given) with the node's strides, pads, auto_pad, dilations and group:
/// shared by Conv and the quantized ConvInteger and QLinearConv.
mlir::FailureOr<mlir::Value> buildConv(NodeContext &ctx, mlir::Value input,
                                       mlir::Value weight, mlir::Value bias);

/// The importer's view of one node.
class NodeContext {
public:
  NodeContext(const onnx::NodeProto &node, int64_t opset, mlir::OpBuilder &b,
              mlir::Location loc,
              std::function<GraphValue(llvm::StringRef)> lookupValue,
              std::function<bool(llvm::StringRef)> isUsed,
              const ExternalDataResolver &external, int64_t maxInlineElements)
      : node(node), opsetVersion(opset), b(b), nodeLoc(loc),
        lookupValue(std::move(lookupValue)), isUsed(std::move(isUsed)),
        external(external), maxInlineElements(maxInlineElements) {}

  const onnx::NodeProto &proto() const { return node; }
  llvm::StringRef opType() const { return node.op_type(); }
  int64_t opset() const { return opsetVersion; }
  mlir::OpBuilder &builder() { return b; }
  mlir::Location loc() const { return nodeLoc; }
  mlir::MLIRContext *context() const { return b.getContext(); }

  //===--------------------------------------------------------------------===//
  // Inputs and outputs
  //===--------------------------------------------------------------------===//

  /// The number of inputs listed, empty (omitted optional) ones included.
  unsigned numInputs() const { return node.input_size(); }
  /// Input `i`, or null when it is absent, omitted with an empty name, or
  /// not a tensor.
  Value input(unsigned i) const;
  /// Input `i` whatever it holds (Unset when omitted).
  GraphValue graphInput(unsigned i) const;
  /// The elements of input `i`, which must be a sequence; emits an error
  /// naming it otherwise.
  mlir::FailureOr<llvm::SmallVector<Value>> sequenceInput(unsigned i,
                                                          llvm::StringRef what);
  /// Input `i`, which must be there; emits an error naming it otherwise.
  mlir::FailureOr<Value> requiredInput(unsigned i, llvm::StringRef what);
  /// Like requiredInput, for an input that must be floating point.
  mlir::FailureOr<Value> requiredFloatInput(unsigned i, llvm::StringRef what);
  /// The input's type, which is always a ranked tensor.
  mlir::RankedTensorType inputType(unsigned i) const;
  /// Whether input `i` holds unsigned integers. xfmr's integers are
  /// signless; the importer keeps ONNX's signedness per value and builds
  /// the ops whose results depend on it (division, comparisons, min/max,
  /// casts) with unsigned formulas.
  bool isUnsigned(unsigned i) const {
    return i < numInputs() && unsignedNames &&
           unsignedNames->contains(node.input(i));
  }

  /// Whether input `i` is an INT4/UINT4 initializer (imported as i8, one
  /// value a byte, unlike uint8 tensors that pack two 4-bit values).
  bool isUnpackedNibbles(unsigned i) const {
    return i < numInputs() && nibbleNames &&
           nibbleNames->contains(node.input(i));
  }

  unsigned numOutputs() const { return node.output_size(); }
  /// Whether output `i`, once set, holds unsigned integers: the element
  /// type an op converts to, or the signedness of an input of its type.
  bool isOutputUnsigned(unsigned i) const;
  /// True when output `i` exists and something reads it.
  bool isOutputUsed(unsigned i) const;
  /// Results, in output order; a null Value or a missing trailing one is an
  /// output xfmr does not compute, which must then be unused.
  LogicalResult setOutputs(llvm::ArrayRef<Value> values);
  /// Like setOutputs, for outputs that may be sequences or empty optionals.
  LogicalResult setGraphOutputs(llvm::ArrayRef<GraphValue> values);
  /// The node's single result, or the failure that computing it reported.
  LogicalResult setOutput(mlir::FailureOr<Value> result) {
    if (mlir::failed(result))
      return mlir::failure();
    return setOutputs(*result);
  }

  //===--------------------------------------------------------------------===//
  // Attributes
  //===--------------------------------------------------------------------===//

  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t getInt(llvm::StringRef name, int64_t defaultValue) const;
  float getFloat(llvm::StringRef name, float defaultValue) const;
  std::string getString(llvm::StringRef name,
                        llvm::StringRef defaultValue) const;
  llvm::SmallVector<int64_t> getInts(llvm::StringRef name) const;
  llvm::SmallVector<float> getFloats(llvm::StringRef name) const;

  /// The subgraph held by attribute `name` (If's branches, Loop's body), or
  /// null when the node has no such graph attribute.
  const onnx::GraphProto *graphAttr(llvm::StringRef name) const;
  /// Imports `graph`, a subgraph of this node, at the builder's insertion
  /// point, its inputs bound to `inputs`. Its nodes read the values of the
  /// enclosing graphs; the names it defines are visible only inside it.
  /// Returns the values of its outputs.
  mlir::FailureOr<llvm::SmallVector<Value>>
  importSubgraph(const onnx::GraphProto &graph, mlir::ValueRange inputs);
  /// Like importSubgraph, for subgraphs whose inputs or outputs may be
  /// sequences or empty optionals.
  mlir::FailureOr<llvm::SmallVector<GraphValue>>
  importSubgraphValues(const onnx::GraphProto &graph,
                       llvm::ArrayRef<GraphValue> inputs);

  //===--------------------------------------------------------------------===//
  // Constants
  //===--------------------------------------------------------------------===//

  /// The values of input `i` when it is a constant integer tensor.
  std::optional<llvm::SmallVector<int64_t>> constantInts(unsigned i) const;
  /// The values of input `i` when it is a constant floating-point tensor.
  std::optional<llvm::SmallVector<double>> constantFloats(unsigned i) const;
  /// A 1-D i64 constant.
  Value i64Vector(llvm::ArrayRef<int64_t> values);
  /// 0, 1, ..., size - 1 along dim `axis` of a rank-`rank` i64 constant
  /// whose other dims are 1 (to compare with indices).
  Value positionsAlong(int64_t axis, int64_t rank, int64_t size);
  /// A 0-D constant of `elementType`.
  Value scalar(Type elementType, double value);
  /// A constant of `shape` holding `values` as floating-point `elementType`
  /// (computed tables: interpolation weights, grids).
  Value floatConstant(llvm::ArrayRef<int64_t> shape, Type elementType,
                      llvm::ArrayRef<double> values);
  /// A constant holding a tensor attribute of the node (Constant's value).
  mlir::FailureOr<Value> tensorConstant(const onnx::TensorProto &tensor);

  //===--------------------------------------------------------------------===//
  // Building ops
  //===--------------------------------------------------------------------===//

  /// Creates an xfmr op whose result types are inferred, or reports at the
  /// node why they cannot be (the ONNX graph is inconsistent).
  template <typename OpTy, typename... Args>
  mlir::FailureOr<OpTy> create(Args &&...args) {
    mlir::OperationState state(nodeLoc, OpTy::getOperationName());
    OpTy::build(b, state, mlir::TypeRange(), std::forward<Args>(args)...);
    llvm::SmallVector<Type> types;
    if (mlir::failed(OpTy::inferReturnTypes(
            b.getContext(), nodeLoc, state.operands,
            state.attributes.getDictionary(b.getContext()),
            state.getRawProperties(), state.regions, types)))
      return mlir::failure();
    state.addTypes(types);
    return verified(mlir::cast<OpTy>(b.create(state)));
  }

  /// Checks an op just built (operand types, attributes); on failure the op
  /// is erased and the error reported at the node.
  template <typename OpTy> mlir::FailureOr<OpTy> verified(OpTy op) {
    if (mlir::failed(verifyBuiltOp(op.getOperation())))
      return mlir::failure();
    return op;
  }

  /// The matmul of `a` and `b`. One made by a node of another op type
  /// (Gemm, Einsum, com.microsoft's) records that type in its location, so
  /// that its run-time errors name the op the model holds.
  mlir::FailureOr<Value> matmul(Value a, Value b);

  /// `value` converted to `elementType` (no op when it has that type).
  mlir::FailureOr<Value> castTo(Value value, Type elementType);

  /// Like create, for single-result ops, returning the result. The op is
  /// folded right away, so that the shape arithmetic exporters write becomes
  /// constants that later nodes (axes, split sizes) can read.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<Value> value(Args &&...args) {
    mlir::FailureOr<OpTy> op = create<OpTy>(std::forward<Args>(args)...);
    if (mlir::failed(op))
      return mlir::failure();
    llvm::SmallVector<Value, 1> folded;
    if (mlir::succeeded(b.tryFold(*op, folded)) && !folded.empty()) {
      op->erase();
      return folded.front();
    }
    return Value(op->getOperation()->getResult(0));
  }

  /// An error at the node.
  mlir::InFlightDiagnostic emitError() const { return mlir::emitError(nodeLoc); }
  /// The error for an attribute value or input combination xfmr does not
  /// support (as opposed to an invalid model).
  LogicalResult unsupported(const llvm::Twine &what) const;

private:
  LogicalResult verifyBuiltOp(mlir::Operation *op);

  const onnx::NodeProto &node;
  int64_t opsetVersion;
  mlir::OpBuilder &b;
  mlir::Location nodeLoc;
  std::function<GraphValue(llvm::StringRef)> lookupValue;
  std::function<bool(llvm::StringRef)> isUsed;
  const ExternalDataResolver &external;
  int64_t maxInlineElements;
  llvm::SmallVector<GraphValue> outputs;
  const llvm::StringSet<> *unsignedNames = nullptr;
  const llvm::StringSet<> *nibbleNames = nullptr;
  std::function<mlir::FailureOr<llvm::SmallVector<GraphValue>>(
      const onnx::GraphProto &, llvm::ArrayRef<GraphValue>)>
      subgraphImporter;
  friend class GraphImporter;
};

/// Writes a decomposition (an ONNX op as a formula of xfmr ops) as one
/// expression: every step takes FailureOr operands and passes a failure,
/// already reported at the node, through.
class Formula {
public:
  explicit Formula(NodeContext &ctx) : ctx(ctx) {}

  template <typename OpTy> mlir::FailureOr<Value> op(mlir::FailureOr<Value> x) {
    if (mlir::failed(x))
      return mlir::failure();
    return ctx.value<OpTy>(*x);
  }
  template <typename OpTy>
  mlir::FailureOr<Value> op(mlir::FailureOr<Value> lhs,
                            mlir::FailureOr<Value> rhs) {
    if (mlir::failed(lhs) || mlir::failed(rhs))
      return mlir::failure();
    return ctx.value<OpTy>(*lhs, *rhs);
  }
  mlir::FailureOr<Value> where(mlir::FailureOr<Value> cond,
                               mlir::FailureOr<Value> onTrue,
                               mlir::FailureOr<Value> onFalse) {
    if (mlir::failed(cond) || mlir::failed(onTrue) || mlir::failed(onFalse))
      return mlir::failure();
    return ctx.value<mlir::xfmr::WhereOp>(*cond, *onTrue, *onFalse);
  }
  /// A 0-D constant of the element type of `like`.
  mlir::FailureOr<Value> scalar(mlir::FailureOr<Value> like, double value) {
    if (mlir::failed(like))
      return mlir::failure();
    return ctx.scalar(
        mlir::cast<mlir::ShapedType>(like->getType()).getElementType(), value);
  }

private:
  NodeContext &ctx;
};

/// A formula of xfmr ops for a unary floating-point op, given its input X.
using FloatFormula = mlir::FailureOr<Value> (*)(NodeContext &, Value);

/// Imports a unary floating-point op as `formula`. f16 and bf16 are
/// computed in f32 and rounded once at the end, as ONNX's reference does: a
/// formula of several steps would otherwise round at each.
template <FloatFormula formula>
LogicalResult convertFloatFormula(NodeContext &ctx) {
  mlir::FailureOr<Value> x = ctx.requiredFloatInput(0, "X");
  if (mlir::failed(x))
    return mlir::failure();
  Type elementType = ctx.inputType(0).getElementType();
  bool widen = elementType.getIntOrFloatBitWidth() < 32;
  if (widen)
    x = ctx.castTo(*x, ctx.builder().getF32Type());
  if (mlir::failed(x))
    return mlir::failure();
  mlir::FailureOr<Value> y = formula(ctx, *x);
  if (widen && mlir::succeeded(y))
    y = ctx.castTo(*y, elementType);
  return ctx.setOutput(y);
}

//===----------------------------------------------------------------------===//
// Run-time operands
//===----------------------------------------------------------------------===//

/// A check the compiled model makes when it runs: `holds` (0-D i1) must be
/// true, or the run fails with `message` after the node's name.
LogicalResult checkAtRunTime(NodeContext &ctx, mlir::FailureOr<Value> holds,
                             const llvm::Twine &message);
/// Whether every element of an i1 tensor holds, 0-D.
mlir::FailureOr<Value> allOf(NodeContext &ctx, mlir::FailureOr<Value> flags);
/// A 0-D or one-element integer tensor as a 0-D i64.
mlir::FailureOr<Value> scalarOf(NodeContext &ctx, Value value);
/// Element `i` of a 1-D tensor, 0-D.
mlir::FailureOr<Value> elementOf(NodeContext &ctx,
                                 mlir::FailureOr<Value> vector, int64_t i);
/// Dim `axis` of `value` as a 0-D i64.
mlir::FailureOr<Value> dimOf(NodeContext &ctx, mlir::FailureOr<Value> value,
                             int64_t axis);
/// How many of `flags` (i1) hold along `axis`, as i64; the axis removed.
mlir::FailureOr<Value> countAlong(NodeContext &ctx,
                                  mlir::FailureOr<Value> flags, int64_t axis);
/// start, start + 1, ... below limit (0-D i64 bounds).
mlir::FailureOr<Value> rangeOf(NodeContext &ctx, mlir::FailureOr<Value> start,
                               mlir::FailureOr<Value> limit);
/// Gather of `source` along `axis` by `indices`.
mlir::FailureOr<Value> gatherAt(NodeContext &ctx, Value source,
                                mlir::FailureOr<Value> indices, int64_t axis);
/// Run-time axes (0-D or 1-D) as a 1-D i64 in [0, rank), with a check that
/// each is in [-rank, rank).
mlir::FailureOr<Value> normalizedAxes(NodeContext &ctx, Value axes,
                                      int64_t rank);
/// One i1 per dim of a rank-`rank` tensor: whether normalized `axes` name
/// it (with a check that none is named twice).
mlir::FailureOr<Value> axisFlags(NodeContext &ctx, Value axes, int64_t rank);
/// `value` without the dims `flags` marks, which must be 1 (a reshape to a
/// shape computed at run time).
mlir::FailureOr<Value> dropDims(NodeContext &ctx, Value value, Value flags,
                                int64_t resultRank);
/// `value` with size-1 dims where `flags` (one per result dim) holds.
mlir::FailureOr<Value> insertDims(NodeContext &ctx, Value value, Value flags);
/// `data` padded along `axes` by `pads` (1-D, every axis's before then
/// every axis's after; negative values crop), both known only at run time,
/// in Pad's `mode`; `padValue` fills mode "constant".
mlir::FailureOr<Value> padAtRunTime(NodeContext &ctx, Value data,
                                    llvm::StringRef mode, Value padValue,
                                    Value pads, llvm::ArrayRef<int64_t> axes);
/// `value[begin:end]` along `axis`, the bounds 0-D i64.
mlir::FailureOr<Value> selectAlongAxis(NodeContext &ctx, Value value,
                                       Value begin, Value end, int64_t axis);
/// `data` split along `axis` into pieces of `sizes` (a 1-D integer tensor
/// of static length, known only at run time), with a check that they are
/// non-negative and add up to the dim.
mlir::FailureOr<llvm::SmallVector<Value>>
splitAtRunTime(NodeContext &ctx, Value data, Value sizes, int64_t axis);
/// A 1-D tensor of `count` elements holding `values[i]` at `slots[i]`;
/// slots equal to `count` are dropped.
mlir::FailureOr<Value> scatterToSlots(NodeContext &ctx,
                                      mlir::FailureOr<Value> slots,
                                      mlir::FailureOr<Value> values,
                                      mlir::FailureOr<Value> count);
/// Keys' cubic convolution kernel with parameter `a` at distances `d` in
/// [0, 2] (Resize's and GridSample's cubic weights).
mlir::FailureOr<Value> cubicConvolution(NodeContext &ctx,
                                        mlir::FailureOr<Value> d, double a);
/// The positions where a 1-D i1 tensor holds, in order: a 1-D i64 whose
/// size only a run knows (a scatter of each true position to its rank).
mlir::FailureOr<Value> trueIndices(NodeContext &ctx, Value flags);
/// A reduction over run-time `axes` (1-D, static length): `reduceAxis`
/// reduces one dim keeping it as size 1; each dim is reduced or kept as its
/// flag says.
mlir::FailureOr<Value> reduceOverRunTimeAxes(
    NodeContext &ctx, Value data, Value axes, bool keepdims,
    llvm::function_ref<mlir::FailureOr<Value>(Value, int64_t)> reduceAxis);

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// A per-dim attribute's `values` when given, else `count` copies of `fill`
/// (strides, dilations, pads).
llvm::SmallVector<int64_t> valuesOr(llvm::SmallVector<int64_t> values,
                                    size_t count, int64_t fill);

/// The MLIR element type of an ONNX data type, or null if unsupported.
Type getElementType(mlir::MLIRContext *context, int32_t onnxType);

/// x rounded to the nearest integer, ties to even (floating point).
mlir::FailureOr<Value> roundHalfToEven(NodeContext &ctx, Value x);

/// Whether an ONNX data type is UINT8, UINT16, UINT32 or UINT64.
bool isUnsignedType(int32_t onnxType);

/// Whether an ONNX op's integer result depends on its inputs' signedness.
bool dependsOnSignedness(llvm::StringRef opType);
/// `x` with its top bit flipped (x + 2^(N-1), wrapping): unsigned order on
/// `x` is signed order on the result, and a second flip gives `x` back.
mlir::FailureOr<Value> flipTopBit(NodeContext &ctx, mlir::FailureOr<Value> x);
/// The node's binary op (one of dependsOnSignedness's) on unsigned `a`, `b`.
mlir::FailureOr<Value> buildUnsignedBinary(NodeContext &ctx, Value a, Value b);
/// `value` converted to `to`, reading it as unsigned when `fromUnsigned`
/// (zero extension) and producing unsigned integers when `toUnsigned`.
mlir::FailureOr<Value> castWithSignedness(NodeContext &ctx, Value value,
                                          Type to, bool fromUnsigned,
                                          bool toUnsigned);

/// The ONNX name of a data type ("FLOAT16"), or its number.
std::string getDataTypeName(int32_t onnxType);

/// Converts a TensorProto to an attribute: inline `dense` when it has at most
/// `maxInline` elements, a `dense_resource` blob otherwise. The proto's raw
/// bytes are moved into the blob, not copied; external data is mapped.
mlir::FailureOr<mlir::ElementsAttr>
importTensor(onnx::TensorProto &tensor, mlir::Location loc,
             const ExternalDataResolver &external, int64_t maxInline);

} // namespace mlir::xfmr::onnx_import

#endif // XFMR_LIB_IMPORT_ONNX_NODEIMPORTER_H
