/* brep_write.c - STEP AP214 writer for built solids (see steplm/brep_write.h).
 * The text is generated directly, entity by entity, with ids in writing order;
 * vertices, edges, curves and surfaces shared between faces are written once.
 * What it is not: a general re-writer of read files (those go through p21/). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep_write.h"
#include "steplm/p21.h"

typedef struct wctx {
    const brep *b;
    sl_buf *o;
    uint64_t next;
    uint64_t *vmap, *emap, *cmap, *smap;   /* brep index -> entity id, 0 = not yet */
    sl_err *err;
    int failed;
} wctx;

static void real(sl_buf *o, double x) {
    char s[40];
    if (x == 0) { sl_buf_puts(o, "0."); return; }
    snprintf(s, sizeof s, "%.15g", x);
    if (strtod(s, NULL) != x) snprintf(s, sizeof s, "%.17g", x);
    char *e = strchr(s, 'e');
    char mant[40], ex[16] = "";
    if (e) { memcpy(mant, s, (size_t)(e - s)); mant[e - s] = 0; snprintf(ex, sizeof ex, "E%s", e + 1); }
    else snprintf(mant, sizeof mant, "%s", s);
    if (!strchr(mant, '.')) strcat(mant, ".");
    sl_buf_puts(o, mant);
    sl_buf_puts(o, ex);
}

static void str(sl_buf *o, const char *s) {
    sl_buf_putc(o, '\'');
    if (s) p21_string_encode(s, strlen(s), o);
    sl_buf_putc(o, '\'');
}

static uint64_t begin(wctx *w, const char *type) {
    uint64_t id = w->next++;
    sl_buf_printf(w->o, "#%llu=%s(", (unsigned long long)id, type);
    return id;
}
static void end(wctx *w) { sl_buf_puts(w->o, ");\n"); }
static void ref(sl_buf *o, uint64_t id) { sl_buf_printf(o, "#%llu", (unsigned long long)id); }

static uint64_t point(wctx *w, vec3 p) {
    uint64_t id = begin(w, "CARTESIAN_POINT");
    sl_buf_puts(w->o, "'',(");
    real(w->o, p.x); sl_buf_putc(w->o, ','); real(w->o, p.y); sl_buf_putc(w->o, ','); real(w->o, p.z);
    sl_buf_puts(w->o, ")");
    end(w);
    return id;
}

static uint64_t direction(wctx *w, vec3 d) {
    d = v3_norm(d);
    uint64_t id = begin(w, "DIRECTION");
    sl_buf_puts(w->o, "'',(");
    real(w->o, d.x); sl_buf_putc(w->o, ','); real(w->o, d.y); sl_buf_putc(w->o, ','); real(w->o, d.z);
    sl_buf_puts(w->o, ")");
    end(w);
    return id;
}

static uint64_t axis2(wctx *w, vec3 o, vec3 z, vec3 x) {
    uint64_t p = point(w, o), dz = direction(w, z), dx = direction(w, x);
    uint64_t id = begin(w, "AXIS2_PLACEMENT_3D");
    sl_buf_puts(w->o, "'',"); ref(w->o, p); sl_buf_putc(w->o, ','); ref(w->o, dz); sl_buf_putc(w->o, ','); ref(w->o, dx);
    end(w);
    return id;
}

static uint64_t vector(wctx *w, vec3 d) {
    uint64_t dir = direction(w, d);
    uint64_t id = begin(w, "VECTOR");
    sl_buf_puts(w->o, "'',"); ref(w->o, dir); sl_buf_putc(w->o, ','); real(w->o, v3_len(d));
    end(w);
    return id;
}

static void knots_mults(wctx *w, const double *k, int n) {
    /* (mults),(knots) */
    sl_buf_putc(w->o, '(');
    int first = 1;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && k[j] == k[i]) j++;
        if (!first) sl_buf_putc(w->o, ',');
        sl_buf_printf(w->o, "%d", j - i);
        first = 0;
        i = j;
    }
    sl_buf_puts(w->o, "),(");
    first = 1;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && k[j] == k[i]) j++;
        if (!first) sl_buf_putc(w->o, ',');
        real(w->o, k[i]);
        first = 0;
        i = j;
    }
    sl_buf_putc(w->o, ')');
}

