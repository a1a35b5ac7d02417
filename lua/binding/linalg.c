/* Bindings of the linalg functions: matrix products and LAPACK.
 *
 * One registration serves torch.f(...) and t:f(...) (the method gets self
 * as its first argument), following Torch7: leading tensors beyond the
 * operands an op needs are result tensors (torch.mm(res, a, b),
 * res:mm(a, b)). Two exceptions, kept from PyTorch where Torch7 had no
 * meaning: a:mm(b), a:mv(x), a:matmul(b) etc. with a single tensor
 * argument multiply self by it (allocating).
 *
 * The add-ops take Torch7's forms:
 *   torch.addmm([res,] [v1,] M, [v2,] m1, m2)   res = v1·M + v2·m1·m2
 *   x:addmm([v1,] [M,] [v2,] m1, m2)             in place on x (M = x if absent)
 * A lone number followed by three tensors is v1, followed by two it is v2
 * (so x:addmm(s, a, b) is x += s·a·b, as Torch7's nn uses it). */
#include <string.h>

#include "binding.h"

/* ---- products ---- */

typedef lt_tensor *(*add_fn)(lt_tensor *, double, lt_tensor *, double, lt_tensor *, lt_tensor *);
typedef lt_tensor *(*prod_fn)(lt_tensor *, lt_tensor *, lt_tensor *);

/* Push the result: the caller's result tensor at res_idx if it gave one
 * (r is that tensor, retained), else r. */
static int push_result(lua_State *L, lt_tensor *r, int res_idx) {
  if (!r) return lb_error(L);
  if (res_idx) {
    lt_tensor_release(r);
    lua_pushvalue(L, res_idx);
    return 1;
  }
  return lb_push_tensor(L, r);
}

/* Tensors at slots [1, top] and up to two numbers; anything else errors. */
typedef struct targs {
  int nt, idx[6];
  lt_tensor *t[6];
  int nn, after[2]; /* tensors following each number */
  double num[2];
} targs;

static void scan(lua_State *L, const char *fn, targs *a) {
  int top = lua_gettop(L);
  memset(a, 0, sizeof *a);
  for (int i = 1; i <= top; i++) {
    lt_tensor *t = lb_to_tensor(L, i);
    if (t) {
      if (a->nt == 6) lb_errorf(L, "torch.%s: too many arguments", fn);
      a->idx[a->nt] = i;
      a->t[a->nt++] = t;
    } else if (lua_type(L, i) == LUA_TNUMBER) {
      if (a->nn == 2) lb_errorf(L, "torch.%s: too many numbers (at most two multipliers)", fn);
      a->num[a->nn] = lua_tonumber(L, i);
      a->after[a->nn++] = -i; /* fixed below */
    } else {
      lb_arg_error(L, fn, i, "a tensor or a number");
    }
  }
  for (int k = 0; k < a->nn; k++) {
    int pos = -a->after[k], n = 0;
    for (int j = 0; j < a->nt; j++) n += a->idx[j] > pos;
    a->after[k] = n;
  }
}

static int l_add(lua_State *L) {
  const char *fn = lua_tostring(L, lua_upvalueindex(1));
  add_fn f = (add_fn)lua_touserdata(L, lua_upvalueindex(2));
  bool method = lua_toboolean(L, lua_upvalueindex(3));
  targs a;
  scan(L, fn, &a);
  double v1 = 1, v2 = 1;
  if (a.nn == 2) {
    v1 = a.num[0];
    v2 = a.num[1];
  } else if (a.nn == 1) {
    if (a.after[0] == 3)
      v1 = a.num[0];
    else
      v2 = a.num[0];
  }
  lt_tensor *res = NULL, *m;
  int res_idx = 0, k = 0;
  if (method) {
    if (a.nt != 3 && a.nt != 4)
      return lb_errorf(L, "torch.%s: expected x:%s([v1,] [M,] [v2,] a, b), got %d tensor arguments",
                        fn, fn, a.nt - 1);
    res = a.t[0];
    res_idx = a.idx[0];
    m = a.nt == 4 ? a.t[1] : res;
    k = a.nt - 2;
  } else {
    if (a.nt != 3 && a.nt != 4)
      return lb_errorf(L, "torch.%s: expected ([res,] [v1,] M, [v2,] a, b), got %d tensor arguments",
                        fn, a.nt);
    if (a.nt == 4) {
      res = a.t[0];
      res_idx = a.idx[0];
    }
    m = a.t[a.nt - 3];
    k = a.nt - 2;
  }
  return push_result(L, f(res, v1, m, v2, a.t[k], a.t[k + 1]), res_idx);
}

