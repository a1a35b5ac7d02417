/* th: run Lua scripts with lutorch's package paths set (minimal; the REPL
 * comes next). */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

#include "th_paths.h"

static void set_paths(lua_State *L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s;%s", TH_LUA_PATH, lua_tostring(L, -1));
  lua_setfield(L, -3, "path");
  lua_pop(L, 1);
  lua_getfield(L, -1, "cpath");
  lua_pushfstring(L, "%s;%s", TH_LUA_CPATH, lua_tostring(L, -1));
  lua_setfield(L, -3, "cpath");
  lua_pop(L, 2);
}

static int report(lua_State *L, int status) {
  if (status) {
    fprintf(stderr, "th: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  return status;
}

static int traceback(lua_State *L) {
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

static int docall(lua_State *L, int nargs) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  int status = lua_pcall(L, nargs, 0, base);
  lua_remove(L, base);
  return status;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  set_paths(L);
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "-e") == 0 && i + 1 < argc) {
      if (report(L, luaL_loadstring(L, argv[++i]) || docall(L, 0))) return 1;
    } else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
      lua_getglobal(L, "require");
      lua_pushstring(L, argv[++i]);
      if (report(L, docall(L, 1))) return 1;
    } else {
      break;
    }
  }
  if (i < argc) {
    lua_createtable(L, argc - i, i);
    for (int j = 0; j < argc; j++) {
      lua_pushstring(L, argv[j]);
      lua_rawseti(L, -2, j - i);
    }
    lua_setglobal(L, "arg");
    if (report(L, luaL_loadfile(L, argv[i]))) return 1;
    for (int j = i + 1; j < argc; j++) lua_pushstring(L, argv[j]);
    if (report(L, docall(L, argc - i - 1))) return 1;
  }
  lua_close(L);
  return 0;
}
