package = "lutorch"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "Lua Torch on a modern core: tensors, autograd, nn, optim",
  license = "BSD-3-Clause",
}
dependencies = { "lua >= 5.1, < 5.2" }
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LUTORCH_LUADIR = "$(LUADIR)",
    LUTORCH_LIBDIR = "$(LIBDIR)",
    LUTORCH_TESTS = "OFF",
    LUTORCH_CUDA = "OFF",
    LUTORCH_SHARED = "OFF",
  },
}
