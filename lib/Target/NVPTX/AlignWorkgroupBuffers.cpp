//===- AlignWorkgroupBuffers.cpp - Shared-memory buffers 16-byte aligned --===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A workgroup attribution becomes a .shared array aligned only to its
// element (4 bytes for f32), and a gpu.launch cannot say more: its
// attributions carry no attributes, so outlining gives the kernel none.
// cp.async of 16 bytes and vector loads from shared memory need the array
// aligned to their size, so the kernel's attributions say so here.
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/NVPTX/Passes.h"

namespace mlir::xfmr {
#define GEN_PASS_DEF_XFMRNVPTXALIGNWORKGROUPBUFFERSPASS
#include "xfmr/Target/NVPTX/Passes.h.inc"
} // namespace mlir::xfmr

using namespace mlir;
using namespace mlir::xfmr;

namespace {
struct AlignWorkgroupBuffersPass
    : public xfmr::impl::XfmrNVPTXAlignWorkgroupBuffersPassBase<
          AlignWorkgroupBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    StringRef name = LLVM::LLVMDialect::getAlignAttrName();
    Builder b(&getContext());
    getOperation().walk([&](gpu::GPUFuncOp kernel) {
      for (unsigned i = 0; i < kernel.getNumWorkgroupAttributions(); ++i) {
        auto given = dyn_cast_or_null<IntegerAttr>(
            kernel.getWorkgroupAttributionAttr(i, name));
        if (!given || given.getInt() < alignment)
          kernel.setWorkgroupAttributionAttr(i, name,
                                             b.getI64IntegerAttr(alignment));
      }
    });
  }
};
} // namespace