static int32_t curve_index(const brep *b, const geom_curve *c);

static uint64_t curve(wctx *w, int32_t ci) {
    if (w->cmap[ci]) return w->cmap[ci];
    const geom_curve *c = w->b->curves[ci];
    uint64_t id = 0;
    switch (c->kind) {
    case GEOM_CURVE_LINE: {
        uint64_t p = point(w, c->f.o), v = vector(w, c->f.x);
        id = begin(w, "LINE");
        sl_buf_puts(w->o, "'',"); ref(w->o, p); sl_buf_putc(w->o, ','); ref(w->o, v);
        end(w);
        break;
    }
    case GEOM_CURVE_CIRCLE: case GEOM_CURVE_ELLIPSE: case GEOM_CURVE_HYPERBOLA: case GEOM_CURVE_PARABOLA: {
        /* conics: placement, then radius / semi axes / focal distance */
        static const char *const names[] = {"", "", "CIRCLE", "ELLIPSE", "", "HYPERBOLA", "PARABOLA"};
        uint64_t a = axis2(w, c->f.o, c->f.z, c->f.x);
        id = begin(w, names[c->kind]);
        sl_buf_puts(w->o, "'',"); ref(w->o, a); sl_buf_putc(w->o, ','); real(w->o, c->r1);
        if (c->kind == GEOM_CURVE_ELLIPSE || c->kind == GEOM_CURVE_HYPERBOLA) { sl_buf_putc(w->o, ','); real(w->o, c->r2); }
        end(w);
        break;
    }
    case GEOM_CURVE_OFFSET: {
        int32_t bi = c->basis ? curve_index(w->b, c->basis) : -1;
        if (bi < 0) {
            w->failed = 1;
            sl_err_set(w->err, SL_ERR_INVALID, "write: offset curve %d has no basis curve in this B-rep", ci);
            return 0;
        }
        uint64_t bc = curve(w, bi), d = direction(w, c->ref);
        if (!bc) return 0;
        id = begin(w, "OFFSET_CURVE_3D");
        sl_buf_puts(w->o, "'',"); ref(w->o, bc); sl_buf_putc(w->o, ','); real(w->o, c->offset);
        sl_buf_puts(w->o, ",.U.,"); ref(w->o, d);
        end(w);
        break;
    }
    case GEOM_CURVE_BSPLINE: {
        const geom_bspline *bs = &c->bs;
        uint64_t *pts = malloc((size_t)bs->n_ctrl * sizeof *pts);
        if (!pts) { w->failed = 1; return 0; }
        for (int i = 0; i < bs->n_ctrl; i++) pts[i] = point(w, bs->ctrl[i]);
        if (bs->weights) {
            id = w->next++;
            sl_buf_printf(w->o, "#%llu=(BOUNDED_CURVE()B_SPLINE_CURVE(%d,(", (unsigned long long)id, bs->degree);
        } else {
            id = begin(w, "B_SPLINE_CURVE_WITH_KNOTS");
            sl_buf_printf(w->o, "'',%d,(", bs->degree);
        }
        for (int i = 0; i < bs->n_ctrl; i++) { if (i) sl_buf_putc(w->o, ','); ref(w->o, pts[i]); }
        sl_buf_puts(w->o, "),.UNSPECIFIED.,.F.,.F.");
        if (bs->weights) {
            sl_buf_puts(w->o, ")B_SPLINE_CURVE_WITH_KNOTS(");
            knots_mults(w, bs->knots, bs->n_knots);
            sl_buf_puts(w->o, ",.UNSPECIFIED.)CURVE()GEOMETRIC_REPRESENTATION_ITEM()RATIONAL_B_SPLINE_CURVE((");
            for (int i = 0; i < bs->n_ctrl; i++) { if (i) sl_buf_putc(w->o, ','); real(w->o, bs->weights[i]); }
            sl_buf_puts(w->o, "))REPRESENTATION_ITEM(''));\n");
        } else {
            sl_buf_putc(w->o, ',');
            knots_mults(w, bs->knots, bs->n_knots);
            sl_buf_puts(w->o, ",.UNSPECIFIED.");
            end(w);
        }
        free(pts);
        break;
    }
    default:
        w->failed = 1;
        sl_err_set(w->err, SL_ERR_UNSUPPORTED, "write: unsupported curve kind %d", c->kind);
        return 0;
    }
    w->cmap[ci] = id;
    return id;
}

