//===- GraphImporter.cpp - Importing an ONNX graph ------------------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"

using namespace mlir;
using namespace mlir::xfmr;
using namespace mlir::xfmr::onnx_import;

/// The newest opset of the default domain xfmr knows. The ops xfmr imports
/// changed after opset 23 only by gaining element types (which the importer
/// rejects by name) or inputs and attributes that their converters check.
static constexpr int64_t kMaxDefaultOpset = 28;
static constexpr llvm::StringLiteral kMicrosoftDomain = "com.microsoft";

GraphImporter::GraphImporter(MLIRContext *context,
                             const ONNXImportOptions &options,
                             llvm::StringRef fileName,
                             ExternalDataResolver external)
    : context(context), options(options), fileName(fileName.str()),
      external(std::move(external)),
      fileLoc(FileLineColLoc::get(context, fileName, 0, 0)) {}

std::string GraphImporter::domainOf(const onnx::NodeProto &node) const {
  // "ai.onnx" and "" both name the default domain.
  return node.domain() == "ai.onnx" ? "" : node.domain();
}

int64_t GraphImporter::opsetOf(llvm::StringRef domain) const {
  auto it = opsets.find(domain);
  return it == opsets.end() ? -1 : it->second;
}

std::string GraphImporter::nodeName(const onnx::NodeProto &node,
                                    unsigned index) const {
  if (!node.name().empty())
    return node.name();
  // Unnamed nodes of a subgraph are named after the node holding it, so that
  // two branches' `Relu_0` stay apart.
  return namePrefix + node.op_type() + "_" + std::to_string(index);
}

/// The prefix of the made-up names of `graph`'s nodes, a subgraph of `owner`.
static std::string subgraphPrefix(llvm::StringRef owner,
                                  const onnx::GraphProto &graph) {
  return (owner + "/" + graph.name() + "/").str();
}

std::string GraphImporter::describeNode(const onnx::NodeProto &node,
                                        unsigned index) const {
  std::string domain = domainOf(node);
  return "node '" + nodeName(node, index) + "' (" + node.op_type() +
         ", domain '" + (domain.empty() ? "ai.onnx" : domain) + "', opset " +
         std::to_string(opsetOf(domain)) + ")";
}

Location GraphImporter::nodeLoc(const onnx::NodeProto &node, unsigned index) {
  return NameLoc::get(StringAttr::get(context, nodeName(node, index)), fileLoc);
}

//===----------------------------------------------------------------------===//
// Checks before import
//===----------------------------------------------------------------------===//

LogicalResult GraphImporter::readOpsets(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    std::string domain = opset.domain() == "ai.onnx" ? "" : opset.domain();
    opsets[domain] = opset.version();
  }
  int64_t version = opsetOf("");
  if (version < 0)
    return emitError(fileLoc) << "the model imports no opset of the default "
                                 "ONNX domain";
  if (version < 1 || version > kMaxDefaultOpset)
    return emitError(fileLoc)
           << "the model uses opset " << version
           << " of the default ONNX domain; xfmr supports opsets 1 to "
           << kMaxDefaultOpset;
  int64_t microsoft = opsetOf(kMicrosoftDomain);
  if (microsoft > 1)
    return emitError(fileLoc) << "the model uses opset " << microsoft
                              << " of com.microsoft; xfmr supports opset 1";
  return success();
}

