/* synth_make.c - one corpus instance end to end: draw parameters, write the program,
 * run it in the sandbox, build and check the solid, write STEP, re-read and measure
 * that STEP text, caption from parameters and measurement, and check every measured
 * claim of every caption against the measurement. */
#include "synth_int.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/brep_write.h"
#include "steplm/build.h"
#include "steplm/cadprog.h"
#include "steplm/mesh.h"
#include "steplm/p21.h"
#include "steplm/tess.h"

void synth_opts_default(synth_opts *o) {
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->n_captions = 2;
    o->deflection_mm = 0.02;
    o->tol_mm = 0.1;
    sandbox_limits_default(&o->lim);
    o->lim.max_seconds = 30;
    o->max_redraws = 3;
}

void synth_instance_init(synth_instance *in) {
    memset(in, 0, sizeof *in);
    sl_buf_init(&in->program);
    sl_buf_init(&in->step);
    sl_buf_init(&in->meta);
}

void synth_instance_release(synth_instance *in) {
    sl_buf_release(&in->program);
    sl_buf_release(&in->step);
    sl_buf_release(&in->meta);
}

void synth_instance_id(const synth_set *s, long index, char *out, size_t n_out) {
    snprintf(out, n_out, "%06ld-%s", index, s->fams[(size_t)index % s->n].name);
}

/* ---- measurement of a STEP text ------------------------------------------------ */
sl_status synth_measure_step(const char *name, const char *text, size_t n, double deflection_mm,
                             synth_measure *m, sl_err *err) {
    memset(m, 0, sizeof *m);
    m->genus = -1;
    p21_doc *doc = NULL;
    sl_status st = p21_doc_read_mem(name, text, n, NULL, &doc, err);
    if (st || !doc) {
        if (doc) p21_doc_free(doc);
        return st ? st : SL_ERR_NOMEM;
    }
    m->n_ref_errors = p21_doc_check_refs(doc);
    if (m->n_ref_errors) {
        p21_doc_free(doc);
        return sl_err_set(err, SL_ERR_INVALID, "%s: %zu reference errors", name, m->n_ref_errors);
    }
    brep *b = NULL;
    st = brep_from_p21(doc, &b, err);
    p21_doc_free(doc);
    if (st || !b) {
        if (b) brep_free(b);
        return st ? st : SL_ERR_INVALID;
    }
    synth_measure_round(b, m);
    tess_opts to;
    tess_opts_default(&to);
    to.deflection_mm = deflection_mm;
    mesh me;
    mesh_init(&me);
    tess_report rep;
    memset(&rep, 0, sizeof rep);
    st = tess_brep(b, &to, &me, NULL, &rep);
    size_t n_inst = b->n_instances;
    /* also mesh at `steplm props`' default (0.001 x the bbox diagonal): the part must be
     * watertight there too, so that the corpus passes props as it is usually run */
    double bb[6];
    m->watertight_default = 1;
    if (!st && brep_bbox_estimate(b, bb) == 0) {
        double diag = sqrt((bb[3] - bb[0]) * (bb[3] - bb[0]) + (bb[4] - bb[1]) * (bb[4] - bb[1]) +
                           (bb[5] - bb[2]) * (bb[5] - bb[2]));
        mesh m2;
        mesh_init(&m2);
        tess_opts t2 = to;
        t2.deflection_mm = diag > 0 && isfinite(diag) ? 0.001 * diag : 0.1;
        tess_report r2;
        memset(&r2, 0, sizeof r2);
        if (tess_brep(b, &t2, &m2, NULL, &r2) == SL_OK) {
            mesh_props q;
            mesh_compute_props(&m2, &q);
            m->watertight_default = q.watertight && !r2.n_faces_failed && m2.n_tris > 0;
        } else m->watertight_default = 0;
        mesh_release(&m2);
    }
    brep_free(b);
    if (st) { mesh_release(&me); return sl_err_set(err, st, "%s: out of memory while meshing", name); }
    if (n_inst != 1) { mesh_release(&me); return sl_err_set(err, SL_ERR_INVALID, "%s: %zu solids, expected 1", name, n_inst); }
    m->n_faces = rep.n_faces;
    if (rep.n_faces_failed) {
        mesh_release(&me);
        return sl_err_set(err, SL_ERR_INVALID, "%s: %zu of %zu faces do not mesh: %s", name, rep.n_faces_failed,
                          rep.n_faces, rep.first_failure);
    }
    mesh_props p;
    mesh_compute_props(&me, &p);
    memcpy(m->bbox_mm, p.bbox_mm, sizeof m->bbox_mm);
    m->mesh_area_mm2 = m->area_mm2 = p.area_mm2;
    m->mesh_volume_mm3 = m->volume_mm3 = p.volume_mm3;
    m->watertight = p.watertight;
    m->genus = p.watertight ? p.genus : -1;
    m->n_tris = me.n_tris;
    double r2 = 0;
    for (size_t i = 0; i < me.n_verts; i++) {
        double x = me.verts[3 * i], y = me.verts[3 * i + 1];
        if (x * x + y * y > r2) r2 = x * x + y * y;
    }
    m->d_mm = 2 * sqrt(r2);
    mesh_release(&me);
    if (!m->n_tris) return sl_err_set(err, SL_ERR_INVALID, "%s: no triangles", name);
    if (!m->watertight) return sl_err_set(err, SL_ERR_INVALID, "%s: the mesh is not watertight", name);
    if (!m->watertight_default)
        return sl_err_set(err, SL_ERR_INVALID, "%s: the mesh at 0.001 x the diagonal is not watertight", name);
    return SL_OK;
}

