/* reserial_round.c - rounding of REAL values in the DATA section, on parsed
 * numbers (see steplm/reserial.h for the rules and the canonical spelling). */
#include "steplm/reserial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strip trailing zeros after the '.', keeping one digit; returns new length. */
static size_t strip_zeros(char *s, size_t n) {
    char *dot = memchr(s, '.', n);
    if (!dot) { s[n++] = '.'; s[n++] = '0'; s[n] = 0; return n; }
    if (dot == s + n - 1) { s[n++] = '0'; s[n] = 0; return n; }
    while (n > (size_t)(dot - s) + 2 && s[n - 1] == '0') n--;
    s[n] = 0;
    return n;
}

/* Fast path: decimal rounding of the text [sign] digits '.' digits, without a
 * strtod/printf round trip. It gives the same result as rounding the binary value
 * (the documented rule) whenever the text cannot straddle a rounding boundary
 * after conversion: with D integer digits and F fraction digits (trailing zeros
 * removed), |value| < 10^D and the conversion error is below 10^D * 1.2e-16, while a
 * text that is not itself a tie lies at least 10^-max(F, N+1) from one; so
 * D + max(F, N+1) <= 15 suffices. Exact ties (F == N+1, last digit 5) go the slow
 * way, where printf decides by the binary value. Writes the rounded magnitude as
 * int digits (none for 0.x) '.' N digits into out; returns its length, 0 when the
 * slow path must be used. *neg gets the sign, *zero whether every digit is 0. */
static size_t fast_round(const char *t, size_t len, int decimals, char *out, size_t n_out, int *neg, int *zero) {
    size_t i = 0;
    *neg = 0;
    if (i < len && (t[i] == '+' || t[i] == '-')) { *neg = t[i] == '-'; i++; }
    size_t is = i;
    while (i < len && t[i] >= '0' && t[i] <= '9') i++;
    size_t ie = i;
    if (ie == is || i >= len || t[i] != '.') return 0;
    i++;
    size_t fs = i;
    while (i < len && t[i] >= '0' && t[i] <= '9') i++;
    if (i != len) return 0;                         /* exponent: slow path */
    size_t fe = i;
    while (is < ie && t[is] == '0') is++;           /* leading zeros */
    while (fe > fs && t[fe - 1] == '0') fe--;       /* trailing zeros */
    size_t D = ie - is, F = fe - fs, N = (size_t)decimals;
    if (D == 0 && F > N + 1) {                      /* |x| < 10^-(N+1): rounds to zero, binary value too */
        int small = 1;
        for (size_t k = 0; k <= N && small; k++) small = t[fs + k] == '0';
        if (small) {
            if (N + 3 > n_out) return 0;
            out[0] = '.';
            for (size_t k = 0; k < N; k++) out[1 + k] = '0';
            out[N + 1] = 0;
            *zero = 1;
            return N + 1;
        }
    }
    if (D + (F > N + 1 ? F : N + 1) > 15) return 0;
    if (F == N + 1 && t[fs + N] == '5') return 0;   /* exact tie */
    if (D + 1 + N + 2 > n_out) return 0;
    /* digits: one spare leading digit for a carry, then int digits, then N fraction digits */
    char *d = out;
    size_t nd = 0;
    d[nd++] = '0';
    for (size_t k = is; k < ie; k++) d[nd++] = t[k];
    for (size_t k = 0; k < N; k++) d[nd++] = fs + k < fe ? t[fs + k] : '0';
    if (F > N && t[fs + N] >= '5') {                /* round up (a 5 here is followed by more digits) */
        size_t k = nd;
        while (k > 0) {
            k--;
            if (d[k] == '9') d[k] = '0';
            else { d[k]++; break; }
        }
    }
    *zero = 1;
    for (size_t k = 0; k < nd; k++) if (d[k] != '0') { *zero = 0; break; }
    /* drop the spare digit when unused, insert the point */
    size_t ni = nd - N;                              /* int digits incl. the spare */
    size_t start = d[0] == '0' ? 1 : 0;
    memmove(d, d + start, nd - start);
    nd -= start;
    ni -= start;
    memmove(d + ni + 1, d + ni, nd - ni);
    d[ni] = '.';
    nd++;
    d[nd] = 0;
    return nd;
}