void GraphImporter::collectUnsupported(
    const onnx::GraphProto &graph,
    llvm::SmallVectorImpl<std::pair<std::string, llvm::SmallVector<std::string>>>
        &missing,
    llvm::StringMap<unsigned> &missingIndex) {
  const OpRegistry &registry = OpRegistry::get();
  for (int index = 0; index < graph.node_size(); ++index) {
    const onnx::NodeProto &node = graph.node(index);
    auto collectIn = [&](const onnx::GraphProto &subgraph) {
      std::string outer = std::exchange(
          namePrefix, subgraphPrefix(nodeName(node, index), subgraph));
      collectUnsupported(subgraph, missing, missingIndex);
      namePrefix = outer;
    };
    for (const onnx::AttributeProto &attribute : node.attribute()) {
      if (attribute.has_g())
        collectIn(attribute.g());
      for (const onnx::GraphProto &subgraph : attribute.graphs())
        collectIn(subgraph);
    }
    std::string domain = domainOf(node);
    int64_t opset = opsetOf(domain);
    std::string description =
        node.op_type() + " (domain '" + (domain.empty() ? "ai.onnx" : domain) +
        "', opset " + (opset < 0 ? "not imported" : std::to_string(opset)) +
        ")";
    if (opset >= 0 && registry.lookup(domain, node.op_type(), opset))
      continue;
    auto [it, inserted] = missingIndex.try_emplace(description, missing.size());
    if (inserted)
      missing.push_back({description, {}});
    missing[it->second].second.push_back(nodeName(node, index));
  }
}

LogicalResult GraphImporter::checkSupported(const onnx::GraphProto &graph) {
  // (op description, names of the nodes that use it), in graph order.
  llvm::SmallVector<std::pair<std::string, llvm::SmallVector<std::string>>>
      missing;
  llvm::StringMap<unsigned> missingIndex;
  collectUnsupported(graph, missing, missingIndex);
  if (missing.empty())
    return success();
  InFlightDiagnostic diag = emitError(fileLoc);
  diag << "the model uses " << missing.size()
       << " unsupported op(s):";
  for (auto &[description, nodes] : missing) {
    diag << "\n  " << description << " at " << nodes.size() << " node(s): ";
    for (auto [i, name] : llvm::enumerate(nodes)) {
      if (i == 5) {
        diag << ", ... (" << nodes.size() - 5 << " more)";
        break;
      }
      diag << (i ? ", " : "") << "'" << name << "'";
    }
  }
  return failure();
}

//===----------------------------------------------------------------------===//
// Graph inputs and outputs
//===----------------------------------------------------------------------===//

FailureOr<RankedTensorType>
GraphImporter::importInputType(llvm::StringRef name,
                               const onnx::TypeProto::Tensor &tensor,
                               llvm::SmallVectorImpl<Attribute> &dimNames) {
  Type elementType = getElementType(context, tensor.elem_type());
  if (!elementType)
    return emitError(fileLoc)
           << "graph input '" << name << "' has an unsupported element type "
           << getDataTypeName(tensor.elem_type());
  auto given = options.inputShapes.find(name);
  if (!tensor.has_shape()) {
    if (given == options.inputShapes.end())
      return emitError(fileLoc) << "graph input '" << name
                                << "' has no shape (unknown rank); give one "
                                   "with --input-shape";
    // The rank and dims --input-shape gives.
    llvm::SmallVector<int64_t> shape;
    for (int64_t d : given->second) {
      shape.push_back(d < 0 ? ShapedType::kDynamic : d);
      dimNames.push_back(StringAttr::get(context, ""));
    }
    return RankedTensorType::get(shape, elementType);
  }

  llvm::SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0)
        return emitError(fileLoc)
               << "graph input '" << name << "' has a negative dim";
      shape.push_back(dim.dim_value());
      dimNames.push_back(StringAttr::get(context, ""));
      continue;
    }
    std::string param = dim.has_dim_param() ? dim.dim_param() : "";
    auto bound = options.dimValues.find(param);
    shape.push_back(param.empty() || bound == options.dimValues.end()
                        ? ShapedType::kDynamic
                        : bound->second);
    dimNames.push_back(StringAttr::get(context, param));
  }

  if (given != options.inputShapes.end()) {
    if (given->second.size() != shape.size())
      return emitError(fileLoc) << "--input-shape gives "
                                << given->second.size() << " dims for input '"
                                << name << "', which has rank " << shape.size();
    for (auto [i, d] : llvm::enumerate(given->second)) {
      if (d < 0)
        continue;
      if (!ShapedType::isDynamic(shape[i]) && shape[i] != d)
        return emitError(fileLoc)
               << "--input-shape sets dim " << i << " of input '" << name
               << "' to " << d << ", the model says " << shape[i];
      shape[i] = d;
    }
  }
  return RankedTensorType::get(shape, elementType);
}

