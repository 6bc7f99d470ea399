/* cmd_synth.c - `steplm synth`: build a synthetic corpus of captioned parts from the
 * part families (docs/synth.md), on all cores, resumable; or --verify a corpus. */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "steplm/synth.h"

static const char *usage =
    "usage: steplm synth [--families all|a,b,...] [--n N] [--seed S] -o DIR [--shard i/n]\n"
    "                    [--families-dir DIR] [--captions K] [--max-redraws R] [--threads T] [--json]\n"
    "       steplm synth --verify DIR [--shard i/n] [--json]\n\n"
    "Instantiates part families (Lua programs with parameter ranges) into a corpus:\n"
    "instance i (0 <= i < N) belongs to family i mod n_families and gets\n"
    "  DIR/<id>/part.lua   the program (parameter lines, then the family body)\n"
    "  DIR/<id>/part.step  the solid it builds (STEP AP214)\n"
    "  DIR/<id>/meta.json  family, parameters, split, bbox_mm, volume_mm3, area_mm2,\n"
    "                      genus, captions [{level, text, claims}]\n"
    "and DIR/manifest.jsonl gets one meta line per instance (manifest-<i>of<n>.jsonl\n"
    "with --shard). An instance is kept only if its STEP re-reads watertight and every\n"
    "measured number its captions state matches the part within 0.1 mm. Instances whose\n"
    "meta.json exists are skipped (resume); files are written atomically, meta.json last.\n"
    "Output does not depend on the thread count. The program of an instance that fails\n"
    "is kept as DIR/failed/<id>.lua.\n\n"
    "  --families L      'all' (default) or a comma-separated list\n"
    "  --families-dir D  family files (default: $STEPLM_FAMILIES, ./data/families, or\n"
    "                    data/families next to the binary's build directory)\n"
    "  --n N             number of instances (default 100)\n"
    "  --seed S          corpus seed (default 1)\n"
    "  --captions K      captions per level (default 2)\n"
    "  --max-redraws R   draws redone after a kernel failure (default 3; 0: fail instead)\n"
    "  --threads T       OpenMP threads (default: all cores)\n"
    "  --verify DIR      re-check a corpus: parse + reference checks + mesh of each\n"
    "                    part.step, watertight, and every caption claim against it\n"
    "                    (prints the claims checked per key: x y z d holes hole_d\n"
    "                    cyl_d fillet_r bend_r; docs/synth.md)\n"
    "  --json            summary as JSON\n"
    "Exit status: 0 all instances ok, 1 some failed, 2 usage.\n";

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void default_families_dir(char *out, size_t n) {
    const char *env = getenv("STEPLM_FAMILIES");
    if (env && *env) { snprintf(out, n, "%s", env); return; }
    if (is_dir("data/families")) { snprintf(out, n, "data/families"); return; }
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash = strrchr(exe, '/');
        if (slash && (size_t)(slash - exe) + 20 < n) {
            memcpy(slash, "/../data/families", 18);
            if (is_dir(exe)) { snprintf(out, n, "%.*s", (int)(n - 1), exe); return; }
        }
    }
    snprintf(out, n, "data/families");
}

static int write_file(const char *dir, const char *name, const sl_buf *b, sl_err *err) {
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return sl_file_write_atomic(path, b->data ? b->data : "", b->len, err) != SL_OK;
}

typedef struct slot {
    char *meta;          /* manifest line (malloc'd), NULL on failure */
    char *error;         /* formatted error (malloc'd) */
    int skipped;
    int redraws;
    char *redraw_why;    /* the kernel's first failure when redrawn (malloc'd) */
    char split[8];
    size_t fam;
} slot;

