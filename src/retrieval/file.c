/* file.c - one-file storage of a caption index, loaded with mmap.
 *
 * Layout (little-endian, host float format):
 *   [0, 256)     header: magic "STEPLMRI", version, sizes, counts, the payload
 *                checksum and, last, a checksum of the header itself
 *   [256, ...)   section table: n_sections x {u32 tag, u32 elem_size, u64 offset, u64 size}
 *   sections     each 64-byte aligned, in tag order; see enum sec below
 * The payload checksum covers every byte after the header (in 1 MiB chunks,
 * hashed in parallel and combined in order). Loading always checks the header,
 * the table, every section's size against the counts, and every structural
 * array (offsets, slots, postings) so that a damaged file cannot make a query
 * read out of bounds; verify=1 also checks the payload checksum. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retrieval_internal.h"

#define RI_MAGIC "STEPLMRI"
#define RI_VERSION 1u
#define RI_HEADER 256u
#define RI_ALIGN 64u
#define RI_ENDIAN 0x01020304u

typedef struct ri_header {
    char magic[8];
    uint32_t version, header_size;
    uint64_t file_size;
    uint64_t n;
    uint32_t kinds, dim;
    char embed_name[64];
    float k1, b, avgdl;
    uint32_t n_sections;
    uint64_t n_terms, n_id_slots, n_term_slots, n_post;
    uint64_t payload_hash;
    uint32_t endian, meta_size;
    uint32_t norm_version;     /* caption normalisation + BM25 term rule (RETR_NORM_VERSION) */
    uint8_t reserved[76];
    uint64_t header_hash;      /* of the 248 bytes before it */
} ri_header;
_Static_assert(sizeof(ri_header) == RI_HEADER, "index header must be 256 bytes");

typedef struct ri_section { uint32_t tag, elem_size; uint64_t offset, size; } ri_section;
_Static_assert(sizeof(ri_section) == 24, "section entry must be 24 bytes");

enum sec {
    SEC_ID_OFF = 1, SEC_ID_POOL, SEC_CAP_OFF, SEC_CAP_POOL, SEC_SPLIT, SEC_CAP_HASH, SEC_META,
    SEC_ID_SLOTS, SEC_TERM_OFF, SEC_TERM_POOL, SEC_POST_OFF, SEC_POST, SEC_DOC_LEN,
    SEC_TERM_SLOTS, SEC_VEC, SEC_QVEC, SEC_QSCALE, SEC_MAX
};

void retr_unmap(void *p, size_t n) { munmap(p, n); }

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* word-at-a-time hash of one chunk */
static uint64_t chunk_hash(const unsigned char *p, size_t n, uint64_t seed) {
    uint64_t h = retr_mix64(seed ^ n);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = rotl(h ^ (w * 0x87C37B91114253D5ull), 31) * 0x4CF5AD432745937Full;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return retr_mix64(h);
}

static uint64_t payload_hash(const unsigned char *p, size_t n) {
    const size_t chunk = (size_t)1 << 20;
    size_t n_chunks = (n + chunk - 1) / chunk;
    uint64_t *hs = malloc((n_chunks ? n_chunks : 1) * sizeof *hs);
    if (!hs) return 0;
    #pragma omp parallel for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
        size_t lo = c * chunk, len = lo + chunk < n ? chunk : n - lo;
        hs[c] = chunk_hash(p + lo, len, c);
    }
    uint64_t h = retr_mix64(n);
    for (size_t c = 0; c < n_chunks; c++) h = retr_mix64(h ^ hs[c]) + c;
    free(hs);
    return h;
}

typedef struct sec_src { uint32_t tag, elem; const void *p; uint64_t size; } sec_src;

