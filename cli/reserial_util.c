/* reserial_util.c - single-file and batch driver for round / reserialize / restore. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <malloc.h>
#include <omp.h>

#include "cli.h"
#include "reserial_util.h"

/* a + "/" + b */
static char *path_join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", a, b);
    return s;
}

static char *err_text(const sl_err *err, const char *path) {
    char line[1200];
    sl_err e = *err;
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
    sl_err_format(&e, line, sizeof line);
    return strdup(line);
}

/* mkdir -p of the directory part of path */
static int mkdirs_for(const char *path) {
    char *p = strdup(path);
    if (!p) return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) && errno != EEXIST) { free(p); return -1; }
        *s = '/';
    }
    free(p);
    return 0;
}

void cli_rs_process(const cli_rs_job *job, const char *in, const char *outp, cli_rs_file *res) {
    sl_err err = {0};
    char *text = NULL;
    size_t n = 0;
    sl_buf out;
    sl_buf_init(&out);
    res->status = 2;
    if (sl_file_read(in, &text, &n, 0, &err)) { res->reason = err_text(&err, in); return; }
    res->bytes_in = n;
    sl_status s = SL_OK;
    if (job->kind == CLI_RS_RESTORE) {
        s = reserial_restore(in, text, n, &out, &err);
        free(text);
    } else {
        p21_doc *doc = NULL;
        s = p21_doc_read_owned(in, text, n, NULL, &doc, &err);   /* takes the buffer */
        if (doc) res->entities = p21_doc_n_entities(doc);
        if (doc && s == SL_OK) {
            if (job->kind == CLI_RS_ROUND) {
                s = reserial_round_doc(doc, job->decimals, job->style, &res->stats.n_rounded, &err);
                if (s == SL_OK) p21_doc_write(doc, NULL, &out);
            } else {
                reserial_result r;
                reserial_result_init(&r);
                s = reserial_run(doc, &job->opts, &r, &err);
                res->stats = r.stats;
                out = r.text;                /* take the buffer */
                sl_buf_init(&r.text);
                reserial_result_release(&r);
            }
        }
        p21_doc_free(doc);
        if (!doc && s == SL_OK) s = sl_err_set(&err, SL_ERR_NOMEM, "out of memory");
    }
    if (s == SL_OK && out.failed) s = sl_err_set(&err, SL_ERR_NOMEM, "out of memory");
    if (s == SL_OK) {
        if (!strcmp(outp, "-")) {
            if (fwrite(out.data, 1, out.len, stdout) != out.len) s = sl_err_set(&err, SL_ERR_IO, "cannot write to stdout");
        } else {
            if (mkdirs_for(outp)) s = sl_err_set(&err, SL_ERR_IO, "cannot create the directory of '%s'", outp);
            else s = sl_file_write_atomic(outp, out.data ? out.data : "", out.len, &err);
        }
    }
    sl_buf_release(&out);
    if (s == SL_OK) res->status = 0;
    else res->reason = err_text(&err, in);
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* relative output name: strip the input directory, or make a listed path safe */
static char *rel_name(const char *path, const char *in_dir) {
    if (in_dir) {
        size_t l = strlen(in_dir);
        while (l > 1 && in_dir[l - 1] == '/') l--;
        if (!strncmp(path, in_dir, l) && path[l] == '/') return strdup(path + l + 1);
    }
    while (path[0] == '/') path++;
    char *s = strdup(path);
    if (!s) return NULL;
    for (char *p = s; (p = strstr(p, "../")); ) { p[0] = '_'; p[1] = '_'; }
    return s;
}

static void json_summary(sl_buf *b, const char *cmd, const char *in, const char *outdir, unsigned si, unsigned sn,
                         char **files, char **outs, const cli_rs_file *res, long n, double secs) {
    size_t c[3] = {0}, bytes = 0, ents = 0;
    for (long i = 0; i < n; i++) {
        c[res[i].status]++;
        if (res[i].status == 0) { bytes += res[i].bytes_in; ents += res[i].entities; }
    }
    sl_buf_puts(b, "{\"command\":");
    sl_buf_json_str(b, cmd, strlen(cmd));
    sl_buf_puts(b, ",\"input\":");
    sl_buf_json_str(b, in, strlen(in));
    sl_buf_puts(b, ",\"output\":");
    sl_buf_json_str(b, outdir, strlen(outdir));
    sl_buf_printf(b, ",\"shard\":\"%u/%u\",\"threads\":%d,\"n_files\":%ld,\"done\":%zu,\"skipped\":%zu,\"failed\":%zu,"
                     "\"bytes_in_done\":%zu,\"entities_done\":%zu,\"seconds\":%.3f,\"mb_per_s\":%.1f",
                  si, sn, omp_get_max_threads(), n, c[0], c[1], c[2], bytes, ents, secs,
                  secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
    static const char *const names[3] = {"done_files", "skipped_files", "failures"};
    for (int k = 0; k < 3; k++) {
        sl_buf_printf(b, ",\"%s\":[", names[k]);
        int first = 1;
        for (long i = 0; i < n; i++) {
            if (res[i].status != k) continue;
            if (!first) sl_buf_putc(b, ',');
            first = 0;
            if (k == 2) {
                sl_buf_puts(b, "{\"file\":");
                sl_buf_json_str(b, files[i], strlen(files[i]));
                sl_buf_puts(b, ",\"reason\":");
                const char *r = res[i].reason ? res[i].reason : "unknown";
                sl_buf_json_str(b, r, strlen(r));
                sl_buf_putc(b, '}');
            } else {
                sl_buf_puts(b, "{\"file\":");
                sl_buf_json_str(b, files[i], strlen(files[i]));
                sl_buf_puts(b, ",\"output\":");
                sl_buf_json_str(b, outs[i], strlen(outs[i]));
                sl_buf_putc(b, '}');
            }
        }
        sl_buf_putc(b, ']');
    }
    sl_buf_puts(b, "}\n");
}

static void stats_json(sl_buf *b, const char *in, const cli_rs_file *r) {
    const reserial_stats *s = &r->stats;
    sl_buf_puts(b, "{\"file\":");
    sl_buf_json_str(b, in, strlen(in));
    sl_buf_printf(b, ",\"ok\":%s,\"bytes_in\":%zu,\"entities\":%zu,\"written\":%zu,\"roots\":%zu,\"cyclic_starts\":%zu,"
                     "\"cycle_edges\":%zu,\"dangling\":%zu,\"rounded\":%zu,\"max_depth\":%zu,\"faces\":%zu,"
                     "\"dropped\":%zu,\"dropped_roots\":%zu,\"colours_merged\":%zu}\n",
                  r->status == 0 ? "true" : "false", r->bytes_in, r->entities, s->n_written, s->n_roots,
                  s->n_cyclic_starts, s->n_cycle_edges, s->n_dangling, s->n_rounded, s->max_depth, s->n_faces,
                  s->n_dropped, s->n_dropped_roots, s->n_colours_merged);
}

/* read a list file: one path per line, blank lines and '#' comments skipped */
static long read_list(const char *path, char ***out) {
    char *text;
    size_t n;
    sl_err err;
    if (sl_file_read(path, &text, &n, 0, &err)) return -1;
    long cnt = 0, cap = 64;
    char **v = malloc((size_t)cap * sizeof *v);
    char *save = NULL;
    for (char *l = strtok_r(text, "\r\n", &save); l && v; l = strtok_r(NULL, "\r\n", &save)) {
        while (*l == ' ' || *l == '\t') l++;
        if (!*l || *l == '#') continue;
        if (cnt == cap) {
            cap *= 2;
            char **nv = realloc(v, (size_t)cap * sizeof *nv);
            if (!nv) { cli_free_files(v, cnt); v = NULL; break; }
            v = nv;
        }
        v[cnt++] = strdup(l);
    }
    free(text);
    if (!v) return -1;
    *out = v;
    return cnt;
}

int cli_rs_main(const char *cmd, const char *usage, int argc, char **argv, cli_rs_job *job,
                int (*extra)(cli_rs_job *job, int argc, char **argv, int i)) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    const char *in = NULL, *outp = NULL, *list = NULL, *summary = NULL;
    int force = 0, json = 0, threads = 0;
    unsigned si = 0, sn = 1;
    for (int i = 1; i < argc; i++) {
        int k = extra ? extra(job, argc, argv, i) : 0;
        if (k < 0) return CLI_USAGE;
        if (k > 0) { i += k - 1; continue; }
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--list") || !strcmp(a, "--shard") || !strcmp(a, "--summary") ||
            !strcmp(a, "-j")) {
            if (i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "-o")) outp = v;
            else if (!strcmp(a, "--list")) list = v;
            else if (!strcmp(a, "--summary")) summary = v;
            else if (!strcmp(a, "-j")) {
                long t;
                if (cli_parse_long(v, 1, 4096, &t)) return cli_usage_error(cmd, "-j needs a whole number in [1, 4096]");
                threads = (int)t;
            } else if (cli_parse_shard(v, &si, &sn)) return cli_usage_error(cmd, "--shard needs i/n with 0 <= i < n");
        } else if (!strcmp(a, "--force")) force = 1;
        else if (!strcmp(a, "--json")) json = 1;
        else if (a[0] == '-' && a[1]) return cli_usage_error(cmd, "unknown option '%s'", a);
        else if (in) return cli_usage_error(cmd, "one input (a file or a directory) at a time; use --list for more");
        else in = a;
    }
    if (!in && !list) return cli_usage_error(cmd, "no input");
    if (in && list) return cli_usage_error(cmd, "give either IN or --list, not both");
    if (!outp) return cli_usage_error(cmd, "no output (-o OUT)");
    if (threads) omp_set_num_threads(threads);
    /* keep freed memory for the next file instead of returning it to the kernel
     * (page faults were a third of the run time) */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);

    int batch = list || is_dir(in);
    if (!batch) {
        char *target = NULL;
        if (strcmp(outp, "-") && is_dir(outp)) {
            const char *base = strrchr(in, '/');
            target = path_join(outp, base ? base + 1 : in);
        } else target = strdup(outp);
        if (!target) return CLI_FAIL;
        cli_rs_file res = {0};
        if (!force && strcmp(target, "-") && access(target, F_OK) == 0 && !strcmp(target, in)) {
            free(target);
            return cli_usage_error(cmd, "output would overwrite the input");
        }
        cli_rs_process(job, in, target, &res);
        if (res.status) fprintf(stderr, "%s\n", res.reason ? res.reason : "steplm: error: failed");
        if (json) {
            sl_buf b;
            sl_buf_init(&b);
            stats_json(&b, in, &res);
            fputs(b.data, strcmp(target, "-") ? stdout : stderr);
            sl_buf_release(&b);
        }
        free(res.reason);
        free(target);
        return res.status ? CLI_FAIL : CLI_OK;
    }

    /* batch */
    static const char *const exts[] = {".step", ".stp", ".p21", NULL};
    char **all = NULL;
    long n_all = list ? read_list(list, &all) : cli_collect_files((char **)&in, 1, exts, &all);
    if (n_all < 0) { fprintf(stderr, "steplm %s: error: cannot list the inputs\n", cmd); return CLI_FAIL; }
    if (!strcmp(outp, "-")) { cli_free_files(all, n_all); return cli_usage_error(cmd, "batch mode needs an output directory"); }
    if (mkdir(outp, 0755) && errno != EEXIST) {
        fprintf(stderr, "steplm %s: error: cannot create '%s': %s\n", cmd, outp, strerror(errno));
        cli_free_files(all, n_all);
        return CLI_FAIL;
    }
    long n = 0;
    char **files = malloc((size_t)(n_all ? n_all : 1) * sizeof *files);
    char **outs = malloc((size_t)(n_all ? n_all : 1) * sizeof *outs);
    cli_rs_file *res = calloc((size_t)(n_all ? n_all : 1), sizeof *res);
    if (!files || !outs || !res) return CLI_FAIL;
    for (long i = 0; i < n_all; i++) {
        if ((unsigned long)i % sn != si) continue;
        char *rel = rel_name(all[i], list ? NULL : in);
        files[n] = all[i];
        outs[n] = rel ? path_join(outp, rel) : NULL;
        free(rel);
        if (!outs[n]) return CLI_FAIL;
        n++;
    }
    double t0 = sl_time_sec();
    long n_done = 0;
    #pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < n; i++) {
        if (!force && access(outs[i], F_OK) == 0) res[i].status = 1;
        else cli_rs_process(job, files[i], outs[i], &res[i]);
        #pragma omp critical(cli_rs_progress)
        {
            n_done++;
            cli_progress(cmd, (size_t)n_done, (size_t)n, t0);
        }
    }
    double secs = sl_time_sec() - t0;
    size_t c[3] = {0};
    for (long i = 0; i < n; i++) {
        c[res[i].status]++;
        if (res[i].status == 2) fprintf(stderr, "%s\n", res[i].reason);
    }
    sl_buf b;
    sl_buf_init(&b);
    json_summary(&b, cmd, list ? list : in, outp, si, sn, files, outs, res, n, secs);
    char *spath = NULL;
    if (summary) spath = strdup(summary);
    else {
        size_t l = strlen(outp) + strlen(cmd) + 64;
        spath = malloc(l);
        if (spath && sn > 1) snprintf(spath, l, "%s/%s-summary-%u-of-%u.json", outp, cmd, si, sn);
        else if (spath) snprintf(spath, l, "%s/%s-summary.json", outp, cmd);
    }
    sl_err err = {0};
    int rc = c[2] ? CLI_FAIL : CLI_OK;
    if (!spath || sl_file_write_atomic(spath, b.data, b.len, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
    if (json) fputs(b.data, stdout);
    fprintf(stderr, "steplm %s: %ld files: %zu done, %zu skipped (output exists), %zu failed; summary in %s\n", cmd, n,
            c[0], c[1], c[2], spath ? spath : "?");
    free(spath);
    sl_buf_release(&b);
    for (long i = 0; i < n; i++) { free(outs[i]); free(res[i].reason); }
    free(files); free(outs); free(res);
    cli_free_files(all, n_all);
    return rc;
}