size_t reserial_round_real(const char *text, size_t len, int decimals, reserial_round_style style,
                           int measure, char *out, size_t n_out) {
    if (len == 0 || len >= 4000 || n_out < 64 || decimals < 0 || decimals > RESERIAL_MAX_DECIMALS) return 0;
    char buf[4096];
    memcpy(buf, text, len);
    buf[len] = 0;
    if (style == RESERIAL_ROUND_STEPLLM) {
        /* [sign] digits '.' digits+ [E [sign] digits]: mantissa to %.Nf, rest copied */
        size_t i = 0;
        if (buf[i] == '+' || buf[i] == '-') i++;
        size_t ds = i;
        while (buf[i] >= '0' && buf[i] <= '9') i++;
        if (i == ds || buf[i] != '.') return 0;
        i++;
        size_t fs = i;
        while (buf[i] >= '0' && buf[i] <= '9') i++;
        if (i == fs) return 0;                 /* "2." and "3.E-05" are left alone */
        if (buf[i] && buf[i] != 'E') return 0; /* lower-case e: no match */
        char num[512];
        int k;
        int fneg, fzero;
        size_t fl = fast_round(buf + ds, i - ds, decimals, num + 1, sizeof num - 2, &fneg, &fzero);
        if (fl) {                                    /* "%.Nf" of the magnitude: int part "0" when empty */
            if (num[1] == '.') { num[0] = '0'; memmove(num, num, fl + 1); k = (int)fl + 1; }
            else { memmove(num, num + 1, fl + 1); k = (int)fl; }
            if (decimals == 0) k--;                  /* "%.0f" has no point */
            num[k] = 0;
        } else {
            char save = buf[i];
            buf[i] = 0;
            double m = strtod(buf + ds, NULL);
            buf[i] = save;
            k = snprintf(num, sizeof num, "%.*f", decimals, m);
        }
        if (k <= 0 || (size_t)k >= sizeof num) return 0;
        size_t need = ds + (size_t)k + (len - i) + 1;
        if (need > n_out) return 0;
        memcpy(out, buf, ds);
        memcpy(out + ds, num, (size_t)k);
        memcpy(out + ds + (size_t)k, buf + i, len - i);
        out[need - 1] = 0;
        return need - 1;
    }
    {
        /* an exponent form is first spelled out as a plain decimal (same value),
         * when that stays short */
        char plain[160];
        const char *src = buf;
        size_t slen = len;
        const char *ep = memchr(buf, 'E', len);
        if (!ep) ep = memchr(buf, 'e', len);
        if (ep) {
            slen = 0;
            char *endp;
            long ex = strtol(ep + 1, &endp, 10);
            size_t i = 0;
            int neg = 0;
            if (buf[i] == '+' || buf[i] == '-') { neg = buf[i] == '-'; i++; }
            char dig[64];
            size_t nd = 0, ni = 0;
            for (; buf + i < ep && buf[i] != '.'; i++) if (nd < sizeof dig) { dig[nd++] = buf[i]; ni++; }
            if (buf + i < ep && buf[i] == '.') i++;
            for (; buf + i < ep; i++) if (nd < sizeof dig) dig[nd++] = buf[i];
            long pt = (long)ni + ex;               /* digits before the point */
            if (endp == buf + len && nd < sizeof dig && ex > -40 && ex < 40) {
                if (neg) plain[slen++] = '-';
                if (pt <= 0) {
                    plain[slen++] = '0';
                    plain[slen++] = '.';
                    for (long z = 0; z < -pt; z++) plain[slen++] = '0';
                    memcpy(plain + slen, dig, nd);
                    slen += nd;
                } else if ((size_t)pt >= nd) {
                    memcpy(plain + slen, dig, nd);
                    slen += nd;
                    for (long z = 0; z < pt - (long)nd; z++) plain[slen++] = '0';
                    plain[slen++] = '.';
                } else {
                    memcpy(plain + slen, dig, (size_t)pt);
                    slen += (size_t)pt;
                    plain[slen++] = '.';
                    memcpy(plain + slen, dig + pt, nd - (size_t)pt);
                    slen += nd - (size_t)pt;
                }
                plain[slen] = 0;
                src = plain;
            } else slen = 0;
        }
        int fneg, fzero;
        char num[128];
        size_t fl = slen ? fast_round(src, slen, decimals, num + 2, sizeof num - 4, &fneg, &fzero) : 0;
        if (fl && fzero && measure) {               /* a nonzero measure keeps its digits: slow path */
            for (size_t i = 0; i < slen && fl; i++) if (src[i] >= '1' && src[i] <= '9') fl = 0;
        }
        if (fl) {
            if (fzero) { memcpy(out, "0.0", 4); return 3; }
            char *q = num + 2;
            if (q[0] == '.') { *--q = '0'; fl++; }      /* 0.x */
            size_t m = strip_zeros(q, fl);
            if (fneg) { *--q = '-'; m++; }
            memcpy(out, q, m + 1);
            return m;
        }
    }
    double x = strtod(buf, NULL);
    if (!isfinite(x)) return 0;
    double ax = fabs(x);
    char tmp[128];
    int m;
    int use_exp = ax >= 1e15;
    if (!use_exp) {
        m = snprintf(tmp, sizeof tmp, "%.*f", decimals, x);
        if (m <= 0 || (size_t)m >= sizeof tmp) return 0;
        size_t n = strip_zeros(tmp, (size_t)m);
        int zero = 1;
        for (size_t i = 0; i < n; i++)
            if (tmp[i] >= '1' && tmp[i] <= '9') { zero = 0; break; }
        if (zero) {
            if (measure && x != 0.0) use_exp = 1;
            else { memcpy(out, "0.0", 4); return 3; }
        } else {
            memcpy(out, tmp, n + 1);
            return n;
        }
    }
    /* exponent form, decimals significant digits (at least 2) */
    int prec = decimals > 1 ? decimals - 1 : 1;
    m = snprintf(tmp, sizeof tmp, "%.*E", prec, x);
    if (m <= 0 || (size_t)m >= sizeof tmp) return 0;
    char *e = strchr(tmp, 'E');
    if (!e) return 0;
    char expo[16];
    snprintf(expo, sizeof expo, "%s", e);
    size_t ml = (size_t)(e - tmp);
    while (ml > 0 && tmp[ml - 1] == '0' && tmp[ml - 2] != '.') ml--;
    size_t el = strlen(expo);
    memcpy(out, tmp, ml);
    memcpy(out + ml, expo, el + 1);
    return ml + el;
}