/// What an optional type holds; any other type itself.
static const onnx::TypeProto &unwrapOptional(const onnx::TypeProto &type) {
  return type.has_optional_type() ? type.optional_type().elem_type() : type;
}

/// Checks a result against the tensor type its graph output declares.
static LogicalResult
checkDeclaredOutput(Location loc, llvm::StringRef name,
                    const onnx::TypeProto::Tensor &declared,
                    RankedTensorType type) {
  Type elementType = getElementType(type.getContext(), declared.elem_type());
  if (declared.elem_type() != 0 && elementType != type.getElementType())
    return emitError(loc) << "graph output '" << name << "' is declared with "
                          << "element type " << elementType << " but computes "
                          << type.getElementType();
  if (!declared.has_shape())
    return success();
  if (declared.shape().dim_size() != type.getRank())
    return emitError(loc) << "graph output '" << name
                          << "' is declared with rank "
                          << declared.shape().dim_size() << " but computes "
                          << type;
  for (auto [i, dim] : llvm::enumerate(declared.shape().dim()))
    if (dim.has_dim_value() && !type.isDynamicDim(i) &&
        dim.dim_value() != type.getDimSize(i))
      return emitError(loc) << "graph output '" << name << "' is declared with "
                            << "dim " << i << " = " << dim.dim_value()
                            << " but computes " << type;
  return success();
}

