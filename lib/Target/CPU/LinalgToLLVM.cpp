//===- LinalgToLLVM.cpp - The CPU pipeline from linalg to LLVM ------------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "xfmr/Target/CPU/CPUTarget.h"
#include "xfmr/Target/CPU/Passes.h"
#include "xfmr/Target/Common/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::xfmr::buildCPULinalgToLLVMPipeline(
    OpPassManager &pm, const TargetOptions &options,
    const CPUTargetDescription &target) {
  bool bf16 = options.precision == "bf16";
  RegisterBlock block = target.matmulRegisterBlock();
  // The signature is read while names and tensor types are still there.
  pm.addPass(createXfmrPrepareEntryPass());

  OpPassManager &tensorPm = pm.nest<func::FuncOp>();
  tensorPm.addPass(createXfmrFuseElementwisePass());
  tensorPm.addPass(createCanonicalizerPass());
  tensorPm.addPass(createCSEPass());
  // u8 x s8 products of quantized layers as integer dot products, their
  // weights packed for the instruction (before the f32 packing, which
  // would take them).
  if (target.hasAVX2) {
    XfmrCPUInt8MatmulPassOptions int8;
    int8.vectorBits = target.vectorBits;
    int8.vnni =
        target.vectorBits == 512 ? target.hasAVX512VNNI : target.hasAVXVNNI;
    int8.registerRows = block.rows;
    tensorPm.addPass(createXfmrCPUInt8MatmulPass(int8));
  }
  // 4-bit weight-only products as blocks that dequantize whole vectors
  // (before tiling, which would take them as generic contractions). A
  // decode step takes one column at a time: the weight is then read as one
  // sequential stream (a column's bytes, then the next column's), which
  // the prefetchers follow; 8 columns side by side (8 streams 384 bytes
  // apart, an input vector loaded once for all) took LLaMA-100M's decode
  // step from 34 to 47 ms on Zen 4 (64 MB of weights, from DRAM) and a
  // 6 MB stack in L3 from 0.89 to 1.13 ms.
  XfmrCPUInt4MatmulPassOptions int4;
  int4.vectorBits = target.vectorBits;
  int4.decodeCols = 1;
  int4.registerRows = target.numVectorRegisters >= 32 ? 4 : 2;
  int4.registerCols = 4;
  tensorPm.addPass(createXfmrCPUInt4MatmulPass(int4));
  // Constant weights in panels of a register block's width, before tiling
  // (which reads the packed shape).
  RegisterBlock singleRow = target.singleRowRegisterBlock();
  tensorPm.addPass(createXfmrCPUPackWeightsPass({block.cols, singleRow.cols}));
  // The packed contractions as AVX512-BF16 register blocks; the others
  // (attention, and matmuls of two activations) stay f32.
  if (bf16)
    tensorPm.addPass(createXfmrCPUBF16MatmulPass({block.rows}));
  // Vector-sized tiles while subsets are still values: the loop-carried
  // accumulators of reductions are found without alias analysis.
  XfmrCPUTileAndVectorizePassOptions tiles;
  tiles.vectorWidth = target.f32Lanes();
  tiles.registerRows = block.rows;
  tiles.registerCols = block.cols;
  tiles.singleRowCols = singleRow.cols;
  tensorPm.addPass(createXfmrCPUTileAndVectorizePass(tiles));
  // Reductions across lanes become horizontal reductions, and masks move
  // into the transfers they guard, before bufferization: deallocation
  // cannot place its ownership values in a vector.mask region.
  tensorPm.addPass(vector::createLowerVectorMultiReductionPass(
      vector::VectorMultiReductionLowering::InnerReduction));
  tensorPm.addPass(vector::createLowerVectorMaskPass());
  tensorPm.addPass(createCanonicalizerPass());
  tensorPm.addPass(createCSEPass());

  buildModelBufferizationPipeline(pm);
  if (target.hasAVX2)
    pm.addNestedPass<func::FuncOp>(createXfmrCPUInt8MatmulIntrinsicsPass());
  // Large weights to a file beside the library, when the driver names one.
  pm.addPass(createXfmrExternalizeWeightsPass());

  // Loops: parallel loops keep the parallel dims visible to later stages.
  OpPassManager &loopPm = pm.nest<func::FuncOp>();
  loopPm.addPass(createXfmrStridedCopiesToLinalgPass());
  loopPm.addPass(createConvertLinalgToParallelLoopsPass());
  // Transfers of more than one dim are unrolled into rows.
  loopPm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  // Threads: the outermost parallel loops that do enough work become
  // OpenMP worksharing loops; the loops nested in them, and the small ones,
  // stay sequential. It runs once every loop exists, so that its work
  // estimate sees the transfers' loops too.
  XfmrCPUParallelizeLoopsPassOptions threads;
  threads.vectorBits = target.vectorBits;
  loopPm.addPass(createXfmrCPUParallelizeLoopsPass(threads));
  loopPm.addPass(createLowerAffinePass());
  loopPm.addPass(createSCFToControlFlowPass());
  loopPm.addPass(createCanonicalizerPass());

  // LLVM. exp, tanh, erf and log become vector arithmetic; math with an
  // LLVM counterpart (sqrt, fma, ...) becomes LLVM intrinsics, and the rest
  // (sin, cos, ...) libm calls.
  pm.addNestedPass<func::FuncOp>(createXfmrApproximateMathPass());
  // Without bf16 instructions, bf16 arithmetic is f32 arithmetic and its
  // roundings vector integer code, rather than a compiler-rt call per
  // element.
  if (!target.hasNativeBF16Conversion())
    pm.addNestedPass<func::FuncOp>(createXfmrCPUExpandBF16Pass());
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // A matmul tile's vector.contract (m x 1 times 1 x n) becomes one
  // broadcast-FMA per row.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  // x86vector.avx512.dot to llvm.x86.avx512bf16.dpbf16ps.512.
  vectorToLLVM.x86Vector = bf16;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(memref::createExpandStridedMetadataPass());
  // Strided metadata is computed with affine.apply.
  pm.addPass(createLowerAffinePass());
  // aligned_alloc rather than malloc plus an offset: a result whose buffer
  // starts where it was allocated is handed to the caller as it is, where an
  // offset one costs the runtime a copy (a matmul's output: a tenth of its
  // run time at 128x768x768).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  XfmrEmitModelABIPassOptions abi;
  abi.cpu = target.cpu;
  abi.requiredFeatures = llvm::to_vector(target.requiredFeatures);
  pm.addPass(createXfmrEmitModelABIPass(abi));
  pm.addPass(createCanonicalizerPass());
}
