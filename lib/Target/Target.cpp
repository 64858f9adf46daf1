//===- Target.cpp - The registry of code generation targets ---------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/Target.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/Mutex.h"

using namespace mlir;
using namespace mlir::xfmr;

Target::~Target() = default;

bool Target::hasPrecision(StringRef precision) const {
  return llvm::is_contained(getPrecisions(), precision);
}

bool Target::canSerialize(EmitStage stage) const {
  return llvm::is_contained(getSerializationStages(), stage);
}

namespace {
/// The registered targets. Registration happens at start-up (tools) or on
/// import (Python), possibly from several threads, hence the lock.
struct TargetRegistry {
  llvm::sys::SmartMutex<true> mutex;
  std::vector<std::unique_ptr<Target>> targets;
};
} // namespace

static llvm::ManagedStatic<TargetRegistry> registry;

void mlir::xfmr::registerTarget(std::unique_ptr<Target> target) {
  llvm::sys::SmartScopedLock<true> lock(registry->mutex);
  for (const std::unique_ptr<Target> &known : registry->targets)
    if (known->getName() == target->getName())
      return;
  registry->targets.push_back(std::move(target));
}

const Target *mlir::xfmr::lookupTarget(StringRef name) {
  llvm::sys::SmartScopedLock<true> lock(registry->mutex);
  for (const std::unique_ptr<Target> &target : registry->targets)
    if (target->getName() == name)
      return target.get();
  return nullptr;
}

std::vector<StringRef> mlir::xfmr::getRegisteredTargetNames() {
  llvm::sys::SmartScopedLock<true> lock(registry->mutex);
  std::vector<StringRef> names;
  for (const std::unique_ptr<Target> &target : registry->targets)
    names.push_back(target->getName());
  return names;
}

const Target *mlir::xfmr::lookupTarget(StringRef name, std::string &error) {
  if (const Target *target = lookupTarget(name))
    return target;
  error = "unknown target '" + name.str() +
          "' (targets: " + llvm::join(getRegisteredTargetNames(), ", ") + ")";
  return nullptr;
}

InFlightDiagnostic mlir::xfmr::emitModelError(ModuleOp module,
                                              const Twine &message) {
  InFlightDiagnostic diagnostic = emitError(module.getLoc());
  diagnostic << message;
  return diagnostic;
}