/* ---- claims --------------------------------------------------------------------- */
/* num occurs in text as a whole number (not inside a longer one) */
static int has_number(const char *text, const char *num) {
    size_t k = strlen(num);
    if (!k) return 0;
    for (const char *p = strstr(text, num); p; p = strstr(p + 1, num)) {
        int before = p > text && (isdigit((unsigned char)p[-1]) || p[-1] == '.' ||
                                  (p[-1] == '-' && p - 1 > text && isdigit((unsigned char)p[-2])));
        int after = isdigit((unsigned char)p[k]) || (p[k] == '.' && isdigit((unsigned char)p[k + 1]));
        if (!before && !after) return 1;
    }
    return 0;
}

/* the claim keys, in synth_claim_key's order */
enum { KEY_X, KEY_Y, KEY_Z, KEY_D, KEY_HOLES, KEY_HOLE_D, KEY_CYL_D, KEY_FILLET_R, KEY_BEND_R };
static const char *const CLAIM_KEYS[SYNTH_N_KEYS] = {"x", "y", "z", "d", "holes", "hole_d", "cyl_d",
                                                       "fillet_r", "bend_r"};

const char *synth_claim_key(int i) { return i >= 0 && i < SYNTH_N_KEYS ? CLAIM_KEYS[i] : NULL; }

/* Does round-face entry e count for a round-face key k, and with which length (a
 * diameter, or a radius)? */
static int round_value(const synth_round *e, int k, double *v) {
    switch (k) {
    case KEY_HOLE_D: *v = 2 * e->r_mm; return e->concave;
    case KEY_CYL_D: *v = 2 * e->r_mm; return e->kind == SYNTH_ROUND_CYL;
    case KEY_FILLET_R: *v = e->r_mm; return e->kind == SYNTH_ROUND_CYL && !e->full;
    case KEY_BEND_R: *v = e->axis_r_mm; return e->kind == SYNTH_ROUND_TORUS;
    default: return 0;
    }
}

/* what a round-face key k found missing, by k - KEY_HOLE_D */
static const char *const ROUND_WHAT[4] = {
    "no concave cylindrical face (hole, bore) of that diameter",
    "no cylindrical face of that diameter",
    "no partial cylindrical face (rounded corner, flute) of that radius",
    "no toroidal face bent to that radius"};

/* Check a stated value (mm, or a count) against the measurement for key k.
 * 1 holds; 0 does not, with the reason (what the part has instead) in why. */
