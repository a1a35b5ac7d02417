/* Shared declarations of the Lua C module torch.core. The binding is thin:
 * it converts between Lua values and lt_tensor*, checks arguments, and turns
 * lt errors into Lua errors prefixed with "torch.". No numerics here. */
#ifndef LUTORCH_BINDING_H
#define LUTORCH_BINDING_H

#include <lauxlib.h>
#include <lua.h>

#include "lutorch/lutorch.h"

#define TENSOR_MT "torch.Tensor"

/* Push t as a Lua tensor, taking over the caller's reference. t == NULL
 * raises the pending lt error as a Lua error. */
int lb_push_tensor(lua_State *L, lt_tensor *t);
/* Push t (taking its reference) without the GC step lb_push_tensor may
 * run: for pushing several results before anything can raise. */
void lb_wrap_tensor(lua_State *L, lt_tensor *t);
/* The tensor at idx, or NULL if that value is not a tensor. */
lt_tensor *lb_to_tensor(lua_State *L, int idx);
/* The tensor at idx, or a Lua error "fn: argument n: expected a tensor". */
lt_tensor *lb_check_tensor(lua_State *L, int idx, const char *fn);
/* luaL_error with C's printf formats (%lld, %g, %zu...): lua_pushfstring
 * knows only %s %d %f %p %c, and prints '?' for the rest. */
int lb_errorf(lua_State *L, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Raise the pending lt error as "torch.<message>". */
int lb_error(lua_State *L);
/* A Lua error naming the function and argument. */
int lb_arg_error(lua_State *L, const char *fn, int arg, const char *expected);
/* Read a dtype name ("float32") at idx. */
lt_dtype lb_check_dtype(lua_State *L, int idx, const char *fn);
/* Sizes given as numbers from idx on, or as a table / size object at idx.
 * Returns ndim. */
int lb_check_sizes(lua_State *L, int idx, const char *fn, int64_t *size);
/* Lua index (1-based, negative from the end) to a 0-based dim; errors. */
int lb_check_dim(lua_State *L, int idx, const char *fn, int ndim);

/* Registration of each part of the module into the table on top. */
void lb_open_tensor(lua_State *L);
void lb_open_ops(lua_State *L);
void lb_open_reduce(lua_State *L);
void lb_open_linalg(lua_State *L);
void lb_open_index(lua_State *L);
void lb_open_random(lua_State *L);
void lb_open_autograd(lua_State *L);
void lb_open_io(lua_State *L);
void lb_open_cuda(lua_State *L);
void lb_open_data(lua_State *L);
void lb_open_optim(lua_State *L);
void lb_open_nn(lua_State *L);

/* Helper to register a list of functions into the table on top. */
void lb_register(lua_State *L, const luaL_Reg *fns);

#endif
