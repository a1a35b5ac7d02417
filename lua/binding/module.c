/* luaopen_torch_core: the C module behind require 'torch'. */
#include "binding.h"

int luaopen_torch_core(lua_State *L) {
  lua_newtable(L);
  lb_open_tensor(L);
  lb_open_ops(L);
  return 1;
}