static char *dup_str(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

/* split out of a meta line (resume) */
static void meta_split(const char *meta, char *out, size_t n) {
    const char *p = strstr(meta, "\"split\":\"");
    out[0] = 0;
    if (!p) return;
    p += 9;
    size_t k = 0;
    while (p[k] && p[k] != '"' && k + 1 < n) { out[k] = p[k]; k++; }
    out[k] = 0;
}

static int run_verify(const char *dir, unsigned sh_i, unsigned sh_n, int json) {
    static const char *const exts[] = {".step", NULL};
    struct stat dst;
    if (stat(dir, &dst) != 0 || !S_ISDIR(dst.st_mode)) {
        fprintf(stderr, "steplm synth: error: '%s' is not a corpus directory\n", dir);
        return CLI_FAIL;
    }
    char *args[1] = {(char *)dir};
    char **files;
    long nf = cli_collect_files(args, 1, exts, &files);
    if (nf < 0) { fprintf(stderr, "steplm synth: error: cannot list %s\n", dir); return CLI_FAIL; }
    long n_sel = 0;
    for (long i = 0; i < nf; i++) {
        if ((unsigned long)i % sh_n == sh_i) files[n_sel++] = files[i];
        else free(files[i]);
    }
    char **errs = calloc((size_t)(n_sel ? n_sel : 1), sizeof *errs);
    /* per file: the claims checked, by key (SYNTH_N_KEYS each; summed in file order) */
    size_t *n_claims = calloc((size_t)(n_sel ? n_sel : 1) * SYNTH_N_KEYS, sizeof *n_claims);
    if (!errs || !n_claims) { free(errs); free(n_claims); cli_free_files(files, n_sel); return CLI_FAIL; }
    double t0 = sl_time_sec();
    size_t done = 0;
    #pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < n_sel; i++) {
        sl_err err;
        memset(&err, 0, sizeof err);
        char *step = NULL, *meta = NULL;
        size_t n_step = 0, n_meta = 0;
        char mpath[4096];
        snprintf(mpath, sizeof mpath, "%s", files[i]);
        char *slash = strrchr(mpath, '/');
        snprintf(slash ? slash + 1 : mpath, sizeof mpath - (size_t)(slash ? slash + 1 - mpath : 0), "meta.json");
        synth_measure m;
        sl_status st = sl_file_read(files[i], &step, &n_step, 0, &err);
        if (!st) st = sl_file_read(mpath, &meta, &n_meta, 0, &err);
        if (!st) st = synth_measure_step(files[i], step, n_step, 0.02, &m, &err);
        if (!st) st = synth_check_claims_by_key(meta, n_meta, &m, 0.1, NULL, &n_claims[(size_t)i * SYNTH_N_KEYS], &err);
        if (st) {
            char buf[1200];
            sl_err_format(&err, buf, sizeof buf);
            errs[i] = dup_str(buf);
        }
        free(step);
        free(meta);
        #pragma omp critical
        { done++; cli_progress("verify", done, (size_t)n_sel, t0); }
    }
    long n_bad = 0;
    size_t total_claims = 0, by_key[SYNTH_N_KEYS] = {0};
    for (long i = 0; i < n_sel; i++) {
        for (int k = 0; k < SYNTH_N_KEYS; k++) {
            by_key[k] += n_claims[(size_t)i * SYNTH_N_KEYS + k];
            total_claims += n_claims[(size_t)i * SYNTH_N_KEYS + k];
        }
        if (errs[i]) {
            if (n_bad < 20) fprintf(stderr, "%s: error: %s\n", files[i], errs[i]);
            n_bad++;
        }
        free(errs[i]);
    }
    double dt = sl_time_sec() - t0;
    if (json) {
        printf("{\"verified\":%ld,\"failed\":%ld,\"measured_claims\":%zu,\"measured_by_key\":{", n_sel, n_bad,
               total_claims);
        for (int k = 0; k < SYNTH_N_KEYS; k++) printf("%s\"%s\":%zu", k ? "," : "", synth_claim_key(k), by_key[k]);
        printf("},\"seconds\":%.2f}\n", dt);
    } else {
        printf("verified %ld parts: %ld failed; %zu measured caption claims checked (0.1 mm); %.1f s\n", n_sel,
               n_bad, total_claims, dt);
        printf("claims by key:");
        for (int k = 0; k < SYNTH_N_KEYS; k++) printf(" %s %zu", synth_claim_key(k), by_key[k]);
        printf("\n");
    }
    free(errs);
    free(n_claims);
    cli_free_files(files, n_sel);
    return n_bad ? CLI_FAIL : CLI_OK;
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    const char *fam_list = "all", *out_dir = NULL, *verify = NULL;
    char fam_dir[4096] = "";
    long n = 100;
    unsigned long long seed = 1;
    unsigned sh_i = 0, sh_n = 1;
    int threads = 0, json = 0, n_caps = 2, max_redraws = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--families") && more) fam_list = argv[++i];
        else if (!strcmp(a, "--families-dir") && more) snprintf(fam_dir, sizeof fam_dir, "%s", argv[++i]);
        else if (!strcmp(a, "-o") && more) out_dir = argv[++i];
        else if (!strcmp(a, "--verify") && more) verify = argv[++i];
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--n") && more) {
            n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 100000000) return cli_usage_error("synth", "--n needs a positive count");
        } else if (!strcmp(a, "--seed") && more) {
            seed = strtoull(argv[++i], &end, 10);
            if (*end) return cli_usage_error("synth", "--seed needs an integer");
        } else if (!strcmp(a, "--captions") && more) {
            n_caps = (int)strtol(argv[++i], &end, 10);
            if (*end || n_caps < 1 || n_caps > 20) return cli_usage_error("synth", "--captions needs 1..20");
        } else if (!strcmp(a, "--max-redraws") && more) {
            max_redraws = (int)strtol(argv[++i], &end, 10);
            if (*end || max_redraws < 0 || max_redraws > 100) return cli_usage_error("synth", "--max-redraws needs 0..100");
        } else if (!strcmp(a, "--threads") && more) {
            threads = (int)strtol(argv[++i], &end, 10);
            if (*end || threads < 1) return cli_usage_error("synth", "--threads needs a positive count");
        } else if (!strcmp(a, "--shard") && more) {
            if (cli_parse_shard(argv[++i], &sh_i, &sh_n)) return cli_usage_error("synth", "bad --shard '%s'", argv[i]);
        } else return cli_usage_error("synth", "unknown option or missing value '%s'", a);
    }
    if (threads > 0) omp_set_num_threads(threads);
    if (verify) return run_verify(verify, sh_i, sh_n, json);
    if (!out_dir) return cli_usage_error("synth", "no output directory (-o DIR)");
    if (!fam_dir[0]) default_families_dir(fam_dir, sizeof fam_dir);

    sl_err err;
    memset(&err, 0, sizeof err);
    synth_set set;
    if (synth_set_load(&set, fam_dir, fam_list, &err)) {
        if (err.file[0]) cli_print_err(&err);
        else fprintf(stderr, "steplm synth: error: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (mkdir(out_dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "steplm synth: error: cannot create %s: %s\n", out_dir, strerror(errno));
        synth_set_release(&set);
        return CLI_FAIL;
    }
    synth_opts o;
    synth_opts_default(&o);
    o.seed = seed;
    o.n_captions = n_caps;
    o.max_redraws = max_redraws;

    long n_mine = 0;
    for (long i = 0; i < n; i++) if ((unsigned long)i % sh_n == sh_i) n_mine++;
    slot *slots = calloc((size_t)(n_mine ? n_mine : 1), sizeof *slots);
    if (!slots) { synth_set_release(&set); return CLI_FAIL; }
    double t0 = sl_time_sec();
    size_t done = 0;
    #pragma omp parallel for schedule(dynamic, 1)
    for (long j = 0; j < n_mine; j++) {
        long idx = (long)sh_i + j * (long)sh_n;
        slot *s = &slots[j];
        s->fam = (size_t)idx % set.n;
        char id[96], dir[4096], path[4200];
        synth_instance_id(&set, idx, id, sizeof id);
        snprintf(dir, sizeof dir, "%s/%s", out_dir, id);
        snprintf(path, sizeof path, "%s/meta.json", dir);
        sl_err e;
        memset(&e, 0, sizeof e);
        char *old = NULL;
        size_t n_old = 0;
        if (access(path, R_OK) == 0 && sl_file_read(path, &old, &n_old, 0, &e) == SL_OK && n_old > 2) {
            while (n_old && (old[n_old - 1] == '\n' || old[n_old - 1] == '\r')) old[--n_old] = 0;
            s->meta = old;
            s->skipped = 1;
            meta_split(old, s->split, sizeof s->split);
        } else {
            free(old);
            synth_instance in;
            synth_instance_init(&in);
            sl_status st = synth_make(&set, idx, &o, &in, &e);
            if (!st && mkdir(dir, 0777) && errno != EEXIST)
                st = sl_err_set(&e, SL_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
            if (!st) {
                sl_buf nl;
                sl_buf_init(&nl);
                sl_buf_append(&nl, in.meta.data, in.meta.len);
                sl_buf_putc(&nl, '\n');
                if (write_file(dir, "part.lua", &in.program, &e) || write_file(dir, "part.step", &in.step, &e) ||
                    write_file(dir, "meta.json", &nl, &e))
                    st = e.status ? e.status : SL_ERR_IO;
                sl_buf_release(&nl);
            }
            if (st) {
                char buf[1200];
                sl_err_format(&e, buf, sizeof buf);
                /* keep the failing program for inspection: DIR/failed/<id>.lua */
                if (in.program.len) {
                    char fdir[4200];
                    snprintf(fdir, sizeof fdir, "%s/failed", out_dir);
                    if (!mkdir(fdir, 0777) || errno == EEXIST) {
                        char fname[200];
                        snprintf(fname, sizeof fname, "%s.lua", id);
                        sl_err e2;
                        write_file(fdir, fname, &in.program, &e2);
                    }
                }
                char full[1400];
                snprintf(full, sizeof full, "%s: %s", id, buf);
                s->error = dup_str(full);
            } else {
                s->meta = dup_str(in.meta.data);
                snprintf(s->split, sizeof s->split, "%s", in.split);
                s->redraws = in.redraws;
                if (in.redraws) {
                    char why[400];
                    snprintf(why, sizeof why, "%s: %s", id, in.first_failure);
                    s->redraw_why = dup_str(why);
                }
            }
            synth_instance_release(&in);
        }
        #pragma omp critical
        { done++; cli_progress("synth", done, (size_t)n_mine, t0); }
    }
    double dt = sl_time_sec() - t0;

    /* manifest in index order */
    sl_buf man;
    sl_buf_init(&man);
    long n_ok = 0, n_skip = 0, n_fail = 0, n_train = 0, n_val = 0, n_test = 0, n_redrawn = 0;
    long *fam_ok = calloc(set.n, sizeof *fam_ok), *fam_fail = calloc(set.n, sizeof *fam_fail);
    for (long j = 0; j < n_mine; j++) {
        slot *s = &slots[j];
        if (s->meta) {
            sl_buf_puts(&man, s->meta);
            sl_buf_putc(&man, '\n');
            n_ok++;
            n_skip += s->skipped;
            if (!strcmp(s->split, "train")) n_train++;
            else if (!strcmp(s->split, "val")) n_val++;
            else if (!strcmp(s->split, "test")) n_test++;
            if (fam_ok) fam_ok[s->fam]++;
        } else {
            if (n_fail < 20) fprintf(stderr, "steplm synth: error: %s\n", s->error ? s->error : "failed");
            n_fail++;
            if (fam_fail) fam_fail[s->fam]++;
        }
        if (s->redraws) {
            if (n_redrawn < 10) fprintf(stderr, "steplm synth: note: redrawn after a kernel failure: %s\n", s->redraw_why);
            n_redrawn++;
        }
        free(s->meta);
        free(s->error);
        free(s->redraw_why);
    }
    free(slots);
    char mpath[4200];
    if (sh_n > 1) snprintf(mpath, sizeof mpath, "%s/manifest-%uof%u.jsonl", out_dir, sh_i, sh_n);
    else snprintf(mpath, sizeof mpath, "%s/manifest.jsonl", out_dir);
    int rc = n_fail ? CLI_FAIL : CLI_OK;
    if (sl_file_write_atomic(mpath, man.data ? man.data : "", man.len, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
    sl_buf_release(&man);
    long n_made = n_ok - n_skip;
    if (json) {
        printf("{\"instances\":%ld,\"made\":%ld,\"skipped\":%ld,\"failed\":%ld,\"redrawn\":%ld,\"train\":%ld,\"val\":%ld,"
               "\"test\":%ld,\"seconds\":%.2f,\"threads\":%d,\"families\":{",
               n_mine, n_made, n_skip, n_fail, n_redrawn, n_train, n_val, n_test, dt, omp_get_max_threads());
        for (size_t f = 0; f < set.n; f++)
            printf("%s\"%s\":{\"ok\":%ld,\"failed\":%ld}", f ? "," : "", set.fams[f].name, fam_ok ? fam_ok[f] : 0,
                   fam_fail ? fam_fail[f] : 0);
        printf("},\"manifest\":\"%s\"}\n", mpath);
    } else {
        printf("synth: %ld instances of %zu families in %s: %ld made, %ld already there, %ld failed\n", n_mine, set.n,
               out_dir, n_made, n_skip, n_fail);
        printf("split: %ld train, %ld val, %ld test\n", n_train, n_val, n_test);
        printf("redrawn after a kernel failure: %ld (the meta.json of each says \"redraws\")\n", n_redrawn);
        printf("time: %.1f s on %d threads (%.1f instances/s)\n", dt, omp_get_max_threads(),
               dt > 0 ? (double)n_made / dt : 0.0);
        for (size_t f = 0; f < set.n; f++)
            if (fam_fail && fam_fail[f])
                printf("  %s: %ld ok, %ld failed\n", set.fams[f].name, fam_ok ? fam_ok[f] : 0, fam_fail[f]);
        printf("wrote %s\n", mpath);
    }
    free(fam_ok);
    free(fam_fail);
    synth_set_release(&set);
    return rc;
}

const struct cli_cmd steplm_cmd_synth = {"synth", "make a corpus of captioned parts from part families", run};