static int check_key(const synth_measure *m, int k, double stated, int is_count, double tol_mm, char *why,
                     size_t n_why) {
    double v = 0;
    switch (k) {
    case KEY_X: v = m->bbox_mm[3] - m->bbox_mm[0]; break;
    case KEY_Y: v = m->bbox_mm[4] - m->bbox_mm[1]; break;
    case KEY_Z: v = m->bbox_mm[5] - m->bbox_mm[2]; break;
    case KEY_D: v = m->d_mm; break;
    case KEY_HOLES: v = (double)m->genus; break;
    default: {
        /* some round face of the right kind has the stated size; else list the sizes
         * the part has (each once) */
        size_t len = (size_t)snprintf(why, n_why, "the part has %s (", ROUND_WHAT[k - KEY_HOLE_D]);
        int listed = 0;
        for (size_t i = 0; i < m->n_round; i++) {
            double x, y;
            if (!round_value(&m->round[i], k, &x)) continue;
            if (fabs(stated - x) <= tol_mm) return 1;
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++) seen = round_value(&m->round[j], k, &y) && fabs(x - y) <= 1e-6;
            if (!seen && len < n_why) len += (size_t)snprintf(why + len, n_why - len, "%s%.4g", listed++ ? ", " : "", x);
        }
        if (len < n_why)
            snprintf(why + len, n_why - len, "%s)%s", listed ? " mm" : "none",
                     m->round_overflow ? "; too many kinds of round face to list them all" : "");
        return 0;
    }
    }
    if (fabs(stated - v) <= (is_count ? 0 : tol_mm)) return 1;
    snprintf(why, n_why, "the part measures %.4f", v);
    return 0;
}

sl_status synth_check_claims_by_key(const char *json, size_t n, const synth_measure *m, double tol_mm,
                                    size_t *n_checked, size_t *n_by_key, sl_err *err) {
    if (n_checked) *n_checked = 0;
    cJSON *root = cJSON_ParseWithLength(json, n);
    if (!root) return sl_err_set(err, SL_ERR_SYNTAX, "captions: not JSON");
    const cJSON *caps = cJSON_IsArray(root) ? root : cJSON_GetObjectItemCaseSensitive(root, "captions");
    sl_status st = SL_OK;
    if (!cJSON_IsArray(caps)) st = sl_err_set(err, SL_ERR_INVALID, "captions: no list");
    int ci = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, caps) {
        if (st) break;
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(c, "text");
        const cJSON *claims = cJSON_GetObjectItemCaseSensitive(c, "claims");
        if (!cJSON_IsString(text)) { st = sl_err_set(err, SL_ERR_INVALID, "caption %d: no text", ci); break; }
        const cJSON *k;
        cJSON_ArrayForEach(k, claims) {
            const cJSON *key = cJSON_GetObjectItemCaseSensitive(k, "key");
            const cJSON *mm = cJSON_GetObjectItemCaseSensitive(k, "mm");
            const cJSON *num = cJSON_GetObjectItemCaseSensitive(k, "num");
            const cJSON *unit = cJSON_GetObjectItemCaseSensitive(k, "unit");
            if (!cJSON_IsNumber(mm) || !cJSON_IsString(num) || !cJSON_IsString(unit)) {
                st = sl_err_set(err, SL_ERR_INVALID, "caption %d: malformed claim", ci);
                break;
            }
            const char *u = unit->valuestring;
            double f = !strcmp(u, "mm") || !strcmp(u, "count") ? 1 : !strcmp(u, "cm") ? 10 : !strcmp(u, "in") ? 25.4 : 0;
            int is_count = !strcmp(u, "count");
            if (f == 0) { st = sl_err_set(err, SL_ERR_INVALID, "caption %d: unknown unit '%s'", ci, u); break; }
            /* counts may be spelt out ("four"); lengths must appear as digits */
            if (!is_count && !has_number(text->valuestring, num->valuestring)) {
                st = sl_err_set(err, SL_ERR_INVALID, "caption %d: '%s' does not state %s %s", ci, text->valuestring,
                                num->valuestring, u);
                break;
            }
            double stated = atof(num->valuestring) * f;
            if (fabs(stated - mm->valuedouble) > (is_count ? 0 : tol_mm)) {
                st = sl_err_set(err, SL_ERR_INVALID, "caption %d: %s %s is %.4f mm, not %.4f", ci, num->valuestring, u,
                                stated, mm->valuedouble);
                break;
            }
            if (cJSON_IsString(key)) {
                int ki = 0;
                while (ki < SYNTH_N_KEYS && strcmp(key->valuestring, CLAIM_KEYS[ki])) ki++;
                if (ki == SYNTH_N_KEYS) {
                    st = sl_err_set(err, SL_ERR_INVALID, "caption %d: unknown claim key '%s'", ci, key->valuestring);
                    break;
                }
                if ((ki == KEY_HOLES) != is_count) {
                    st = sl_err_set(err, SL_ERR_INVALID, "caption %d: claim key '%s' with unit '%s'", ci,
                                    key->valuestring, u);
                    break;
                }
                char why[512];
                if (!check_key(m, ki, stated, is_count, tol_mm, why, sizeof why)) {
                    /* the reason before the caption's text: the message has room for 512 bytes */
                    st = sl_err_set(err, SL_ERR_INVALID, "caption %d: states %s = %s %s (%.4f mm) but %s: '%s'", ci,
                                    key->valuestring, num->valuestring, u, stated, why, text->valuestring);
                    break;
                }
                if (n_checked) (*n_checked)++;
                if (n_by_key) n_by_key[ki]++;
            }
        }
        ci++;
    }
    cJSON_Delete(root);
    return st;
}