LogicalResult GraphImporter::importOutputs(
    const onnx::GraphProto &graph, llvm::SmallVectorImpl<Value> &results,
    llvm::SmallVectorImpl<std::string> &names,
    llvm::SmallVectorImpl<const onnx::TypeProto::Tensor *> &types) {
  static const onnx::TypeProto::Tensor undeclared;
  for (const onnx::ValueInfoProto &info : graph.output()) {
    GraphValue value = values.lookup(info.name());
    if (!value.isSet())
      return emitError(fileLoc) << "graph output '" << info.name()
                                << "' is not produced by any node";
    if (value.isNone())
      return emitError(fileLoc)
             << "graph output '" << info.name()
             << "' is an empty optional; a compiled model returns tensors";
    const onnx::TypeProto &declared = unwrapOptional(info.type());
    if (value.isTensor()) {
      const onnx::TypeProto::Tensor *tensor =
          declared.has_tensor_type() ? &declared.tensor_type() : &undeclared;
      if (failed(checkDeclaredOutput(
              fileLoc, info.name(), *tensor,
              cast<RankedTensorType>(value.tensor.getType()))))
        return failure();
      results.push_back(value.tensor);
      names.push_back(info.name());
      types.push_back(tensor);
      continue;
    }
    // A sequence is returned as its elements, `NAME.0`, `NAME.1`, ...
    const onnx::TypeProto::Tensor *element = &undeclared;
    if (declared.has_sequence_type() &&
        declared.sequence_type().elem_type().has_tensor_type())
      element = &declared.sequence_type().elem_type().tensor_type();
    for (auto [i, tensor] : llvm::enumerate(value.elements)) {
      std::string name = info.name() + "." + std::to_string(i);
      if (failed(checkDeclaredOutput(fileLoc, name, *element,
                                     cast<RankedTensorType>(tensor.getType()))))
        return failure();
      results.push_back(tensor);
      names.push_back(name);
      types.push_back(element);
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        unsigned index, OpBuilder &builder) {
  Location loc = nodeLoc(node, index);
  std::string description = describeNode(node, index);
  for (const std::string &name : node.input())
    if (!name.empty() && !values.lookup(name).isSet())
      return emitError(loc) << description << " reads '" << name
                            << "', which no earlier node, input or "
                               "initializer defines";
  std::string domain = domainOf(node);
  const ConvertFn *convert =
      OpRegistry::get().lookup(domain, node.op_type(), opsetOf(domain));
  NodeContext ctx(
      node, opsetOf(domain), builder, loc,
      [&](llvm::StringRef name) { return values.lookup(name); },
      [&](llvm::StringRef name) { return usedNames.contains(name); },
      external, options.maxInlineElements);
  ctx.unsignedNames = &unsignedNames;
  ctx.nibbleNames = &nibbleNames;
  ctx.subgraphImporter = [&](const onnx::GraphProto &graph,
                             llvm::ArrayRef<GraphValue> inputs) {
    std::string outer =
        std::exchange(namePrefix, subgraphPrefix(nodeName(node, index), graph));
    auto result = importSubgraph(graph, inputs, builder, description, loc);
    namePrefix = outer;
    return result;
  };

  // Every diagnostic emitted while the node is imported says which node.
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      diag.attachNote(loc) << "while importing ONNX " << description;
    return failure();
  });
  if (failed((*convert)(ctx)))
    return failure();
  for (auto [i, name] : llvm::enumerate(node.output())) {
    if (name.empty() || i >= ctx.outputs.size() || !ctx.outputs[i].isSet())
      continue;
    if (values.lookup(name).isSet())
      return emitError(loc) << description << " redefines '" << name << "'";
    values[name] = ctx.outputs[i];
    if (ctx.isOutputUnsigned(i))
      unsignedNames.insert(name);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Subgraphs
//===----------------------------------------------------------------------===//

void GraphImporter::collectUses(const onnx::GraphProto &graph) {
  for (const onnx::NodeProto &node : graph.node()) {
    for (const std::string &name : node.input())
      usedNames.insert(name);
    for (const onnx::AttributeProto &attribute : node.attribute()) {
      if (attribute.has_g())
        collectUses(attribute.g());
      for (const onnx::GraphProto &subgraph : attribute.graphs())
        collectUses(subgraph);
    }
  }
  for (const onnx::ValueInfoProto &output : graph.output())
    usedNames.insert(output.name());
}

LogicalResult GraphImporter::importInitializer(onnx::TensorProto &tensor,
                                               OpBuilder &builder) {
  Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
  FailureOr<ElementsAttr> attr =
      importTensor(tensor, loc, external, options.maxInlineElements);
  if (failed(attr))
    return failure();
  values[tensor.name()] = GraphValue(
      mlir::xfmr::ConstantOp::create(builder, loc, attr->getType(), *attr));
  if (isUnsignedType(tensor.data_type()))
    unsignedNames.insert(tensor.name());
  if (tensor.data_type() == 21 || tensor.data_type() == 22) // UINT4, INT4
    nibbleNames.insert(tensor.name());
  return success();
}

FailureOr<llvm::SmallVector<GraphValue>> GraphImporter::importSubgraph(
    const onnx::GraphProto &graph, llvm::ArrayRef<GraphValue> inputs,
    OpBuilder &builder, llvm::StringRef owner, Location loc) {
  if (graph.input_size() != static_cast<int>(inputs.size()))
    return emitError(loc) << owner << ": its subgraph '" << graph.name()
                          << "' has " << graph.input_size()
                          << " input(s), the op gives it " << inputs.size();

  // The names the subgraph defines hide those of the enclosing graphs until
  // it ends; a loop body imported twice then finds its names free again.
  llvm::StringMap<GraphValue> hidden;
  auto hide = [&](const std::string &name) {
    if (name.empty() || hidden.count(name))
      return;
    hidden[name] = values.lookup(name);
    values.erase(name);
  };
  for (const onnx::ValueInfoProto &info : graph.input())
    hide(info.name());
  for (const onnx::TensorProto &tensor : graph.initializer())
    hide(tensor.name());
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &name : node.output())
      hide(name);
  llvm::scope_exit restore([&] {
    for (auto &entry : hidden) {
      values.erase(entry.getKey());
      if (entry.getValue().isSet())
        values[entry.getKey()] = entry.getValue();
    }
  });

  for (auto [info, value] : llvm::zip_equal(graph.input(), inputs))
    values[info.name()] = value;
  // The initializers are copied: a loop body may be imported more than once.
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    onnx::TensorProto copy = tensor;
    if (failed(importInitializer(copy, builder)))
      return failure();
  }
  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, index, builder)))
      return failure();

  llvm::SmallVector<GraphValue> results;
  for (const onnx::ValueInfoProto &info : graph.output()) {
    GraphValue value = values.lookup(info.name());
    if (!value.isSet())
      return emitError(loc) << owner << ": output '" << info.name()
                            << "' of its subgraph '" << graph.name()
                            << "' is not defined in it or around it";
    results.push_back(value);
  }
  return results;
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> GraphImporter::import(onnx::ModelProto &model) {
  if (!model.has_graph())
    return emitError(fileLoc) << "the model has no graph", nullptr;
  if (failed(readOpsets(model)))
    return nullptr;
  onnx::GraphProto &graph = *model.mutable_graph();
  if (failed(checkSupported(graph)))
    return nullptr;

  collectUses(graph);

  OpBuilder builder(context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());

  // Graph inputs that are also initializers (older exporters list weights as
  // inputs) are constants.
  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());

  // The function's arguments: one per tensor input, one per element of a
  // sequence input (`NAME.0`, `NAME.1`, ...).
  struct Argument {
    std::string name;
    const onnx::TypeProto::Tensor *tensor;
  };
  llvm::SmallVector<Argument> arguments;
  // Each graph input that is no initializer: its first argument and how many
  // it has, or none for an absent optional.
  struct Bound {
    const onnx::ValueInfoProto *info;
    unsigned first, count;
    bool isSequence;
  };
  llvm::SmallVector<Bound> bound;
  llvm::StringSet<> sequenceNames, optionalNames;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializerNames.contains(info.name()))
      continue;
    const onnx::TypeProto &type = unwrapOptional(info.type());
    if (info.type().has_optional_type()) {
      optionalNames.insert(info.name());
      if (options.absentOptionals.contains(info.name())) {
        values[info.name()] = GraphValue::none();
        continue;
      }
    }
    if (type.has_tensor_type()) {
      bound.push_back(
          {&info, static_cast<unsigned>(arguments.size()), 1, false});
      arguments.push_back({info.name(), &type.tensor_type()});
      continue;
    }
    if (!type.has_sequence_type() ||
        !type.sequence_type().elem_type().has_tensor_type())
      return emitError(fileLoc) << "graph input '" << info.name()
                                << "' is not a tensor, a sequence of tensors "
                                   "or an optional of one",
             nullptr;
    sequenceNames.insert(info.name());
    auto length = options.sequenceLengths.find(info.name());
    if (length == options.sequenceLengths.end())
      return emitError(fileLoc)
                 << "graph input '" << info.name()
                 << "' is a sequence, whose length a compiled model must "
                    "know: give it with --sequence-length="
                 << info.name() << "=N (the model then takes its elements as "
                 << "inputs '" << info.name() << ".0', '" << info.name()
                 << ".1', ...)",
             nullptr;
    bound.push_back({&info, static_cast<unsigned>(arguments.size()),
                     static_cast<unsigned>(length->second), true});
    for (int64_t i = 0; i < length->second; ++i)
      arguments.push_back({info.name() + "." + std::to_string(i),
                           &type.sequence_type().elem_type().tensor_type()});
  }

  llvm::SmallVector<Type> inputTypes;
  llvm::SmallVector<DictionaryAttr> argAttrs;
  for (const Argument &argument : arguments) {
    llvm::SmallVector<Attribute> dimNames;
    FailureOr<RankedTensorType> type =
        importInputType(argument.name, *argument.tensor, dimNames);
    if (failed(type))
      return nullptr;
    inputTypes.push_back(*type);
    llvm::SmallVector<NamedAttribute> attrs = {builder.getNamedAttr(
        "xfmr.name", builder.getStringAttr(argument.name))};
    if (isUnsignedType(argument.tensor->elem_type()))
      attrs.push_back(
          builder.getNamedAttr("xfmr.unsigned", builder.getUnitAttr()));
    if (llvm::any_of(dimNames, [](Attribute a) {
          return !cast<StringAttr>(a).getValue().empty();
        }))
      attrs.push_back(
          builder.getNamedAttr("xfmr.dims", builder.getArrayAttr(dimNames)));
    argAttrs.push_back(builder.getDictionaryAttr(attrs));
  }

  // Options that name nothing are mistakes worth reporting (a typo would
  // otherwise leave the dims dynamic without a word).
  llvm::StringSet<> inputNames, dimParams;
  for (const Argument &argument : arguments) {
    inputNames.insert(argument.name);
    for (const auto &dim : argument.tensor->shape().dim())
      if (dim.has_dim_param())
        dimParams.insert(dim.dim_param());
  }
  for (const auto &entry : options.inputShapes)
    if (!inputNames.contains(entry.getKey()))
      return emitError(fileLoc) << "--input-shape names '" << entry.getKey()
                                << "', which is not an input of the graph",
             nullptr;
  for (const auto &entry : options.dimValues)
    if (!dimParams.contains(entry.getKey()))
      return emitError(fileLoc) << "--dim names '" << entry.getKey()
                                << "', which no input's shape uses",
             nullptr;
  for (const auto &entry : options.sequenceLengths)
    if (!sequenceNames.contains(entry.getKey()))
      return emitError(fileLoc) << "--sequence-length names '" << entry.getKey()
                                << "', which is no sequence input of the graph",
             nullptr;
  for (const auto &entry : options.absentOptionals)
    if (!optionalNames.contains(entry.getKey()))
      return emitError(fileLoc) << "--absent-optional names '" << entry.getKey()
                                << "', which is no optional input of the graph",
             nullptr;

  auto func = func::FuncOp::create(builder, fileLoc, options.functionName,
                                   builder.getFunctionType(inputTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [i, attrs] : llvm::enumerate(argAttrs)) {
    func.setArgAttrs(i, attrs);
    if (isUnsignedType(arguments[i].tensor->elem_type()))
      unsignedNames.insert(arguments[i].name);
  }
  for (const Bound &input : bound) {
    auto args = body->getArguments().slice(input.first, input.count);
    values[input.info->name()] =
        input.isSequence ? GraphValue::sequence(llvm::to_vector_of<Value>(args))
                         : GraphValue(args.front());
    if (!input.isSequence &&
        isUnsignedType(arguments[input.first].tensor->elem_type()))
      unsignedNames.insert(input.info->name());
  }

  for (onnx::TensorProto &tensor : *graph.mutable_initializer())
    if (failed(importInitializer(tensor, builder)))
      return nullptr;

  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, index, builder)))
      return nullptr;

  llvm::SmallVector<Value> results;
  llvm::SmallVector<std::string> resultNames;
  llvm::SmallVector<const onnx::TypeProto::Tensor *> resultTypes;
  if (failed(importOutputs(graph, results, resultNames, resultTypes)))
    return nullptr;
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(
      builder.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  for (auto [i, name] : llvm::enumerate(resultNames)) {
    llvm::SmallVector<NamedAttribute> attrs = {
        builder.getNamedAttr("xfmr.name", builder.getStringAttr(name))};
    // The file's names of the outputs' dims, as ONNX Runtime reports them.
    const onnx::TypeProto::Tensor &tensor = *resultTypes[i];
    if (isUnsignedType(tensor.elem_type()))
      attrs.push_back(
          builder.getNamedAttr("xfmr.unsigned", builder.getUnitAttr()));
    auto resultType = dyn_cast<RankedTensorType>(results[i].getType());
    if (tensor.has_shape() && resultType &&
        tensor.shape().dim_size() == resultType.getRank() &&
        llvm::any_of(tensor.shape().dim(),
                     [](const auto &dim) { return dim.has_dim_param(); })) {
      llvm::SmallVector<Attribute> dimNames;
      for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim())
        dimNames.push_back(builder.getStringAttr(dim.dim_param()));
      attrs.push_back(
          builder.getNamedAttr("xfmr.dims", builder.getArrayAttr(dimNames)));
    }
    func.setResultAttrs(i, builder.getDictionaryAttr(attrs));
  }

  if (failed(verify(*module)))
    return nullptr;
  return module;
}
