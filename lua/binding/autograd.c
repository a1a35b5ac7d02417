/* Bindings of the autograd functions (being written). */
#include "binding.h"

void lb_open_autograd(lua_State *L) { (void)L; }
