/* Bindings of the random functions (being written). */
#include "binding.h"

void lb_open_random(lua_State *L) { (void)L; }