static int collect_sections(const retrieval_index *idx, sec_src *s) {
    int n = 0;
    uint64_t nn = idx->n;
#define ADD(t, e, ptr, sz) (s[n++] = (sec_src){(t), (e), (ptr), (sz)})
    ADD(SEC_ID_OFF, 8, idx->id_off, (nn + 1) * 8);
    ADD(SEC_ID_POOL, 1, idx->id_pool, idx->id_off[nn]);
    ADD(SEC_CAP_OFF, 8, idx->cap_off, (nn + 1) * 8);
    ADD(SEC_CAP_POOL, 1, idx->cap_pool, idx->cap_off[nn]);
    ADD(SEC_SPLIT, 1, idx->split, nn);
    ADD(SEC_CAP_HASH, 8, idx->cap_hash, nn * 8);
    ADD(SEC_META, sizeof(retrieval_meta), idx->meta, nn * sizeof(retrieval_meta));
    ADD(SEC_ID_SLOTS, 4, idx->id_slots, idx->n_id_slots * 4);
    if (idx->kinds & RETRIEVAL_KIND_BM25) {
        ADD(SEC_TERM_OFF, 8, idx->term_off, (idx->n_terms + 1) * 8);
        ADD(SEC_TERM_POOL, 1, idx->term_pool, idx->term_off[idx->n_terms]);
        ADD(SEC_POST_OFF, 8, idx->post_off, (idx->n_terms + 1) * 8);
        ADD(SEC_POST, sizeof(retr_post), idx->post, idx->post_off[idx->n_terms] * sizeof(retr_post));
        ADD(SEC_DOC_LEN, 4, idx->doc_len, nn * 4);
        ADD(SEC_TERM_SLOTS, 4, idx->term_slots, idx->n_term_slots * 4);
    }
    if (idx->kinds & RETRIEVAL_KIND_DENSE) ADD(SEC_VEC, 4, idx->vec, nn * idx->dim * 4);
    if (idx->kinds & RETRIEVAL_KIND_DENSE_Q8) {
        ADD(SEC_QVEC, 1, idx->qvec, nn * idx->dim);
        ADD(SEC_QSCALE, 4, idx->qscale, nn * 4);
    }
#undef ADD
    return n;
}

static uint64_t align_up(uint64_t x) { return (x + RI_ALIGN - 1) / RI_ALIGN * RI_ALIGN; }

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

sl_status retrieval_index_save(const retrieval_index *idx, const char *path, sl_err *err) {
    sec_src src[SEC_MAX];
    int n_sec = collect_sections(idx, src);
    ri_section table[SEC_MAX];
    uint64_t off = align_up(RI_HEADER + (uint64_t)n_sec * sizeof(ri_section));
    for (int i = 0; i < n_sec; i++) {
        table[i] = (ri_section){src[i].tag, src[i].elem, off, src[i].size};
        off = align_up(off + src[i].size);
    }
    ri_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, RI_MAGIC, 8);
    h.version = RI_VERSION;
    h.header_size = RI_HEADER;
    h.file_size = off;
    h.n = idx->n;
    h.kinds = idx->kinds;
    h.dim = idx->dim;
    memcpy(h.embed_name, idx->embed_name, sizeof h.embed_name);
    h.k1 = idx->k1; h.b = idx->b; h.avgdl = idx->avgdl;
    h.n_sections = (uint32_t)n_sec;
    h.n_terms = idx->n_terms;
    h.n_id_slots = idx->n_id_slots;
    h.n_term_slots = idx->n_term_slots;
    h.n_post = (idx->kinds & RETRIEVAL_KIND_BM25) ? idx->post_off[idx->n_terms] : 0;
    h.endian = RI_ENDIAN;
    h.meta_size = sizeof(retrieval_meta);
    h.norm_version = RETR_NORM_VERSION;

    size_t lp = strlen(path);
    char *tmp = malloc(lp + 16);
    if (!tmp) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    snprintf(tmp, lp + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        sl_err_set(err, SL_ERR_IO, "cannot create a temporary file next to '%s': %s", path,
                   strerror(errno));
        free(tmp);
        return SL_ERR_IO;
    }
    static const char zeros[RI_ALIGN];
    int bad = write_all(fd, &h, sizeof h) || write_all(fd, table, (size_t)n_sec * sizeof *table);
    uint64_t pos = RI_HEADER + (uint64_t)n_sec * sizeof(ri_section);
    for (int i = 0; i < n_sec && !bad; i++) {
        if (table[i].offset > pos) bad |= write_all(fd, zeros, table[i].offset - pos);
        if (src[i].size) bad |= write_all(fd, src[i].p, src[i].size);
        pos = table[i].offset + src[i].size;
    }
    if (!bad && h.file_size > pos) bad |= write_all(fd, zeros, h.file_size - pos);
    if (!bad) {
        unsigned char *m = mmap(NULL, h.file_size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            bad = 1;
        } else {
            h.payload_hash = payload_hash(m + RI_HEADER, h.file_size - RI_HEADER);
            munmap(m, h.file_size);
            h.header_hash = retr_hash_bytes(&h, offsetof(ri_header, header_hash), 0xEAD);
            bad = pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h;
        }
    }
    if (!bad) bad = fchmod(fd, 0644) != 0;   /* mkstemp makes 0600; an index is data to share */
    if (!bad) bad = fsync(fd) != 0;
    if (close(fd) != 0) bad = 1;
    if (!bad) bad = rename(tmp, path) != 0;
    if (bad) {
        sl_err_set(err, SL_ERR_IO, "cannot write index '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return SL_ERR_IO;
    }
    free(tmp);
    return SL_OK;
}

