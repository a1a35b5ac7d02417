/* luaopen_torch_core: the C module behind require 'torch'. */
#include "binding.h"

int luaopen_torch_core(lua_State *L) {
  lua_newtable(L);
  lb_open_tensor(L);
  lb_open_ops(L);
  lb_open_reduce(L);
  lb_open_linalg(L);
  lb_open_index(L);
  lb_open_random(L);
  lb_open_autograd(L);
  lb_open_io(L);
  lb_open_cuda(L);
  lb_open_data(L);
  lb_open_optim(L);
  lb_open_nn(L);
  return 1;
}
