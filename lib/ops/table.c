/* The op table: every family's entries joined into one array. A new family
 * adds its table here. */
#include <pthread.h>
#include <string.h>

#include "lutorch/op.h"

static const lt_opdef *const *const families[] = {
    lt_ops_unary, lt_ops_binary, lt_ops_ternary, lt_ops_reduce, lt_ops_sort,  lt_ops_linalg,
    lt_ops_lapack, lt_ops_index, lt_ops_shape,   lt_ops_random, lt_ops_optim,
    lt_ops_nn};

#define MAX_OPS 512
static const lt_opdef *table[MAX_OPS];
static int count;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void) {
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (const lt_opdef *const *op = families[f]; *op && count < MAX_OPS; op++)
      table[count++] = *op;
}

const lt_opdef *const *lt_op_table(int *n) {
  pthread_once(&once, build);
  *n = count;
  return table;
}

const lt_opdef *lt_op_find(const char *name) {
  int n;
  const lt_opdef *const *t = lt_op_table(&n);
  for (int i = 0; i < n; i++)
    if (strcmp(t[i]->name, name) == 0) return t[i];
  return NULL;
}