/* ---- load ------------------------------------------------------------------- */
static sl_status bad_file(sl_err *err, const char *path, sl_status st, const char *detail) {
    if (err) {
        memset(err, 0, sizeof *err);
        snprintf(err->file, sizeof err->file, "%s", path);
    }
    return sl_err_set(err, st, "%s", detail);
}

static int check_offsets(const uint64_t *off, uint64_t n, uint64_t pool_size, const char *pool) {
    if (off[0] != 0 || off[n] != pool_size) return 0;
    for (uint64_t i = 0; i < n; i++) {
        if (off[i + 1] <= off[i] || off[i + 1] > pool_size) return 0;   /* each has its NUL */
        if (pool[off[i + 1] - 1] != 0) return 0;
    }
    return 1;
}

static int check_slots(const uint32_t *s, uint64_t n_slots, uint64_t n_items) {
    if (n_slots == 0 || (n_slots & (n_slots - 1))) return 0;
    uint64_t used = 0;
    for (uint64_t i = 0; i < n_slots; i++) {
        if (s[i] > n_items) return 0;
        used += s[i] != 0;
    }
    return used == n_items && used < n_slots;
}

sl_status retrieval_index_load(const char *path, int verify, retrieval_index **out, sl_err *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (err) {
            memset(err, 0, sizeof *err);
            snprintf(err->file, sizeof err->file, "%s", path);
        }
        return sl_err_set(err, SL_ERR_IO, "cannot open index: %s", strerror(errno));
    }
    struct stat stt;
    if (fstat(fd, &stt) != 0) {
        close(fd);
        return bad_file(err, path, SL_ERR_IO, "cannot stat index");
    }
    uint64_t size = (uint64_t)stt.st_size;
    if (size < RI_HEADER) {
        close(fd);
        return bad_file(err, path, SL_ERR_INVALID,
                        "not a steplm index, or truncated (file shorter than its header)");
    }
    unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return bad_file(err, path, SL_ERR_IO, "cannot map index");
    ri_header h;
    memcpy(&h, m, sizeof h);
    sl_status st = SL_ERR_INVALID;
    char detail[160];
    retrieval_index *idx = NULL;
