//===- NodeContext.cpp - The importer's view of one ONNX node -------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "xfmr/Dialect/Xfmr/IR/ONNXOpTypeLoc.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::xfmr::onnx_import;

//===----------------------------------------------------------------------===//
// OpRegistry
//===----------------------------------------------------------------------===//

static std::string registryKey(llvm::StringRef domain, llvm::StringRef opType) {
  return (domain + "::" + opType).str();
}

void OpRegistry::add(llvm::StringRef domain, llvm::StringRef opType,
                     ConvertFn fn, int64_t minOpset, int64_t maxOpset) {
  entries[registryKey(domain, opType)].push_back(
      {minOpset, maxOpset, std::move(fn)});
}

const ConvertFn *OpRegistry::lookup(llvm::StringRef domain,
                                    llvm::StringRef opType,
                                    int64_t opset) const {
  auto it = entries.find(registryKey(domain, opType));
  if (it == entries.end())
    return nullptr;
  for (const Entry &entry : it->second)
    if (opset >= entry.minOpset && opset <= entry.maxOpset)
      return &entry.fn;
  return nullptr;
}

bool OpRegistry::knowsOpType(llvm::StringRef domain,
                             llvm::StringRef opType) const {
  return entries.count(registryKey(domain, opType));
}

const OpRegistry &OpRegistry::get() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerActivationOps(r);
    registerShapeOps(r);
    registerDataMovementOps(r);
    registerNormalizationOps(r);
    registerTensorOps(r);
    registerTransformerOps(r);
    registerMicrosoftOps(r);
    registerIndexingOps(r);
    registerPoolingOps(r);
    registerResizeOps(r);
    registerSpatialOps(r);
    registerQuantizationOps(r);
    registerControlFlowOps(r);
    registerLossOps(r);
    registerWindowOps(r);
    registerSamplingOps(r);
    registerRecurrentOps(r);
    registerSpectralOps(r);
    registerSequenceOps(r);
    return r;
  }();
  return registry;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

llvm::StringRef GraphValue::describe() const {
  switch (kind) {
  case Kind::Tensor:
    return "a tensor";
  case Kind::Sequence:
    return "a sequence";
  case Kind::None:
    return "an empty optional";
  case Kind::Unset:
    break;
  }
  return "no value";
}

GraphValue NodeContext::graphInput(unsigned i) const {
  if (i >= static_cast<unsigned>(node.input_size()) || node.input(i).empty())
    return GraphValue();
  return lookupValue(node.input(i));
}

Value NodeContext::input(unsigned i) const { return graphInput(i).tensor; }

FailureOr<Value> NodeContext::requiredInput(unsigned i, llvm::StringRef what) {
  GraphValue given = graphInput(i);
  if (given.isTensor())
    return given.tensor;
  if (given.isSet())
    return emitError() << opType() << " needs a tensor as input " << i << " ("
                       << what << "); '" << node.input(i) << "' is "
                       << given.describe();
  return emitError() << opType() << " needs input " << i << " (" << what << ")";
}

FailureOr<llvm::SmallVector<Value>>
NodeContext::sequenceInput(unsigned i, llvm::StringRef what) {
  GraphValue given = graphInput(i);
  if (given.isSequence())
    return given.elements;
  if (given.isSet())
    return emitError() << opType() << " needs a sequence as input " << i << " ("
                       << what << "); '" << node.input(i) << "' is "
                       << given.describe();
  return emitError() << opType() << " needs input " << i << " (" << what
                     << ")";
}

FailureOr<Value> NodeContext::requiredFloatInput(unsigned i,
                                                 llvm::StringRef what) {
  FailureOr<Value> v = requiredInput(i, what);
  if (failed(v))
    return failure();
  Type elementType = inputType(i).getElementType();
  if (!isa<FloatType>(elementType))
    return emitError() << opType() << " needs a floating-point input " << i
                       << " (" << what << "), got " << elementType;
  return v;
}

RankedTensorType NodeContext::inputType(unsigned i) const {
  return cast<RankedTensorType>(input(i).getType());
}

bool NodeContext::isOutputUsed(unsigned i) const {
  return i < static_cast<unsigned>(node.output_size()) &&
         !node.output(i).empty() && isUsed(node.output(i));
}

LogicalResult NodeContext::setOutputs(llvm::ArrayRef<Value> values) {
  return setGraphOutputs(llvm::to_vector_of<GraphValue>(values));
}

LogicalResult NodeContext::setGraphOutputs(llvm::ArrayRef<GraphValue> values) {
  for (auto [i, v] : llvm::enumerate(values))
    if (!v.isSet() && isOutputUsed(i))
      return unsupported("output " + llvm::Twine(i) + " ('" + node.output(i) +
                         "') is used, but xfmr does not compute it");
  for (unsigned i = values.size(); i < numOutputs(); ++i)
    if (isOutputUsed(i))
      return unsupported("output " + llvm::Twine(i) + " ('" + node.output(i) +
                         "') is used, but xfmr computes only the first " +
                         llvm::Twine(values.size()));
  outputs.assign(values.begin(), values.end());
  return success();
}

