/* build.c - the dataset loop: split, index, pair, format, emit (data.h).
 * Everything before (reading captions and STEP files, rounding, reserializing,
 * token budgets) belongs to the caller; this is the part that must be leak-free
 * and deterministic. Records are formatted in parallel, chunk by chunk, and
 * emitted in sample order, so the output does not depend on the thread count. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/data.h"

void data_build_cfg_init(data_build_cfg *c) {
    memset(c, 0, sizeof *c);
    data_split_cfg_init(&c->split);
    data_pair_cfg_init(&c->pair);
    c->dim = 256;
}

sl_status data_build_records(const data_sample *samples, size_t n, const data_build_cfg *cfg_in,
                             data_emit_fn emit, void *emit_ctx, data_build_stats *stats,
                             sl_err *err) {
    data_build_cfg cfg;
    if (cfg_in) cfg = *cfg_in;
    else data_build_cfg_init(&cfg);
    data_build_stats st_local;
    if (!stats) stats = &st_local;
    memset(stats, 0, sizeof *stats);
    const char **ids = malloc((n + 1) * sizeof *ids), **caps = malloc((n + 1) * sizeof *caps);
    uint8_t *split = malloc(n + 1);
    long *ret = malloc((n + 1) * sizeof *ret);
    retrieval_index *idx = NULL;
    sl_status st = SL_OK;
    if (!ids || !caps || !split || !ret) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < n; i++) {
        ids[i] = samples[i].id;
        caps[i] = samples[i].caption ? samples[i].caption : "";
    }
    st = data_split_assign(ids, caps, n, &cfg.split, split, err);
    if (st) goto done;
    double t0 = sl_time_sec();
    retrieval_build_opts bo;
    retrieval_build_opts_init(&bo);
    bo.kinds = cfg.pair.kind ? cfg.pair.kind : RETRIEVAL_KIND_BM25;
    bo.dim = cfg.dim;
    bo.embed = cfg.pair.embed;
    bo.embed_ctx = cfg.pair.embed_ctx;
    bo.embed_name = cfg.embed_name;
    retrieval_builder *b = retrieval_builder_new(&bo);
    if (!b) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < n && !st; i++)
        st = retrieval_builder_add(b, ids[i], caps[i], split[i], &samples[i].meta, err);
    if (st) { retrieval_builder_free(b); goto done; }
    st = retrieval_builder_finish(b, &idx, err);
    if (st) goto done;
    stats->seconds_index = sl_time_sec() - t0;
    t0 = sl_time_sec();
    st = data_pair_retrieve(idx, &cfg.pair, ret, err);
    if (st) goto done;
    stats->seconds_pair = sl_time_sec() - t0;
    t0 = sl_time_sec();
    /* format chunk by chunk in parallel, emit in order */
    const size_t chunk = 256;
    sl_buf *bufs = calloc(chunk, sizeof *bufs);
    if (!bufs) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t c0 = 0; c0 < n && !st; c0 += chunk) {
        size_t c1 = c0 + chunk < n ? c0 + chunk : n;
        int nomem = 0;
        #pragma omp parallel for schedule(dynamic, 4) reduction(|:nomem)
        for (size_t i = c0; i < c1; i++) {
            sl_buf *bb = &bufs[i - c0];
            sl_buf_clear(bb);
            const data_sample *s = &samples[i];
            data_record r;
            memset(&r, 0, sizeof r);
            r.id = s->id;
            r.caption = caps[i];
            r.split = split[i];
            if (ret[i] >= 0) {
                const data_sample *q = &samples[ret[i]];
                r.retrieved_id = q->id;
                r.retrieved_caption = caps[ret[i]];
                r.retrieved_step = q->step ? q->step : "";
            }
            r.step = s->step;
            r.program = s->program;
            r.nurbs_json = s->nurbs_json;
            r.graph = s->graph;
            nomem |= data_record_write_jsonl(bb, &r) != SL_OK;
        }
        if (nomem) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory formatting records"); break; }
        for (size_t i = c0; i < c1; i++) {
            if (emit && emit(emit_ctx, split[i], bufs[i - c0].data, bufs[i - c0].len)) {
                st = sl_err_set(err, SL_ERR_IO, "writing the record of '%s' failed", ids[i]);
                break;
            }
            stats->n[split[i] <= 2 ? split[i] : 0]++;
            if (ret[i] < 0) stats->n_unpaired++;
            else if (retrieval_index_caption_hash_at(idx, (size_t)ret[i]) ==
                     retrieval_index_caption_hash_at(idx, i))
                stats->n_twin++;
        }
    }
    for (size_t i = 0; i < chunk; i++) sl_buf_release(&bufs[i]);
    free(bufs);
    stats->seconds_write = sl_time_sec() - t0;
done:
    retrieval_index_free(idx);
    free(ids);
    free(caps);
    free(split);
    free(ret);
    return st;
}