sl_status synth_check_claims(const char *json, size_t n, const synth_measure *m, double tol_mm,
                             size_t *n_checked, sl_err *err) {
    return synth_check_claims_by_key(json, n, m, tol_mm, n_checked, NULL, err);
}

static sl_status lua_fail(lua_State *L, const synth_family *f, const char *what, sl_err *err) {
    const char *m = lua_tostring(L, -1);
    return sl_err_set(err, SL_ERR_INVALID, "%s.lua: %s: %s", f->name, what, m ? m : "error");
}

/* ---- one instance ----------------------------------------------------------------- */
static uint64_t instance_seed(const synth_family *f, long index, const synth_opts *o) {
    char key[160];
    snprintf(key, sizeof key, "steplm-synth:%llu:%s:%ld", (unsigned long long)o->seed, f->name, index);
    return sl_hash64(key, strlen(key));
}

sl_status synth_draw(const synth_set *s, long index, const synth_opts *o, char split[8], sl_buf *program,
                     double pos[3], int *n_pos, sl_err *err) {
    if (!s->n || index < 0) return sl_err_set(err, SL_ERR_ARG, "no families or a negative index");
    const synth_family *f = &s->fams[(size_t)index % s->n];
    lua_State *L = synth_family_state(f, err);
    if (!L) return err->status ? err->status : SL_ERR_INVALID;
    static const char *code =
        "local seed = ...\n"
        "local p, split = _S.sample(_F, seed)\n"
        "local _, _, pos = _S.split_of(_F, p)\n"
        "return split, _S.program(_F, p), pos[1], pos[2], pos[3]\n";
    sl_status st = SL_OK;
    if (luaL_loadstring(L, code) != LUA_OK) st = lua_fail(L, f, "draw", err);
    else {
        lua_pushinteger(L, (lua_Integer)instance_seed(f, index, o));
        if (lua_pcall(L, 1, 5, 0) != LUA_OK) st = lua_fail(L, f, "draw", err);
        else {
            snprintf(split, 8, "%s", lua_tostring(L, -5));
            sl_buf_puts(program, lua_tostring(L, -4));
            *n_pos = 0;
            for (int i = 0; i < 3; i++)
                if (lua_isnumber(L, -3 + i)) pos[(*n_pos)++] = lua_tonumber(L, -3 + i);
        }
    }
    lua_close(L);
    return st;
}


static void put_num(sl_buf *b, const char *key, double v) { sl_buf_printf(b, ",\"%s\":%.10g", key, v); }

/* One attempt with a given seed. *retry is set when the failure is the kernel's
 * (build, STEP, mesh), not the family's (Lua) or a caption's. */