static int l_prod(lua_State *L) {
  const char *fn = lua_tostring(L, lua_upvalueindex(1));
  prod_fn f = (prod_fn)lua_touserdata(L, lua_upvalueindex(2));
  bool method = lua_toboolean(L, lua_upvalueindex(3));
  targs a;
  scan(L, fn, &a);
  if (a.nn) return lb_errorf(L, "torch.%s: unexpected number argument", fn);
  if (a.nt == 2) return push_result(L, f(NULL, a.t[0], a.t[1]), 0);
  if (a.nt == 3) return push_result(L, f(a.t[0], a.t[1], a.t[2]), a.idx[0]);
  if (method)
    return lb_errorf(L, "torch.%s: expected x:%s(b) or res:%s(a, b), got %d tensor arguments", fn,
                      fn, fn, a.nt - 1);
  return lb_errorf(L, "torch.%s: expected ([res,] a, b), got %d tensor arguments", fn, a.nt);
}

/* Under autograd (an input requires grad, grad mode on) the functions that
 * return numbers (dot, det, slogdet, logdet) return 0-dim tensors instead,
 * which carry the graph (PyTorch's behaviour). */
static bool wants_grad(int n, lt_tensor *const *t) { return lt_autograd_wants(n, t); }

static int l_dot(lua_State *L) {
  lt_tensor *a = lb_check_tensor(L, 1, "dot"), *b = lb_check_tensor(L, 2, "dot");
  lt_tensor *ab[2] = {a, b};
  if (wants_grad(2, ab)) {
    lt_tensor *r = lt_dot_tensor(a, b);
    return r ? lb_push_tensor(L, r) : lb_error(L);
  }
  double r;
  if (lt_dot(a, b, &r)) return lb_error(L);
  lua_pushnumber(L, r);
  return 1;
}

/* ---- LAPACK ---- */

/* Deliver n results: into the caller's leading result tensors (Torch7's
 * result-first form) where given, as new tensors otherwise. */
static int push_results(lua_State *L, const char *fn, const targs *a, int nres, int n,
                        lt_tensor **r) {
  for (int i = 0; i < n; i++) {
    if (i < nres) {
      /* the result tensor takes r's storage and, under autograd, its history */
      lt_tensor *dst = a->t[i];
      int rc = lt_autograd_inplace_unrecorded(dst, fn);
      if (!rc) {
        lt_tensor_set(dst, r[i]);
        /* (no version bump under autograd: r's storage is fresh, and its
         * node saved it at the current version) */
        if (lt_requires_grad(r[i]) && r[i]->ag->grad_fn)
          rc = lt_node_attach(r[i]->ag->grad_fn, dst, r[i]->ag->output_nr);
        else
          lt_tensor_bump_version(dst);
      }
      if (rc) {
        for (int k = i; k < n; k++) lt_tensor_release(r[k]);
        return lb_error(L);
      }
      lt_tensor_release(r[i]);
      lua_pushvalue(L, a->idx[i]);
    } else {
      lb_push_tensor(L, r[i]);
    }
  }
  return n;
}

/* The operands of an op taking `need` tensors and `nout` results, with up
 * to `nopt` trailing option strings copied into opt. Returns nres. */
