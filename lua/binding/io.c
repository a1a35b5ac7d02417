/* Bindings of the io functions (being written). */
#include "binding.h"

void lb_open_io(lua_State *L) { (void)L; }
