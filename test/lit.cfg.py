# -*- Python -*-
# lit configuration of the xfmr regression suite.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "XFMR"
# lit's internal shell: portable, and the only one newer lit releases keep.
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".onnxtext", ".test"]
config.excludes = [
    "CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.xfmr_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
# The Python with numpy and onnx, for tests that write binary models.
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# Tests fail when a CHECK variable leaks from one CHECK-LABEL block into the
# next (FileCheck's --enable-var-scope).
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

# FileCheck, not, count from LLVM 22; xfmr's tools from the build tree.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.xfmr_tools_dir, config.llvm_tools_dir]
tools = ["xfmr-compile", "xfmr-opt", "xfmr-translate", "xfmr-run",
         "xfmr-run-sanitized"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Hand-written models and programs that use the runtime are built with clang
# in the tests: %clang, the C API's headers and libxfmr_runtime's folder.
# In a sanitizer build libxfmr_runtime needs the sanitizers' runtime from
# the program that loads it, and the hand-written models are checked too.
clang = os.path.join(config.llvm_tools_dir, "clang")
if config.xfmr_sanitizers:
    clang += " -fsanitize=address,undefined -fno-sanitize-recover=all"
    config.available_features.add("sanitizers")
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if name in os.environ:
            config.environment[name] = os.environ[name]
config.substitutions.append(("%clangxx", os.path.join(config.llvm_tools_dir, "clang++")))
config.substitutions.append(("%clang", clang))
# libxfmr_runtime's sources, for tests that build it with other flags
# (ThreadSanitizer).
import glob
config.substitutions.append(("%xfmr_runtime_sources", " ".join(sorted(
    glob.glob(os.path.join(config.xfmr_src_root, "lib", "Runtime", "*.cpp"))))))
config.substitutions.append(
    ("%xfmr_include", os.path.join(config.xfmr_src_root, "include")))
config.substitutions.append(
    ("%xfmr_libdir", os.path.join(config.xfmr_obj_root, "lib")))

# Tests that run code for an ISA need a CPU that has it: the host's ISA
# extensions, by LLVM's names, are lit features (REQUIRES: avx512f). Tests
# that only compile for a CPU run everywhere.
HOST_ISA_FEATURES = {
    "avx2": "avx2", "fma": "fma", "f16c": "f16c", "avx512f": "avx512f",
    "avx512bw": "avx512bw", "avx512_bf16": "avx512bf16",
    "avx512_vnni": "avx512vnni", "amx_tile": "amx-tile",
}
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                      if line.startswith("flags")), [])
    for flag, feature in HOST_ISA_FEATURES.items():
        if flag in flags:
            config.available_features.add(feature)
except OSError:
    pass

# The CUDA toolkit's ptxas checks the PTX of --target=cuda (REQUIRES: ptxas),
# found where the compiler looks for it.
def find_cuda_tool(name):
    roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
             "/usr/local/cuda"]
    for root in filter(None, roots):
        path = os.path.join(root, "bin", name)
        if os.access(path, os.X_OK):
            return path
    import shutil
    return shutil.which(name)

# Valgrind's memcheck watches what compiled models read and write.
if shutil.which("valgrind"):
    config.available_features.add("valgrind")

ptxas = find_cuda_tool("ptxas")
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# Tests that run kernels need a CUDA driver and a GPU that the runtime can
# use (REQUIRES: cuda-device); the runtime itself says whether there is one.
import subprocess

try:
    probe = subprocess.run(
        [os.path.join(config.xfmr_tools_dir, "xfmr-run"), "--devices"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if probe.returncode == 0:
        config.available_features.add("cuda-device")
except (OSError, subprocess.SubprocessError):
    pass