static sl_status make_once(const synth_family *f, long index, uint64_t seed, int redraws, const synth_opts *o,
                           synth_instance *in, int *retry, sl_err *err) {
    *retry = 0;
    lua_State *L = synth_family_state(f, err);
    if (!L) return err->status ? err->status : SL_ERR_INVALID;
    sl_status st = SL_OK;
    sl_buf json, params;
    sl_buf_init(&json);
    sl_buf_init(&params);
    build_model model;
    int have_model = 0;

    /* draw: p, split, attempts = _S.sample(_F, seed) */
    lua_getglobal(L, "_S");
    lua_getfield(L, -1, "sample");
    lua_getglobal(L, "_F");
    lua_pushinteger(L, (lua_Integer)seed);
    if (lua_pcall(L, 2, 3, 0) != LUA_OK) { st = lua_fail(L, f, "sample", err); goto done; }
    snprintf(in->split, sizeof in->split, "%s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "?");
    in->attempts = (int)lua_tointeger(L, -1);
    lua_pop(L, 2);
    lua_setglobal(L, "_P");
    lua_pop(L, 1);

    static const char *texts =
        "return _S.program(_F, _P), _S.params_json(_F, _P)";
    if (luaL_loadstring(L, texts) != LUA_OK || lua_pcall(L, 0, 2, 0) != LUA_OK) {
        st = lua_fail(L, f, "program", err);
        goto done;
    }
    sl_buf_puts(&in->program, lua_tostring(L, -2));
    sl_buf_puts(&params, lua_tostring(L, -1));
    lua_pop(L, 2);

    /* run and build */
    sandbox_result res;
    st = cadprog_run("part.lua", in->program.data, in->program.len, NULL, &o->lim, &json, &res, err);
    sl_buf_release(&res.output);
    if (st) goto done;
    *retry = 1;      /* from here on a failure is the kernel's: build, STEP, mesh */
    st = cadprog_build("part.lua", json.data, json.len, &model, err);
    if (st) goto done;
    have_model = 1;
    if (model.n_parts != 1) { st = sl_err_set(err, SL_ERR_INVALID, "the program made %zu parts, expected 1", model.n_parts); goto done; }
    build_check_report rep;
    st = build_check_solid(model.b, model.parts[0].solid, &rep, err);
    if (st) goto done;
    double area = rep.area_mm2, vol = rep.volume_mm3;   /* exact (build_solid_props inside the check) */
    brep_write_part wp;
    memset(&wp, 0, sizeof wp);
    wp.solid = model.parts[0].solid;
    wp.name = model.parts[0].name;
    wp.has_color = model.parts[0].has_color;
    memcpy(wp.rgb, model.parts[0].rgb, sizeof wp.rgb);
    brep_write_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.file_name = "part.step";
    st = brep_write_step(model.b, &wp, 1, &wo, &in->step, err);
    if (st) goto done;

    /* measure what was written */
    st = synth_measure_step("part.step", in->step.data, in->step.len, o->deflection_mm, &in->m, err);
    if (st) goto done;
    in->m.area_mm2 = area;
    in->m.volume_mm3 = vol;
    if (in->m.genus != rep.genus) {
        st = sl_err_set(err, SL_ERR_INVALID, "genus: B-rep %ld, mesh %ld", rep.genus, in->m.genus);
        goto done;
    }
    if (fabs(in->m.mesh_volume_mm3 - vol) > 0.02 * vol) {
        st = sl_err_set(err, SL_ERR_INVALID, "mesh volume %.3f differs from the exact %.3f by more than 2%%",
                        in->m.mesh_volume_mm3, vol);
        goto done;
    }

    *retry = 0;
    /* captions from parameters and measurement */
    const double *bb = in->m.bbox_mm;
    lua_getglobal(L, "_S");
    lua_getfield(L, -1, "captions");
    lua_getglobal(L, "_F");
    lua_getglobal(L, "_P");
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, bb[3] - bb[0]); lua_setfield(L, -2, "x");
    lua_pushnumber(L, bb[4] - bb[1]); lua_setfield(L, -2, "y");
    lua_pushnumber(L, bb[5] - bb[2]); lua_setfield(L, -2, "z");
    lua_pushnumber(L, in->m.d_mm); lua_setfield(L, -2, "d");
    lua_pushinteger(L, in->m.genus); lua_setfield(L, -2, "genus");
    lua_pushnumber(L, vol); lua_setfield(L, -2, "volume");
    lua_pushinteger(L, (lua_Integer)(seed ^ 0x5bd1e9955bd1e995ull));
    lua_pushinteger(L, o->n_captions > 0 ? o->n_captions : 1);
    if (lua_pcall(L, 5, 1, 0) != LUA_OK) { st = lua_fail(L, f, "captions", err); goto done; }
    size_t n_caps;
    const char *caps = lua_tolstring(L, -1, &n_caps);
    st = synth_check_claims(caps, n_caps, &in->m, o->tol_mm, NULL, err);
    if (st) goto done;

    /* meta.json, one line */
    sl_buf *b = &in->meta;
    sl_buf_puts(b, "{\"id\":");
    sl_buf_json_str(b, in->id, strlen(in->id));
    sl_buf_printf(b, ",\"index\":%ld,\"family\":", index);
    sl_buf_json_str(b, f->name, strlen(f->name));
    sl_buf_printf(b, ",\"level\":\"%s\",\"split\":\"%s\",\"seed\":%llu,\"parameters\":%s", f->level, in->split,
                  (unsigned long long)o->seed, params.data);
    sl_buf_printf(b, ",\"bbox_mm\":[%.4f,%.4f,%.4f,%.4f,%.4f,%.4f]", bb[0], bb[1], bb[2], bb[3], bb[4], bb[5]);
    sl_buf_printf(b, ",\"size_mm\":[%.4f,%.4f,%.4f],\"diameter_z_mm\":%.4f", bb[3] - bb[0], bb[4] - bb[1],
                  bb[5] - bb[2], in->m.d_mm);
    put_num(b, "volume_mm3", vol);
    put_num(b, "area_mm2", area);
    sl_buf_printf(b, ",\"genus\":%ld,\"faces\":%zu,\"edges\":%zu,\"watertight\":true", in->m.genus, rep.n_faces,
                  rep.n_edges);
    put_num(b, "mesh_volume_mm3", in->m.mesh_volume_mm3);
    sl_buf_printf(b, ",\"attempts\":%d,\"redraws\":%d,\"captions\":", in->attempts, redraws);
    sl_buf_append(b, caps, n_caps);
    sl_buf_puts(b, "}");
    if (b->failed || in->program.failed || in->step.failed) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
done:
    if (have_model) build_model_release(&model);
    sl_buf_release(&json);
    sl_buf_release(&params);
    lua_close(L);
    if (st && !err->msg[0]) sl_err_set(err, st, "failed");
    return st;
}

