/* th: LuaJIT with lutorch's package paths. Runs scripts (`th script.lua a b`),
 * `-e` code and `-l` modules, and without a script starts a REPL: line
 * editing, history and tab completion through libedit on a terminal, plain
 * line reading otherwise (so the REPL can be driven through a pipe). The
 * Lua side of the REPL (printing results, completion candidates) lives in
 * th/repl.lua; this file keeps only what needs C: signals, libedit. */
#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef TH_EDITLINE
#include <editline/readline.h>
#endif

#include "th_paths.h"

#define PROMPT "th> "
#define PROMPT2 "..> "
#define HISTORY_MAX 1000

static lua_State *globalL;
static const char *progname = "th";

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s [options] [script [args]]\n"
          "  -e code   run the Lua code\n"
          "  -l name   require the module name\n"
          "  -i        enter the REPL after running the script\n"
          "  -v        print the version\n"
          "  -h        show this help\n"
          "  --        stop handling options\n"
          "  -         run stdin as a script\n"
          "Without a script: a REPL (torch is loaded; Ctrl-D exits).\n",
          progname);
}

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

/* Ctrl-C while Lua runs: a hook raises "interrupted!" at the next call
 * (as lua.c does), so a runaway REPL line does not kill the session. */
static void lstop(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

static void laction(int sig) {
  signal(sig, SIG_DFL);
  lua_sethook(globalL, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) { /* error object is not a string */
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static int docall(lua_State *L, int nargs, int nres) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  signal(SIGINT, laction);
  int status = lua_pcall(L, nargs, nres, base);
  signal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  return status;
}

static int report(lua_State *L, int status) {
  if (status && !lua_isnil(L, -1)) {
    const char *msg = lua_tostring(L, -1);
    fflush(stdout);
    fprintf(stderr, "%s: %s\n", progname, msg ? msg : "(error object is not a string)");
    fflush(stderr);
    lua_pop(L, 1);
  }
  return status;
}

/* arg[0] = script, arg[1..] = its arguments, arg[-k] = the interpreter and
 * options before it (as LuaJIT's standalone does). */
static void create_arg(lua_State *L, char **argv, int argc, int script) {
  lua_createtable(L, argc - script, script);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

/* require(name); a plain name also becomes a global (as Lua 5.2+ does) */
static int dorequire(lua_State *L, const char *name) {
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  int status = docall(L, 1, 1);
  if (status == 0 && name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")] == '\0')
    lua_setglobal(L, name);
  else if (status == 0)
    lua_pop(L, 1);
  return status;
}

/* ---- REPL ----------------------------------------------------------- */

static int interactive; /* stdin is a terminal: prompts, libedit */

#ifdef TH_EDITLINE
static char history_file[4096];
static int completion_ref = LUA_NOREF; /* candidates of the current completion */

static char *completion_next(const char *text, int state) {
  static int i;
  (void)text;
  if (state == 0) i = 0;
  lua_State *L = globalL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, completion_ref);
  char *s = NULL;
  if (lua_istable(L, -1)) {
    lua_rawgeti(L, -1, ++i);
    if (lua_isstring(L, -1)) s = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return s;
}

/* asks th.repl.complete(text) for the candidates; never fails the line */
static char **complete(const char *text, int start, int end) {
  (void)start, (void)end;
  lua_State *L = globalL;
  rl_attempted_completion_over = 1; /* no file-name fallback */
  luaL_unref(L, LUA_REGISTRYINDEX, completion_ref);
  completion_ref = LUA_NOREF;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "th.repl");
  if (lua_pcall(L, 1, 1, 0) != 0) return lua_pop(L, 1), NULL;
  lua_getfield(L, -1, "complete");
  lua_pushstring(L, text);
  if (lua_pcall(L, 1, 1, 0) != 0) return lua_pop(L, 2), NULL;
  completion_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
  return rl_completion_matches(text, completion_next);
}

/* '.' and ':' stay inside a word so that "torch.ze" and "x:si" complete */
static char word_breaks[] = " \t\n\"\\'><=;+-*/%^~#{}()[],";

static void editline_init(void) {
  rl_readline_name = "th";
  rl_attempted_completion_function = complete;
  rl_basic_word_break_characters = word_breaks;
  rl_completer_word_break_characters = word_breaks;
  rl_completion_append_character = '\0';
  const char *home = getenv("HOME");
  if (home && snprintf(history_file, sizeof history_file, "%s/.th_history", home) <
                  (int)sizeof history_file) {
    stifle_history(HISTORY_MAX);
    read_history(history_file);
  } else {
    history_file[0] = '\0';
  }
}
#endif

/* one line without its newline (malloc'd), or NULL at end of input */
static char *read_line(const char *prompt) {
#ifdef TH_EDITLINE
  if (interactive) {
    char *line = readline(prompt);
    if (line && line[strspn(line, " \t")] != '\0') {
      add_history(line);
      if (history_file[0]) write_history(history_file); /* capped by stifle */
    }
    return line;
  }
#endif
  if (interactive) {
    fputs(prompt, stdout);
    fflush(stdout);
  }
  size_t cap = 256, len = 0;
  char *buf = malloc(cap);
  while (buf && fgets(buf + len, (int)(cap - len), stdin)) {
    len += strlen(buf + len);
    if (len > 0 && buf[len - 1] == '\n') {
      buf[--len] = '\0';
      return buf;
    }
    if (len + 1 == cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) break;
      buf = b;
    }
  }
  if (buf && len > 0) return buf; /* last line without a newline */
  free(buf);
  return NULL;
}

/* the chunk is incomplete when the parser stopped at the end of input */
static int incomplete(lua_State *L, int status) {
  if (status != LUA_ERRSYNTAX) return 0;
  size_t n;
  const char *msg = lua_tolstring(L, -1, &n);
  const char *eof = "'<eof>'";
  return n >= strlen(eof) && strcmp(msg + n - strlen(eof), eof) == 0;
}

/* compiles the chunk as an expression list (its values print), else as
 * statements; reads more lines while the chunk is incomplete. Returns -1 at end
 * of input, else a load status with the function or message on the stack. */
static int load_chunk(lua_State *L) {
  char *line = read_line(PROMPT);
  if (line == NULL) return -1;
  lua_pushstring(L, line[0] == '=' ? line + 1 : line); /* Lua 5.1's "=expr" */
  free(line);
  for (;;) {
    const char *code = lua_tostring(L, -1);
    /* select(1, ...) keeps the chunk's frame alive while the expression
     * runs (a plain "return f()" is a tail call: errors would lose their
     * position); the newline ends a trailing comment */
    lua_pushfstring(L, "return select(1, %s\n)", code);
    int status = luaL_loadbuffer(L, lua_tostring(L, -1), lua_objlen(L, -1), "=stdin");
    if (status == 0) {
      lua_replace(L, -3);
      lua_pop(L, 1);
      return 0;
    }
    lua_pop(L, 2); /* message, "return select..." */
    lua_pushfstring(L, "return %s", code); /* "{1," is an incomplete expression */
    int more_expr = incomplete(L, luaL_loadbuffer(L, lua_tostring(L, -1), lua_objlen(L, -1), "=stdin"));
    lua_pop(L, 2);
    status = luaL_loadbuffer(L, code, strlen(code), "=stdin");
    if (status == 0 || !(more_expr || incomplete(L, status))) {
      lua_remove(L, -2);
      return status;
    }
    lua_pop(L, 1);
    char *more = read_line(PROMPT2);
    if (more == NULL) { /* end of input inside a chunk: report it */
      status = luaL_loadbuffer(L, code, strlen(code), "=stdin");
      lua_remove(L, -2);
      return status;
    }
    lua_pushfstring(L, "%s\n%s", code, more);
    lua_remove(L, -2);
    free(more);
  }
}

static void show_results(lua_State *L, int base) {
  int n = lua_gettop(L) - base;
  if (n == 0) return;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "th.repl");
  if (lua_pcall(L, 1, 1, 0) == 0) {
    lua_getfield(L, -1, "show");
    lua_remove(L, -2);
  } else {
    lua_pop(L, 1);
    lua_getglobal(L, "print");
  }
  lua_insert(L, base + 1);
  report(L, docall(L, n, 0));
  fflush(stdout);
}

static void repl(lua_State *L) {
  interactive = isatty(0);
#ifdef TH_EDITLINE
  if (interactive) editline_init();
#endif
  if (interactive) printf("LuaJIT REPL with lutorch (torch is loaded). Ctrl-D exits.\n");
  int status;
  while ((status = load_chunk(L)) != -1) {
    int base = lua_gettop(L) - 1;
    if (status == 0) status = docall(L, 0, LUA_MULTRET);
    if (status == 0) show_results(L, base);
    else report(L, status);
    lua_settop(L, base);
  }
  if (interactive) putchar('\n');
  fflush(stdout);
}

/* ---- main ----------------------------------------------------------- */

int main(int argc, char **argv) {
  if (argv[0] && argv[0][0]) progname = argv[0];
  /* options first: find the script and check the options are well formed */
  int script = argc, has_i = 0, has_v = 0, has_e = 0, i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      script = i;
      break;
    }
    if (strcmp(a, "--") == 0) {
      if (i + 1 < argc) script = i + 1;
      break;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "-i") == 0) has_i = 1;
    else if (strcmp(a, "-v") == 0) has_v = 1;
    else if ((strcmp(a, "-e") == 0 || strcmp(a, "-l") == 0) && i + 1 < argc) {
      has_e |= a[1] == 'e';
      i++;
    } else {
      int known = strcmp(a, "-e") == 0 || strcmp(a, "-l") == 0;
      fprintf(stderr, "%s: %s '%s'\n", progname, known ? "missing argument to" : "unknown option", a);
      usage(stderr);
      return 1;
    }
  }

  /* OpenMP's workers (ours and OpenBLAS's: one pool) spin only briefly
   * before they sleep between parallel regions. libgomp's default (about
   * 300k spins) made a W4 training step 30x slower on a loaded 2-core
   * machine; sleeping at once (PASSIVE alone) costs a futex wake-up of
   * 25-50 us per region, a quarter of a W4 step on a quiet one. 20k spins
   * (some 20 us) keeps back-to-back regions warm: W4 25% faster quiet,
   * 1.4x slower with two busy processes beside it. Set before torch loads
   * libgomp; a user's own settings win. */
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  setenv("GOMP_SPINCOUNT", "20000", 0);

  lua_State *L = globalL = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create the Lua state (out of memory)\n", progname);
    return 1;
  }
  luaL_openlibs(L);
  set_paths(L);
  create_arg(L, argv, argc, script);
  if (has_v) printf("th (lutorch) on %s\n", LUAJIT_VERSION);

  /* Torch7's th loaded torch for every script: it costs a few ms (W7) */
  if (dorequire(L, "torch") != 0) { /* say why, then go on without it */
    lua_pushfstring(L, "warning: torch did not load: %s", lua_tostring(L, -1));
    lua_remove(L, -2);
    report(L, 1);
  }

  int status = 0;
  for (i = 1; i < script && status == 0; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "-e") == 0) {
      const char *code = argv[++i];
      status = report(L, luaL_loadbuffer(L, code, strlen(code), "=(command line)") ||
                             docall(L, 0, 0));
    } else if (strcmp(argv[i], "-l") == 0) {
      status = report(L, dorequire(L, argv[++i]));
    }
  }
  if (status == 0 && script < argc) {
    const char *file = strcmp(argv[script], "-") == 0 ? NULL : argv[script];
    status = luaL_loadfile(L, file);
    if (status == 0) {
      int nargs = argc - script - 1;
      luaL_checkstack(L, nargs, "too many arguments to the script");
      for (int j = script + 1; j < argc; j++) lua_pushstring(L, argv[j]);
      status = docall(L, nargs, 0);
    }
    report(L, status);
  }
  if (status == 0 && (has_i || (script == argc && !has_e && !has_v))) repl(L);
  lua_close(L);
  return status ? 1 : 0;
}