static int32_t curve_index(const brep *b, const geom_curve *c) {
    for (size_t i = 0; i < b->n_curves; i++)
        if (b->curves[i] == c) return (int32_t)i;
    return -1;
}

static uint64_t surface(wctx *w, int32_t si) {
    if (w->smap[si]) return w->smap[si];
    const geom_surf *s = w->b->surfs[si];
    uint64_t id = 0;
    switch (s->kind) {
    case GEOM_SURF_PLANE: case GEOM_SURF_CYLINDER: case GEOM_SURF_CONE: case GEOM_SURF_SPHERE:
    case GEOM_SURF_TORUS: {
        static const char *const names[] = {"", "PLANE", "CYLINDRICAL_SURFACE", "CONICAL_SURFACE",
                                            "SPHERICAL_SURFACE", "TOROIDAL_SURFACE"};
        uint64_t a = axis2(w, s->f.o, s->f.z, s->f.x);
        id = begin(w, names[s->kind]);
        sl_buf_puts(w->o, "'',"); ref(w->o, a);
        if (s->kind != GEOM_SURF_PLANE) { sl_buf_putc(w->o, ','); real(w->o, s->r1); }
        if (s->kind == GEOM_SURF_CONE || s->kind == GEOM_SURF_TORUS) { sl_buf_putc(w->o, ','); real(w->o, s->r2); }
        end(w);
        break;
    }
    case GEOM_SURF_REVOLUTION: case GEOM_SURF_EXTRUSION: {
        int32_t ci = s->curve ? curve_index(w->b, s->curve) : -1;
        if (ci < 0) { w->failed = 1; sl_err_set(w->err, SL_ERR_INVALID, "write: swept surface without a curve"); return 0; }
        uint64_t c = curve(w, ci);
        if (s->kind == GEOM_SURF_REVOLUTION) {
            uint64_t p = point(w, s->f.o), d = direction(w, s->f.z);
            uint64_t ax = begin(w, "AXIS1_PLACEMENT");
            sl_buf_puts(w->o, "'',"); ref(w->o, p); sl_buf_putc(w->o, ','); ref(w->o, d);
            end(w);
            id = begin(w, "SURFACE_OF_REVOLUTION");
            sl_buf_puts(w->o, "'',"); ref(w->o, c); sl_buf_putc(w->o, ','); ref(w->o, ax);
        } else {
            uint64_t v = vector(w, s->f.x);
            id = begin(w, "SURFACE_OF_LINEAR_EXTRUSION");
            sl_buf_puts(w->o, "'',"); ref(w->o, c); sl_buf_putc(w->o, ','); ref(w->o, v);
        }
        end(w);
        break;
    }
    default:
        w->failed = 1;
        sl_err_set(w->err, SL_ERR_UNSUPPORTED, "write: surface kind %d is not supported by the writer", s->kind);
        return 0;
    }
    w->smap[si] = id;
    return id;
}

static uint64_t vertex(wctx *w, uint32_t v) {
    if (w->vmap[v]) return w->vmap[v];
    uint64_t p = point(w, w->b->verts[v].p);
    uint64_t id = begin(w, "VERTEX_POINT");
    sl_buf_puts(w->o, "'',"); ref(w->o, p);
    end(w);
    return w->vmap[v] = id;
}

static uint64_t edge(wctx *w, uint32_t ei) {
    if (w->emap[ei]) return w->emap[ei];
    const brep_edge *e = &w->b->edges[ei];
    uint64_t a = vertex(w, e->v0), c = vertex(w, e->v1), cu;
    int same = 1;
    if (e->curve < 0) {
        vec3 p0 = w->b->verts[e->v0].p, p1 = w->b->verts[e->v1].p;
        uint64_t p = point(w, p0), v = vector(w, v3_sub(p1, p0));
        cu = begin(w, "LINE");
        sl_buf_puts(w->o, "'',"); ref(w->o, p); sl_buf_putc(w->o, ','); ref(w->o, v);
        end(w);
    } else {
        cu = curve(w, e->curve);
        same = e->t1 >= e->t0;
    }
    uint64_t id = begin(w, "EDGE_CURVE");
    sl_buf_puts(w->o, "'',"); ref(w->o, a); sl_buf_putc(w->o, ','); ref(w->o, c); sl_buf_putc(w->o, ',');
    ref(w->o, cu); sl_buf_puts(w->o, same ? ",.T." : ",.F.");
    end(w);
    return w->emap[ei] = id;
}