sl_status synth_make(const synth_set *s, long index, const synth_opts *o, synth_instance *in, sl_err *err) {
    sl_err local;
    if (!err) err = &local;
    memset(err, 0, sizeof *err);
    if (!s->n || index < 0) return sl_err_set(err, SL_ERR_ARG, "no families or a negative index");
    const synth_family *f = &s->fams[(size_t)index % s->n];
    in->fam = f;
    in->index = index;
    synth_instance_id(s, index, in->id, sizeof in->id);
    uint64_t seed = instance_seed(f, index, o);
    sl_status st = SL_OK;
    in->redraws = 0;
    in->first_failure[0] = 0;
    for (int r = 0; r <= o->max_redraws; r++) {
        int retry = 0;
        uint64_t sr = r ? seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)r) : seed;
        sl_buf_clear(&in->program);
        sl_buf_clear(&in->step);
        sl_buf_clear(&in->meta);
        memset(err, 0, sizeof *err);
        st = make_once(f, index, sr, r, o, in, &retry, err);
        if (!st || !retry) break;
        /* the kernel could not make this draw: remember why, draw again */
        if (!in->first_failure[0]) {
            char buf[sizeof in->first_failure];
            sl_err_format(err, buf, sizeof buf);
            snprintf(in->first_failure, sizeof in->first_failure, "%s", buf);
        }
        in->redraws = r + 1;
    }
    return st;
}
