//===- ModelFile.cpp - Checking a model's file before loading it ----------===//
//
// Part of the xfmr project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// dlopen maps a library's segments as its program headers say, whatever
// the file's size: a truncated model maps pages past the end of the file,
// and the first touch of one is SIGBUS, not an error. The headers are read
// here first, and every loadable segment must lie inside the file.
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace xfmr::runtime;

static std::string hexHash(uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", (unsigned long long)hash);
  return text;
}

/// Whether [offset, offset + size) lies within `fileSize` bytes.
static bool inside(uint64_t offset, uint64_t size, uint64_t fileSize) {
  return offset <= fileSize && size <= fileSize - offset;
}

std::string xfmr::runtime::checkModelHeaders(const unsigned char *data,
                                             size_t available, uint64_t size) {
  Elf64_Ehdr header;
  if (available < SELFMAG || std::memcmp(data, ELFMAG, SELFMAG) != 0)
    return "not an ELF file";
  if (available < sizeof(header))
    return "truncated: " + std::to_string(size) +
           " bytes, fewer than an ELF header";
  std::memcpy(&header, data, sizeof(header));
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB)
    return "not a 64-bit little-endian ELF file";
  if (header.e_type != ET_DYN)
    return "not a shared library (ELF type " + std::to_string(header.e_type) +
           ")";
  if (header.e_machine != EM_X86_64)
    return "built for ELF machine " + std::to_string(header.e_machine) +
           ", not x86-64";
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0)
    return "no program headers";
  uint64_t headersSize = uint64_t(header.e_phnum) * sizeof(Elf64_Phdr);
  if (!inside(header.e_phoff, headersSize, size))
    return "truncated: the program headers end past the file's " +
           std::to_string(size) + " bytes";
  if (!inside(header.e_phoff, headersSize, available))
    return "the program headers are not at the start of the file";
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment, data + header.e_phoff + i * sizeof(Elf64_Phdr),
                sizeof(segment));
    if (segment.p_type != PT_LOAD && segment.p_type != PT_DYNAMIC)
      continue;
    if (!inside(segment.p_offset, segment.p_filesz, size))
      return "truncated: segment " + std::to_string(i) + " ends at byte " +
             std::to_string(segment.p_offset + segment.p_filesz) +
             " but the file has " + std::to_string(size);
    if (segment.p_filesz > segment.p_memsz)
      return "segment " + std::to_string(i) +
             " holds more bytes in the file than in memory";
  }
  if (header.e_shnum != 0 &&
      !inside(header.e_shoff, uint64_t(header.e_shnum) * header.e_shentsize,
              size))
    return "truncated: the section headers end past the file's " +
           std::to_string(size) + " bytes";
  return "";
}

std::string xfmr::runtime::checkModelFile(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::strerror(errno);
  struct stat status;
  if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    close(fd);
    return "not a regular file";
  }
  // The headers are at the start; the segments are only compared with the
  // size, so the file is not read whole.
  std::vector<unsigned char> head(
      std::min<size_t>(size_t(status.st_size), 64 * 1024));
  size_t got = 0;
  while (got < head.size()) {
    ssize_t n = read(fd, head.data() + got, head.size() - got);
    if (n <= 0)
      break;
    got += size_t(n);
  }
  close(fd);
  head.resize(got);
  return checkModelHeaders(head.data(), head.size(), uint64_t(status.st_size));
}

std::string xfmr::runtime::mapWeightsFile(const std::string &path,
                                          const Signature &signature,
                                          void **data) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return "cannot open its weights file '" + path +
           "': " + std::strerror(errno);
  struct stat status;
  if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    close(fd);
    return "its weights file '" + path + "' is not a regular file";
  }
  if (uint64_t(status.st_size) != signature.weightsSize) {
    close(fd);
    return "its weights file '" + path + "' has " +
           std::to_string(status.st_size) + " bytes but the model expects " +
           std::to_string(signature.weightsSize) +
           "; the weights file and the library must come from one compile";
  }
  void *mapped =
      mmap(nullptr, signature.weightsSize, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapped == MAP_FAILED)
    return "cannot map its weights file '" + path +
           "': " + std::strerror(errno);
  uint64_t hash =
      xfmr_weights_hash(XFMR_WEIGHTS_HASH_INIT, mapped, signature.weightsSize);
  if (hash != signature.weightsHash) {
    munmap(mapped, signature.weightsSize);
    return "its weights file '" + path +
           "' does not hold the weights it was compiled with (hash " +
           hexHash(hash) + ", expected " + hexHash(signature.weightsHash) + ")";
  }
  *data = mapped;
  return "";
}