static int lapack_args(lua_State *L, const char *fn, int need, int nout, int nopt,
                       const char **opt, targs *a) {
  int top = lua_gettop(L), nstr = 0;
  while (top > 0 && lua_type(L, top) == LUA_TSTRING) {
    top--;
    nstr++;
  }
  if (nstr > nopt) return lb_errorf(L, "torch.%s: too many option strings", fn);
  for (int i = 0; i < nstr; i++) opt[i] = lua_tostring(L, top + 1 + i);
  memset(a, 0, sizeof *a);
  for (int i = 1; i <= top; i++) {
    lt_tensor *t = lb_to_tensor(L, i);
    if (!t) lb_arg_error(L, fn, i, "a tensor");
    if (a->nt == 6) lb_errorf(L, "torch.%s: too many arguments", fn);
    a->idx[a->nt] = i;
    a->t[a->nt++] = t;
  }
  int nres = a->nt - need;
  if (nres < 0 || nres > nout)
    lb_errorf(L, "torch.%s: expected %d tensor operand%s (after up to %d result tensors), got %d",
               fn, need, need == 1 ? "" : "s", nout, a->nt);
  return nres;
}

/* An option: one of two letters (either case), or def when absent. */
static bool option(lua_State *L, const char *fn, const char *s, char yes, char no, bool def) {
  if (!s) return def;
  char c = (char)(s[0] >= 'a' ? s[0] - 32 : s[0]);
  if (s[0] && !s[1] && (c == yes || c == no)) return c == yes;
  return lb_errorf(L, "torch.%s: option must be '%c' or '%c', got '%s'", fn, yes, no, s);
}

static int l_gesv(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "gesv", 2, 2, 0, opt, &a);
  lt_tensor *r[2];
  if (lt_gesv(a.t[nres], a.t[nres + 1], &r[0], &r[1])) return lb_error(L);
  return push_results(L, "gesv", &a, nres, 2, r);
}

static int l_inverse(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "inverse", 1, 1, 0, opt, &a);
  lt_tensor *r[1] = {lt_inverse(a.t[nres])};
  if (!r[0]) return lb_error(L);
  return push_results(L, "inverse", &a, nres, 1, r);
}

static int l_potrf(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "potrf", 1, 1, 1, opt, &a);
  lt_tensor *r[1] = {lt_potrf(a.t[nres], option(L, "potrf", opt[0], 'U', 'L', true))};
  if (!r[0]) return lb_error(L);
  return push_results(L, "potrf", &a, nres, 1, r);
}

static int l_potrs(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "potrs", 2, 1, 1, opt, &a);
  lt_tensor *r[1] = {lt_potrs(a.t[nres], a.t[nres + 1], option(L, "potrs", opt[0], 'U', 'L', true))};
  if (!r[0]) return lb_error(L);
  return push_results(L, "potrs", &a, nres, 1, r);
}

static int l_potri(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "potri", 1, 1, 1, opt, &a);
  lt_tensor *r[1] = {lt_potri(a.t[nres], option(L, "potri", opt[0], 'U', 'L', true))};
  if (!r[0]) return lb_error(L);
  return push_results(L, "potri", &a, nres, 1, r);
}

static int l_symeig(lua_State *L) {
  targs a;
  const char *opt[2] = {NULL, NULL};
  int nres = lapack_args(L, "symeig", 1, 2, 2, opt, &a);
  bool vectors = option(L, "symeig", opt[0], 'V', 'N', false);
  bool upper = option(L, "symeig", opt[1], 'U', 'L', true);
  lt_tensor *r[2];
  if (lt_symeig(a.t[nres], vectors, upper, &r[0], &r[1])) return lb_error(L);
  return push_results(L, "symeig", &a, nres, 2, r);
}

static int l_eig(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "eig", 1, 2, 1, opt, &a);
  lt_tensor *r[2];
  if (lt_eig(a.t[nres], option(L, "eig", opt[0], 'V', 'N', false), &r[0], &r[1])) return lb_error(L);
  return push_results(L, "eig", &a, nres, 2, r);
}

static int l_svd(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "svd", 1, 3, 1, opt, &a);
  lt_tensor *r[3];
  if (lt_svd(a.t[nres], option(L, "svd", opt[0], 'S', 'A', true), &r[0], &r[1], &r[2]))
    return lb_error(L);
  return push_results(L, "svd", &a, nres, 3, r);
}

