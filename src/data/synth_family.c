/* synth_family.c - loading part families (data/families/<name>.lua) and calling
 * into them through the family runtime (src/data/synthlib.lua, embedded). Families
 * are trusted repository files; they run in a plain Lua state with only the base,
 * string, math and table libraries. The CAD programs they write run in the sandbox. */
#include "synth_int.h"

#include <dirent.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char steplm_lua_synthlib[];

static const luaL_Reg fam_libs[] = {
    {LUA_GNAME, luaopen_base}, {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
    {LUA_TABLIBNAME, luaopen_table}, {NULL, NULL}};

/* A state with the runtime as global _S and the family table as global _F. */
lua_State *synth_family_state(const synth_family *f, sl_err *err) {
    lua_State *L = luaL_newstate();
    if (!L) { sl_err_set(err, SL_ERR_NOMEM, "out of memory"); return NULL; }
    for (const luaL_Reg *l = fam_libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    /* families have no business with files or code loading */
    static const char *const drop[] = {"dofile", "loadfile", "load", "require", "collectgarbage", NULL};
    for (int i = 0; drop[i]; i++) { lua_pushnil(L); lua_setglobal(L, drop[i]); }
    if (luaL_loadbufferx(L, steplm_lua_synthlib, strlen(steplm_lua_synthlib), "=synthlib", "t") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK) {
        sl_err_set(err, SL_ERR_INVALID, "synthlib: %s", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    lua_setglobal(L, "_S");
    char chunk[96];
    snprintf(chunk, sizeof chunk, "@%s.lua", f->name);
    if (luaL_loadbufferx(L, f->src, f->n_src, chunk, "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        sl_err_set(err, SL_ERR_INVALID, "%s", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    if (!lua_istable(L, -1)) {
        sl_err_set(err, SL_ERR_INVALID, "%s.lua: the file must return a family table", f->name);
        lua_close(L);
        return NULL;
    }
    lua_setglobal(L, "_F");
    return L;
}

/* Checks the shape of _F and copies its level. */
static sl_status family_validate(synth_family *f, sl_err *err) {
    lua_State *L = synth_family_state(f, err);
    if (!L) return err->status ? err->status : SL_ERR_INVALID;
    static const char *check =
        "local F = _F\n"
        "local function need(c, m) if not c then error(m, 0) end end\n"
        "need(F.name == ..., 'name must be the file name')\n"
        "need(({L=1, F=1, S=1, SE=1, MSE=1})[F.level], 'level must be L, F, S, SE or MSE')\n"
        "need(type(F.params) == 'table' and #F.params > 0, 'params must be a non-empty list')\n"
        "for i, p in ipairs(F.params) do\n"
        "  need(type(p[1]) == 'string' and p[1]:match('^[%a_][%w_]*$'), 'params[' .. i .. ']: bad name')\n"
        "  if p[3] ~= 'pick' and p[4] ~= 'pick' then need(type(p[2]) == 'number' and type(p[3]) == 'number' and p[2] <= p[3], 'params[' .. i .. ']: need min <= max') end\n"
        "end\n"
        "need(type(F.body) == 'string', 'body must be Lua source text')\n"
        "need(type(F.caption) == 'table', 'caption must be a table of functions')\n"
        "for _, l in ipairs({'abstract', 'partial', 'precise'}) do need(type(F.caption[l]) == 'function', 'caption.' .. l .. ' missing') end\n"
        "return F.level\n";
    sl_status st = SL_OK;
    if (luaL_loadbufferx(L, check, strlen(check), "=check", "t") != LUA_OK) {
        st = sl_err_set(err, SL_ERR_INVALID, "%s", lua_tostring(L, -1));
    } else {
        lua_pushstring(L, f->name);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK)
            st = sl_err_set(err, SL_ERR_INVALID, "%s.lua: %s", f->name, lua_tostring(L, -1));
        else
            snprintf(f->level, sizeof f->level, "%s", lua_tostring(L, -1));
    }
    lua_close(L);
    return st;
}

static int cmp_fam(const void *a, const void *b) {
    return strcmp(((const synth_family *)a)->name, ((const synth_family *)b)->name);
}

static sl_status add_family(synth_set *s, size_t *cap, const char *dir, const char *name, size_t n_name,
                            sl_err *err) {
    if (n_name == 0 || n_name >= sizeof s->fams[0].name) return sl_err_set(err, SL_ERR_ARG, "bad family name");
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->fams[i].name) == n_name && !memcmp(s->fams[i].name, name, n_name))
            return sl_err_set(err, SL_ERR_ARG, "family '%.*s' given twice", (int)n_name, name);
    if (sl_grow((void **)&s->fams, cap, s->n, sizeof *s->fams, 32)) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    synth_family *f = &s->fams[s->n];
    memset(f, 0, sizeof *f);
    memcpy(f->name, name, n_name);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.lua", dir, f->name);
    sl_status st = sl_file_read(path, &f->src, &f->n_src, 1u << 20, err);
    if (st) return st;
    s->n++;
    return family_validate(f, err);
}

sl_status synth_set_load(synth_set *s, const char *dir, const char *list, sl_err *err) {
    memset(s, 0, sizeof *s);
    size_t cap = 0;
    sl_status st = SL_OK;
    if (!list || !strcmp(list, "all")) {
        DIR *d = opendir(dir);
        if (!d) return sl_err_set(err, SL_ERR_IO, "%s: cannot open the families directory", dir);
        struct dirent *e;
        while (!st && (e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n > 4 && !strcmp(e->d_name + n - 4, ".lua") && e->d_name[0] != '_' && e->d_name[0] != '.')
                st = add_family(s, &cap, dir, e->d_name, n - 4, err);
        }
        closedir(d);
    } else {
        const char *p = list;
        while (!st && *p) {
            const char *q = strchr(p, ',');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            st = add_family(s, &cap, dir, p, n, err);
            p = q ? q + 1 : p + n;
        }
    }
    if (!st && s->n == 0) st = sl_err_set(err, SL_ERR_ARG, "%s: no families", dir);
    if (st) { synth_set_release(s); return st; }
    qsort(s->fams, s->n, sizeof *s->fams, cmp_fam);
    return SL_OK;
}

void synth_set_release(synth_set *s) {
    for (size_t i = 0; i < s->n; i++) free(s->fams[i].src);
    free(s->fams);
    memset(s, 0, sizeof *s);
}