static uint64_t face(wctx *w, uint32_t fi) {
    const brep *b = w->b;
    const brep_face *F = &b->faces[fi];
    uint64_t *bounds = malloc((F->n_loops ? F->n_loops : 1) * sizeof *bounds);
    if (!bounds) { w->failed = 1; return 0; }
    for (uint32_t li = 0; li < F->n_loops; li++) {
        const brep_loop *L = &b->loops[F->first_loop + li];
        uint64_t *oe = malloc((L->n_coedges ? L->n_coedges : 1) * sizeof *oe);
        if (!oe) { free(bounds); w->failed = 1; return 0; }
        for (uint32_t ci = 0; ci < L->n_coedges; ci++) {
            const brep_coedge *c = &b->coedges[L->first_coedge + ci];
            uint64_t e = edge(w, c->edge);
            oe[ci] = begin(w, "ORIENTED_EDGE");
            sl_buf_puts(w->o, "'',*,*,"); ref(w->o, e); sl_buf_puts(w->o, c->reversed ? ",.F." : ",.T.");
            end(w);
        }
        uint64_t lp = begin(w, "EDGE_LOOP");
        sl_buf_puts(w->o, "'',(");
        for (uint32_t ci = 0; ci < L->n_coedges; ci++) { if (ci) sl_buf_putc(w->o, ','); ref(w->o, oe[ci]); }
        sl_buf_puts(w->o, ")");
        end(w);
        free(oe);
        bounds[li] = begin(w, L->outer ? "FACE_OUTER_BOUND" : "FACE_BOUND");
        sl_buf_puts(w->o, "'',"); ref(w->o, lp); sl_buf_puts(w->o, ",.T.");
        end(w);
    }
    uint64_t s = surface(w, F->surf);
    uint64_t id = begin(w, "ADVANCED_FACE");
    sl_buf_puts(w->o, "'',(");
    for (uint32_t li = 0; li < F->n_loops; li++) { if (li) sl_buf_putc(w->o, ','); ref(w->o, bounds[li]); }
    sl_buf_puts(w->o, "),"); ref(w->o, s); sl_buf_puts(w->o, F->reversed ? ",.F." : ",.T.");
    end(w);
    free(bounds);
    return id;
}

static uint64_t solid(wctx *w, uint32_t si, const char *name) {
    const brep_solid *so = &w->b->solids[si];
    const brep_shell *S = &w->b->shells[so->first_shell];
    uint64_t *faces = malloc((S->n_faces ? S->n_faces : 1) * sizeof *faces);
    if (!faces) { w->failed = 1; return 0; }
    for (uint32_t i = 0; i < S->n_faces; i++) faces[i] = face(w, S->first_face + i);
    uint64_t sh = begin(w, "CLOSED_SHELL");
    sl_buf_puts(w->o, "'',(");
    for (uint32_t i = 0; i < S->n_faces; i++) { if (i) sl_buf_putc(w->o, ','); ref(w->o, faces[i]); }
    sl_buf_puts(w->o, ")");
    end(w);
    free(faces);
    uint64_t id = begin(w, "MANIFOLD_SOLID_BREP");
    str(w->o, name); sl_buf_putc(w->o, ','); ref(w->o, sh);
    end(w);
    return id;
}

typedef struct partids { uint64_t product, pd, pds, rep, origin, msb; } partids;