static int l_qr(lua_State *L) {
  targs a;
  const char *opt[1] = {NULL};
  int nres = lapack_args(L, "qr", 1, 2, 0, opt, &a);
  lt_tensor *r[2];
  if (lt_qr(a.t[nres], &r[0], &r[1])) return lb_error(L);
  return push_results(L, "qr", &a, nres, 2, r);
}

static int l_det(lua_State *L) {
  lt_tensor *a = lb_check_tensor(L, 1, "det");
  if (wants_grad(1, &a)) {
    lt_tensor *r = lt_det_tensor(a);
    return r ? lb_push_tensor(L, r) : lb_error(L);
  }
  double d;
  if (lt_det(a, &d)) return lb_error(L);
  lua_pushnumber(L, d);
  return 1;
}

static int l_slogdet(lua_State *L) {
  lt_tensor *a = lb_check_tensor(L, 1, "slogdet");
  if (wants_grad(1, &a)) {
    lt_tensor *sign, *la;
    if (lt_slogdet_tensor(a, &sign, &la)) return lb_error(L);
    lb_push_tensor(L, sign);
    return 1 + lb_push_tensor(L, la);
  }
  double sign, la;
  if (lt_slogdet(a, &sign, &la)) return lb_error(L);
  lua_pushnumber(L, sign);
  lua_pushnumber(L, la);
  return 2;
}

/* log(det): NaN for a negative determinant (PyTorch) */
static int l_logdet(lua_State *L) {
  lt_tensor *a = lb_check_tensor(L, 1, "logdet");
  lt_tensor *r = lt_logdet(a);
  if (!r) return lb_error(L);
  if (lt_requires_grad(r)) return lb_push_tensor(L, r);
  lt_tensor *h = lt_tensor_to(r, r->dtype, (lt_device){LT_CPU, 0}); /* a GPU input gives a GPU r */
  lt_tensor_release(r);
  if (!h) return lb_error(L);
  lua_pushnumber(L, lt_dtype_load(h->dtype, lt_tensor_data(h)));
  lt_tensor_release(h);
  return 1;
}

/* ---- registration ---- */

static const struct {
  const char *name;
  lua_CFunction wrap;
  void *fn;
} products[] = {
    {"mm", l_prod, (void *)lt_mm},           {"mv", l_prod, (void *)lt_mv},
    {"bmm", l_prod, (void *)lt_bmm},         {"ger", l_prod, (void *)lt_ger},
    {"matmul", l_prod, (void *)lt_matmul},   {"addmm", l_add, (void *)lt_addmm},
    {"addmv", l_add, (void *)lt_addmv},      {"addr", l_add, (void *)lt_addr},
    {"baddbmm", l_add, (void *)lt_baddbmm},  {"addbmm", l_add, (void *)lt_addbmm},
};

static const luaL_Reg lapack[] = {
    {"dot", l_dot},       {"gesv", l_gesv},     {"inverse", l_inverse}, {"potrf", l_potrf},
    {"potrs", l_potrs},   {"potri", l_potri},   {"symeig", l_symeig},   {"eig", l_eig},
    {"svd", l_svd},       {"qr", l_qr},         {"det", l_det},         {"slogdet", l_slogdet},
    {"logdet", l_logdet},
    {NULL, NULL}};

void lb_open_linalg(lua_State *L) {
  lua_getfield(L, -1, "fn");
  lua_getfield(L, -2, "methods");
  for (size_t i = 0; i < sizeof products / sizeof products[0]; i++)
    for (int method = 0; method < 2; method++) {
      lua_pushstring(L, products[i].name);
      lua_pushlightuserdata(L, products[i].fn);
      lua_pushboolean(L, method);
      lua_pushcclosure(L, products[i].wrap, 3);
      lua_setfield(L, method ? -2 : -3, products[i].name);
    }
  for (const luaL_Reg *r = lapack; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -3, r->name);
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pop(L, 2);
}