/* Iterative walk over the arguments of every DATA entity. */
sl_status reserial_round_doc(p21_doc *doc, int decimals, reserial_round_style style,
                             size_t *n_rewritten, sl_err *err) {
    if (decimals < 0 || decimals > RESERIAL_MAX_DECIMALS)
        return sl_err_set(err, SL_ERR_ARG, "decimals must be in 0..%d", RESERIAL_MAX_DECIMALS);
    size_t n_rw = 0;
    struct fr { p21_value *v; uint32_t n, i; int typed; } stack0[64], *st = stack0;
    size_t cap = 64;
    char out[128];
    for (size_t ei = 0; ei < p21_doc_n_entities(doc); ei++) {
        p21_entity *e = p21_doc_entity(doc, ei);
        for (uint32_t p = 0; p < e->n_parts; p++) {
            size_t sp = 0;
            st[sp++] = (struct fr){e->parts[p].args.u.items, e->parts[p].args.len, 0, 0};
            while (sp) {
                struct fr *f = &st[sp - 1];
                if (f->i == f->n) { sp--; continue; }
                uint32_t at = f->i++;
                p21_value *v = &f->v[at];
                if (v->kind == P21_REAL) {
                    int measure = f->typed && at == 1;
                    size_t k = reserial_round_real(v->u.text, v->len, decimals, style, measure, out, sizeof out);
                    if (k && (k != v->len || memcmp(out, v->u.text, k))) {
                        char *t = p21_doc_alloc(doc, k);
                        if (!t) {
                            if (st != stack0) free(st);
                            return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
                        }
                        memcpy(t, out, k);
                        v->u.text = t;
                        v->len = (uint32_t)k;
                        v->flags |= P21_VAL_REWRITTEN;
                        n_rw++;
                    }
                } else if (v->kind == P21_LIST || v->kind == P21_TYPED) {
                    if (sp == cap) {
                        size_t nc = cap * 2;
                        struct fr *ns = st == stack0 ? malloc(nc * sizeof *ns) : realloc(st, nc * sizeof *ns);
                        if (!ns) {
                            if (st != stack0) free(st);
                            return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
                        }
                        if (st == stack0) memcpy(ns, stack0, sizeof stack0);
                        st = ns;
                        cap = nc;
                    }
                    st[sp++] = (struct fr){v->u.items, v->len, 0, v->kind == P21_TYPED};
                }
            }
        }
    }
    if (st != stack0) free(st);
    if (n_rewritten) *n_rewritten = n_rw;
    return SL_OK;
}