static void product(wctx *w, const char *name, uint64_t pc, uint64_t pdc, partids *p) {
    p->product = begin(w, "PRODUCT");
    str(w->o, name); sl_buf_putc(w->o, ','); str(w->o, name); sl_buf_puts(w->o, ",'',(");
    ref(w->o, pc); sl_buf_puts(w->o, ")");
    end(w);
    uint64_t pdf = begin(w, "PRODUCT_DEFINITION_FORMATION");
    sl_buf_puts(w->o, "'','',"); ref(w->o, p->product);
    end(w);
    p->pd = begin(w, "PRODUCT_DEFINITION");
    sl_buf_puts(w->o, "'design','',"); ref(w->o, pdf); sl_buf_putc(w->o, ','); ref(w->o, pdc);
    end(w);
    p->pds = begin(w, "PRODUCT_DEFINITION_SHAPE");
    sl_buf_puts(w->o, "'','',"); ref(w->o, p->pd);
    end(w);
    uint64_t cat = begin(w, "PRODUCT_RELATED_PRODUCT_CATEGORY");
    sl_buf_puts(w->o, "'part',$,("); ref(w->o, p->product); sl_buf_puts(w->o, ")");
    end(w);
    (void)cat;
}

sl_status brep_write_step(const brep *b, const brep_write_part *parts, size_t n_parts,
                          const brep_write_opts *o, sl_buf *out, sl_err *err) {
    brep_write_opts def = {0};
    if (!o) o = &def;
    if (!n_parts) return sl_err_set(err, SL_ERR_ARG, "write: no parts");
    for (size_t i = 0; i < n_parts; i++) {
        if (parts[i].solid >= b->n_solids) return sl_err_set(err, SL_ERR_ARG, "write: no solid %u", parts[i].solid);
        if (b->solids[parts[i].solid].n_shells != 1)
            return sl_err_set(err, SL_ERR_UNSUPPORTED, "write: solids with voids are not supported");
    }
    wctx w = {0};
    w.b = b; w.o = out; w.next = 1; w.err = err;
    w.vmap = calloc(b->n_verts + 1, sizeof *w.vmap);
    w.emap = calloc(b->n_edges + 1, sizeof *w.emap);
    w.cmap = calloc(b->n_curves + 1, sizeof *w.cmap);
    w.smap = calloc(b->n_surfs + 1, sizeof *w.smap);
    partids *pid = calloc(n_parts, sizeof *pid);
    if (!w.vmap || !w.emap || !w.cmap || !w.smap || !pid) {
        free(w.vmap); free(w.emap); free(w.cmap); free(w.smap); free(pid);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    int assembly = n_parts > 1 || o->assembly;
    sl_buf_puts(out, "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((");
    str(out, o->description ? o->description : "solid model written by steplm");
    sl_buf_puts(out, "),'2;1');\nFILE_NAME(");
    str(out, o->file_name ? o->file_name : "steplm.step");
    sl_buf_putc(out, ',');
    str(out, o->timestamp ? o->timestamp : "1970-01-01T00:00:00");
    sl_buf_puts(out, ",('steplm'),('steplm'),'steplm 0.1.0','steplm','');\n"
                     "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n");
    uint64_t ac = begin(&w, "APPLICATION_CONTEXT");
    sl_buf_puts(out, "'core data for automotive mechanical design processes'");
    end(&w);
    uint64_t apd = begin(&w, "APPLICATION_PROTOCOL_DEFINITION");
    sl_buf_puts(out, "'international standard','automotive_design',2000,"); ref(out, ac);
    end(&w);
    (void)apd;
    uint64_t pc = begin(&w, "PRODUCT_CONTEXT");
    sl_buf_puts(out, "'',"); ref(out, ac); sl_buf_puts(out, ",'mechanical'");
    end(&w);
    uint64_t pdc = begin(&w, "PRODUCT_DEFINITION_CONTEXT");
    sl_buf_puts(out, "'part definition',"); ref(out, ac); sl_buf_puts(out, ",'design'");
    end(&w);
    uint64_t ulen = w.next++;
    sl_buf_printf(out, "#%llu=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n", (unsigned long long)ulen);
    uint64_t uang = w.next++;
    sl_buf_printf(out, "#%llu=(NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.));\n", (unsigned long long)uang);
    uint64_t usol = w.next++;
    sl_buf_printf(out, "#%llu=(NAMED_UNIT(*)SI_UNIT($,.STERADIAN.)SOLID_ANGLE_UNIT());\n", (unsigned long long)usol);
    uint64_t unc = begin(&w, "UNCERTAINTY_MEASURE_WITH_UNIT");
    sl_buf_puts(out, "LENGTH_MEASURE(1.E-07),"); ref(out, ulen); sl_buf_puts(out, ",'distance_accuracy_value','confusion accuracy'");
    end(&w);
    uint64_t ctx = w.next++;
    sl_buf_printf(out, "#%llu=(GEOMETRIC_REPRESENTATION_CONTEXT(3)GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT((#%llu))"
                       "GLOBAL_UNIT_ASSIGNED_CONTEXT((#%llu,#%llu,#%llu))REPRESENTATION_CONTEXT('Context #1','3D Context with UNIT and UNCERTAINTY'));\n",
                  (unsigned long long)ctx, (unsigned long long)unc, (unsigned long long)ulen,
                  (unsigned long long)uang, (unsigned long long)usol);
    /* parts */
    for (size_t i = 0; i < n_parts && !w.failed; i++) {
        char defname[32];
        snprintf(defname, sizeof defname, "part%zu", i + 1);
        const char *name = parts[i].name ? parts[i].name : defname;
        /* a solid used by several instances is one product */
        size_t first = i;
        for (size_t j = 0; j < i; j++) if (parts[j].solid == parts[i].solid) { first = j; break; }
        if (first != i) { pid[i] = pid[first]; continue; }
        product(&w, name, pc, pdc, &pid[i]);
        pid[i].origin = axis2(&w, v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
        pid[i].msb = solid(&w, parts[i].solid, name);
        pid[i].rep = begin(&w, "ADVANCED_BREP_SHAPE_REPRESENTATION");
        str(out, name); sl_buf_puts(out, ",("); ref(out, pid[i].origin); sl_buf_putc(out, ',');
        ref(out, pid[i].msb); sl_buf_puts(out, "),"); ref(out, ctx);
        end(&w);
        uint64_t sdr = begin(&w, "SHAPE_DEFINITION_REPRESENTATION");
        ref(out, pid[i].pds); sl_buf_putc(out, ','); ref(out, pid[i].rep);
        end(&w);
        (void)sdr;
    }
    /* colours */
    uint64_t *styled = calloc(n_parts, sizeof *styled);
    size_t n_styled = 0;
    for (size_t i = 0; i < n_parts && styled && !w.failed; i++) {
        if (!parts[i].has_color) continue;
        int dup = 0;
        for (size_t j = 0; j < i; j++) if (parts[j].solid == parts[i].solid && parts[j].has_color) dup = 1;
        if (dup) continue;
        uint64_t col = begin(&w, "COLOUR_RGB");
        sl_buf_puts(out, "'',");
        for (int k = 0; k < 3; k++) {
            double c = parts[i].rgb[k];
            c = c < 0 ? 0 : c > 1 ? 1 : c;
            if (k) sl_buf_putc(out, ',');
            real(out, c);
        }
        end(&w);
        uint64_t fasc = begin(&w, "FILL_AREA_STYLE_COLOUR");
        sl_buf_puts(out, "'',"); ref(out, col);
        end(&w);
        uint64_t fas = begin(&w, "FILL_AREA_STYLE");
        sl_buf_puts(out, "'',("); ref(out, fasc); sl_buf_putc(out, ')');
        end(&w);
        uint64_t ssfa = begin(&w, "SURFACE_STYLE_FILL_AREA");
        ref(out, fas);
        end(&w);
        uint64_t sss = begin(&w, "SURFACE_SIDE_STYLE");
        sl_buf_puts(out, "'',("); ref(out, ssfa); sl_buf_putc(out, ')');
        end(&w);
        uint64_t ssu = begin(&w, "SURFACE_STYLE_USAGE");
        sl_buf_puts(out, ".BOTH.,"); ref(out, sss);
        end(&w);
        uint64_t psa = begin(&w, "PRESENTATION_STYLE_ASSIGNMENT");
        sl_buf_puts(out, "("); ref(out, ssu); sl_buf_putc(out, ')');
        end(&w);
        styled[n_styled++] = begin(&w, "STYLED_ITEM");
        sl_buf_puts(out, "'color',("); ref(out, psa); sl_buf_puts(out, "),"); ref(out, pid[i].msb);
        end(&w);
    }
    if (n_styled) {
        begin(&w, "MECHANICAL_DESIGN_GEOMETRIC_PRESENTATION_REPRESENTATION");
        sl_buf_puts(out, "'',(");
        for (size_t i = 0; i < n_styled; i++) { if (i) sl_buf_putc(out, ','); ref(out, styled[i]); }
        sl_buf_puts(out, "),"); ref(out, ctx);
        end(&w);
    }
    free(styled);
    /* assembly */
    if (assembly && !w.failed) {
        partids as;
        product(&w, o->assembly ? o->assembly : "assembly", pc, pdc, &as);
        uint64_t *inst = calloc(n_parts, sizeof *inst);
        if (!inst) w.failed = 1;
        for (size_t i = 0; i < n_parts && inst; i++) {
            geom_xform x;
            if (parts[i].has_placement) x = parts[i].placement; else geom_xform_identity(&x);
            inst[i] = axis2(&w, x.t, geom_xform_dir(&x, v3(0, 0, 1)), geom_xform_dir(&x, v3(1, 0, 0)));
        }
        as.origin = axis2(&w, v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
        as.rep = begin(&w, "SHAPE_REPRESENTATION");
        str(out, o->assembly ? o->assembly : "assembly"); sl_buf_puts(out, ",("); ref(out, as.origin);
        for (size_t i = 0; i < n_parts && inst; i++) { sl_buf_putc(out, ','); ref(out, inst[i]); }
        sl_buf_puts(out, "),"); ref(out, ctx);
        end(&w);
        uint64_t sdr = begin(&w, "SHAPE_DEFINITION_REPRESENTATION");
        ref(out, as.pds); sl_buf_putc(out, ','); ref(out, as.rep);
        end(&w);
        (void)sdr;
        for (size_t i = 0; i < n_parts && inst; i++) {
            char defname[32], iid[32];
            snprintf(defname, sizeof defname, "part%zu", i + 1);
            snprintf(iid, sizeof iid, "NAUO%zu", i + 1);
            uint64_t nauo = begin(&w, "NEXT_ASSEMBLY_USAGE_OCCURRENCE");
            str(out, iid); sl_buf_putc(out, ','); str(out, parts[i].name ? parts[i].name : defname);
            sl_buf_puts(out, ",'',"); ref(out, as.pd); sl_buf_putc(out, ','); ref(out, pid[i].pd); sl_buf_puts(out, ",$");
            end(&w);
            uint64_t pds = begin(&w, "PRODUCT_DEFINITION_SHAPE");
            sl_buf_puts(out, "'','',"); ref(out, nauo);
            end(&w);
            uint64_t idt = begin(&w, "ITEM_DEFINED_TRANSFORMATION");
            sl_buf_puts(out, "'','',"); ref(out, pid[i].origin); sl_buf_putc(out, ','); ref(out, inst[i]);
            end(&w);
            uint64_t rr = w.next++;
            sl_buf_printf(out, "#%llu=(REPRESENTATION_RELATIONSHIP('','',#%llu,#%llu)"
                               "REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#%llu)SHAPE_REPRESENTATION_RELATIONSHIP());\n",
                          (unsigned long long)rr, (unsigned long long)pid[i].rep, (unsigned long long)as.rep,
                          (unsigned long long)idt);
            uint64_t cd = begin(&w, "CONTEXT_DEPENDENT_SHAPE_REPRESENTATION");
            ref(out, rr); sl_buf_putc(out, ','); ref(out, pds);
            end(&w);
            (void)cd;
        }
        free(inst);
    }
    sl_buf_puts(out, "ENDSEC;\nEND-ISO-10303-21;\n");
    free(w.vmap); free(w.emap); free(w.cmap); free(w.smap); free(pid);
    if (w.failed) return err && err->status ? err->status : sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    if (out->failed) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    return SL_OK;
}

sl_status brep_write_step_file(const brep *b, const brep_write_part *parts, size_t n_parts,
                               const brep_write_opts *o, const char *path, sl_err *err) {
    sl_buf buf;
    sl_buf_init(&buf);
    sl_status st = brep_write_step(b, parts, n_parts, o, &buf, err);
    if (!st) st = sl_file_write_atomic(path, buf.data, buf.len, err);
    sl_buf_release(&buf);
    return st;
}