const onnx::AttributeProto *NodeContext::attr(llvm::StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

const onnx::GraphProto *NodeContext::graphAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

FailureOr<llvm::SmallVector<Value>>
NodeContext::importSubgraph(const onnx::GraphProto &graph, ValueRange inputs) {
  FailureOr<llvm::SmallVector<GraphValue>> results =
      subgraphImporter(graph, llvm::to_vector_of<GraphValue>(inputs));
  if (failed(results))
    return failure();
  llvm::SmallVector<Value> tensors;
  for (auto [info, result] : llvm::zip_equal(graph.output(), *results)) {
    if (!result.isTensor())
      return emitError() << opType() << ": output '" << info.name()
                         << "' of its subgraph '" << graph.name() << "' is "
                         << result.describe() << "; xfmr imports a " << opType()
                         << " that yields tensors only";
    tensors.push_back(result.tensor);
  }
  return tensors;
}

FailureOr<llvm::SmallVector<GraphValue>>
NodeContext::importSubgraphValues(const onnx::GraphProto &graph,
                                  llvm::ArrayRef<GraphValue> inputs) {
  return subgraphImporter(graph, inputs);
}

int64_t NodeContext::getInt(llvm::StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : defaultValue;
}

float NodeContext::getFloat(llvm::StringRef name, float defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : defaultValue;
}

std::string NodeContext::getString(llvm::StringRef name,
                                   llvm::StringRef defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : defaultValue.str();
}

llvm::SmallVector<int64_t> NodeContext::getInts(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return llvm::SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

llvm::SmallVector<float> NodeContext::getFloats(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return llvm::SmallVector<float>(a->floats().begin(), a->floats().end());
}

std::optional<llvm::SmallVector<int64_t>>
NodeContext::constantInts(unsigned i) const {
  Value v = input(i);
  DenseIntElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  llvm::SmallVector<int64_t> values;
  for (const llvm::APInt &x : attr.getValues<llvm::APInt>())
    values.push_back(attr.getElementType().isInteger(1) ? x.getZExtValue()
                                                        : x.getSExtValue());
  return values;
}

std::optional<llvm::SmallVector<double>>
NodeContext::constantFloats(unsigned i) const {
  Value v = input(i);
  DenseFPElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  llvm::SmallVector<double> values;
  for (const llvm::APFloat &x : attr.getValues<llvm::APFloat>()) {
    llvm::APFloat d = x;
    bool lost;
    d.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
    values.push_back(d.convertToDouble());
  }
  return values;
}

Value NodeContext::i64Vector(llvm::ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI64Type());
  return mlir::xfmr::ConstantOp::create(b, nodeLoc, type,
                                        DenseIntElementsAttr::get(type, values));
}

Value NodeContext::positionsAlong(int64_t axis, int64_t rank, int64_t size) {
  llvm::SmallVector<int64_t> shape(rank, 1), positions;
  shape[axis] = size;
  for (int64_t i = 0; i < size; ++i)
    positions.push_back(i);
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return mlir::xfmr::ConstantOp::create(
      b, nodeLoc, type, DenseIntElementsAttr::get(type, positions));
}

Value NodeContext::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute element;
  if (isa<FloatType>(elementType))
    element = b.getFloatAttr(elementType, value);
  else
    element = b.getIntegerAttr(elementType, static_cast<int64_t>(value));
  return mlir::xfmr::ConstantOp::create(b, nodeLoc, type,
                                        DenseElementsAttr::get(type, element));
}

Value NodeContext::floatConstant(llvm::ArrayRef<int64_t> shape,
                                 Type elementType,
                                 llvm::ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, elementType);
  llvm::SmallVector<Attribute> elements;
  for (double v : values)
    elements.push_back(b.getFloatAttr(elementType, v));
  return mlir::xfmr::ConstantOp::create(b, nodeLoc, type,
                                        DenseElementsAttr::get(type, elements));
}

llvm::SmallVector<int64_t>
mlir::xfmr::onnx_import::valuesOr(llvm::SmallVector<int64_t> values,
                                  size_t count, int64_t fill) {
  if (values.empty())
    values.assign(count, fill);
  return values;
}

LogicalResult NodeContext::unsupported(const llvm::Twine &what) const {
  return emitError() << "unsupported " << opType() << ": " << what;
}

LogicalResult NodeContext::verifyBuiltOp(Operation *op) {
  if (succeeded(mlir::verify(op)))
    return success();
  op->erase();
  return failure();
}

FailureOr<Value> NodeContext::matmul(Value a, Value b) {
  FailureOr<Value> product = value<mlir::xfmr::MatMulOp>(a, b);
  if (succeeded(product) && opType() != "MatMul")
    if (Operation *op = product->getDefiningOp<mlir::xfmr::MatMulOp>())
      op->setLoc(withONNXOpType(op->getLoc(), opType()));
  return product;
}

FailureOr<Value> NodeContext::castTo(Value value, Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == elementType)
    return value;
  FailureOr<mlir::xfmr::CastOp> cast = verified(mlir::xfmr::CastOp::create(
      b, nodeLoc, type.clone(elementType), value));
  if (failed(cast))
    return failure();
  return cast->getResult();
}

FailureOr<Value> NodeContext::tensorConstant(const onnx::TensorProto &tensor) {
  onnx::TensorProto copy = tensor;
  FailureOr<ElementsAttr> attr =
      importTensor(copy, nodeLoc, external, maxInlineElements);
  if (failed(attr))
    return failure();
  return mlir::xfmr::ConstantOp::create(b, nodeLoc, attr->getType(), *attr)
      .getResult();
}