#define FAIL(...) do { snprintf(detail, sizeof detail, __VA_ARGS__); goto fail; } while (0)
    if (memcmp(h.magic, RI_MAGIC, 8)) FAIL("not a steplm index (bad magic)");
    if (h.endian != RI_ENDIAN) FAIL("index written on a machine of other byte order");
    if (h.version != RI_VERSION) FAIL("index format version %u, this build reads version %u",
                                      h.version, RI_VERSION);
    if (h.header_hash != retr_hash_bytes(&h, offsetof(ri_header, header_hash), 0xEAD))
        FAIL("corrupt index header (checksum mismatch)");
    if (h.file_size != size)
        FAIL("truncated or extended index: header says %llu bytes, file has %llu",
             (unsigned long long)h.file_size, (unsigned long long)size);
    if (h.meta_size != sizeof(retrieval_meta) || h.header_size != RI_HEADER)
        FAIL("index layout differs from this build");
    if (h.norm_version != RETR_NORM_VERSION)
        FAIL("index built with caption normalisation v%u, this build uses v%u: rebuild the index",
             h.norm_version, RETR_NORM_VERSION);
    if (h.n >= UINT32_MAX || h.n_sections > SEC_MAX || h.dim > 65536 ||
        (h.kinds & ~7u) || ((h.kinds & 6u) && h.dim == 0) || h.n_terms >= UINT32_MAX ||
        h.embed_name[63] != 0 || h.n_id_slots > size || h.n_term_slots > size ||
        h.n_post > size || h.n_terms > size)   /* bounds keep the size products below 2^64 */
        FAIL("corrupt index header (bad counts)");
    if (verify && payload_hash(m + RI_HEADER, size - RI_HEADER) != h.payload_hash)
        FAIL("corrupt index (payload checksum mismatch)");
    idx = calloc(1, sizeof *idx);
    if (!idx) { munmap(m, size); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    idx->map = m;
    idx->map_len = size;
    idx->n = h.n;
    idx->kinds = h.kinds;
    idx->dim = (h.kinds & 6u) ? h.dim : 0;
    memcpy(idx->embed_name, h.embed_name, sizeof idx->embed_name);
    idx->k1 = h.k1; idx->b = h.b; idx->avgdl = h.avgdl;
    idx->n_terms = h.n_terms;
    idx->n_id_slots = h.n_id_slots;
    idx->n_term_slots = h.n_term_slots;
    {
        const void *ptr[SEC_MAX] = {0};
        uint64_t sz[SEC_MAX] = {0};
        uint64_t table_end = RI_HEADER + (uint64_t)h.n_sections * sizeof(ri_section);
        if (table_end > size) FAIL("truncated section table");
        for (uint32_t i = 0; i < h.n_sections; i++) {
            ri_section s;
            memcpy(&s, m + RI_HEADER + i * sizeof s, sizeof s);
            if (s.tag == 0 || s.tag >= SEC_MAX || ptr[s.tag] || s.offset % RI_ALIGN ||
                s.offset < table_end || s.offset > size || s.size > size - s.offset)
                FAIL("corrupt section table (entry %u)", i);
            ptr[s.tag] = m + s.offset;
            sz[s.tag] = s.size;
        }
        uint64_t n = h.n, es = sizeof(retrieval_meta);
        uint64_t need[SEC_MAX] = {0};
        need[SEC_ID_OFF] = (n + 1) * 8; need[SEC_CAP_OFF] = (n + 1) * 8;
        need[SEC_SPLIT] = n; need[SEC_CAP_HASH] = n * 8; need[SEC_META] = n * es;
        need[SEC_ID_SLOTS] = h.n_id_slots * 4;
        int base[] = {SEC_ID_OFF, SEC_ID_POOL, SEC_CAP_OFF, SEC_CAP_POOL, SEC_SPLIT, SEC_CAP_HASH,
                      SEC_META, SEC_ID_SLOTS};
        for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
            if (!ptr[base[i]]) FAIL("index lacks section %d", base[i]);
        if (h.kinds & RETRIEVAL_KIND_BM25) {
            int bm[] = {SEC_TERM_OFF, SEC_TERM_POOL, SEC_POST_OFF, SEC_POST, SEC_DOC_LEN, SEC_TERM_SLOTS};
            for (size_t i = 0; i < sizeof bm / sizeof bm[0]; i++)
                if (!ptr[bm[i]]) FAIL("index lacks BM25 section %d", bm[i]);
            need[SEC_TERM_OFF] = need[SEC_POST_OFF] = (h.n_terms + 1) * 8;
            need[SEC_POST] = h.n_post * sizeof(retr_post);
            need[SEC_DOC_LEN] = n * 4;
            need[SEC_TERM_SLOTS] = h.n_term_slots * 4;
        }
        if (h.kinds & RETRIEVAL_KIND_DENSE) {
            if (!ptr[SEC_VEC]) FAIL("index lacks its vectors");
            need[SEC_VEC] = n * h.dim * 4;
        }
        if (h.kinds & RETRIEVAL_KIND_DENSE_Q8) {
            if (!ptr[SEC_QVEC] || !ptr[SEC_QSCALE]) FAIL("index lacks its int8 vectors");
            need[SEC_QVEC] = n * h.dim;
            need[SEC_QSCALE] = n * 4;
        }
        for (int t = 1; t < SEC_MAX; t++)
            if (need[t] && sz[t] != need[t])
                FAIL("corrupt index: section %d has %llu bytes, expected %llu", t,
                     (unsigned long long)sz[t], (unsigned long long)need[t]);
        idx->id_off = ptr[SEC_ID_OFF]; idx->id_pool = ptr[SEC_ID_POOL];
        idx->cap_off = ptr[SEC_CAP_OFF]; idx->cap_pool = ptr[SEC_CAP_POOL];
        idx->split = ptr[SEC_SPLIT]; idx->cap_hash = ptr[SEC_CAP_HASH]; idx->meta = ptr[SEC_META];
        idx->id_slots = ptr[SEC_ID_SLOTS];
        if (!check_offsets(idx->id_off, n, sz[SEC_ID_POOL], idx->id_pool) ||
            !check_offsets(idx->cap_off, n, sz[SEC_CAP_POOL], idx->cap_pool))
            FAIL("corrupt index: string offsets");
        if (!check_slots(idx->id_slots, h.n_id_slots, n)) FAIL("corrupt index: id table");
        for (uint64_t i = 0; i < n; i++)
            if (idx->split[i] > RETRIEVAL_SPLIT_NONE) FAIL("corrupt index: split tag");
        if (h.kinds & RETRIEVAL_KIND_BM25) {
            idx->term_off = ptr[SEC_TERM_OFF]; idx->term_pool = ptr[SEC_TERM_POOL];
            idx->post_off = ptr[SEC_POST_OFF]; idx->post = ptr[SEC_POST];
            idx->doc_len = ptr[SEC_DOC_LEN]; idx->term_slots = ptr[SEC_TERM_SLOTS];
            if (!check_offsets(idx->term_off, h.n_terms, sz[SEC_TERM_POOL], idx->term_pool))
                FAIL("corrupt index: term offsets");
            if (!check_slots(idx->term_slots, h.n_term_slots, h.n_terms)) FAIL("corrupt index: term table");
            if (idx->post_off[0] != 0 || idx->post_off[h.n_terms] != h.n_post)
                FAIL("corrupt index: posting offsets");
            for (uint64_t t = 0; t < h.n_terms; t++)
                if (idx->post_off[t + 1] < idx->post_off[t]) FAIL("corrupt index: posting offsets");
            for (uint64_t p = 0; p < h.n_post; p++)
                if (idx->post[p].doc >= n || idx->post[p].tf == 0) FAIL("corrupt index: postings");
        }
        if (h.kinds & RETRIEVAL_KIND_DENSE) idx->vec = ptr[SEC_VEC];
        if (h.kinds & RETRIEVAL_KIND_DENSE_Q8) {
            idx->qvec = ptr[SEC_QVEC];
            idx->qscale = ptr[SEC_QSCALE];
        }
    }
#undef FAIL
    *out = idx;
    return SL_OK;
fail:
    if (idx) retrieval_index_free(idx);   /* unmaps */
    else munmap(m, size);
    st = bad_file(err, path, SL_ERR_INVALID, detail);
    return st;
}
