/*
 * cdist.h — the nearest of a few centres for many rows, the inner loop of
 * k-means.
 *
 * For a row x and centres c_0..c_{k-1} (d features each) the score of
 * centre j is
 *
 *     D_j = ||c_j||^2 - 2 x.c_j
 *
 * which differs from the squared distance ||x - c_j||^2 only by the row's
 * own norm, so its argmin is the nearest centre.  The centres are packed
 * once (cdist_pack) and then any number of rows — a contiguous run, or
 * rows picked by an index list — get their nearest centre (the lowest
 * score, the first such centre on ties), that score, and the runner-up
 * score (cdist_nearest).
 *
 * INVARIANT (what the k-means code relies on): every score is computed by
 * the same sequence of IEEE operations — acc = 0; acc = acc + x_l * c_jl
 * for l = 0..d-1 (a multiply, then an add: never a fused multiply-add);
 * D_j = ||c_j||^2 - 2 acc — and the centres are compared in the order
 * j = 0..k-1, whatever the row's position in the call, the number of rows,
 * the index list, the CPU's vector width or the thread.  So the same row
 * and centres always give bit-identical results, and two algorithms that
 * assign a row through this function make the same choice.  (The build's
 * -std=c11 turns floating-point contraction off; the vector lanes are
 * rows, never features.)
 *
 * The arithmetic error of a score is below (d + 2) u (||x|| + ||c_j||)^2,
 * u = 2^-53, and that of a squared distance formed as ||x||^2 (summed in
 * order) + score one more rounding; cdist_error_bound returns twice that.
 *
 * Speed: eight rows at a time (sixteen on the float path below) are
 * transposed in registers into a small buffer, eight centres'
 * accumulators stay in vector registers while the features are walked
 * once, the choice of centre is vectorised too, and rows ahead are
 * prefetched.  On x86-64 the code is compiled for AVX-512, AVX2 and SSE2
 * and picked when the library loads.  k = 8, d = 16 on one core of the
 * development machine, reading the rows from memory: ~7 ns a row (float
 * path ~6 ns), against ~18 ns for dgemm (whose packing of thin blocks
 * dominates) plus a scalar argmin.  Nothing is allocated; safe to call
 * from several threads, each with its own scratch.
 */
#ifndef LATHE_CDIST_H
#define LATHE_CDIST_H

#include <stddef.h>

/* Doubles needed for k centres of d features packed:
 * (d + 1) * 8 * ceil(k / 8). */
size_t cdist_packed_size(size_t k, size_t d);

/* Doubles of scratch one cdist_nearest call needs: 8 * d. */
size_t cdist_scratch_size(size_t d);

/* Packs the centres C (k x d, row-major) into cp (cdist_packed_size
 * doubles, caller-allocated) with their norms, and writes the norms
 * cnorm[j] = ||c_j||^2 (summed in order of l) for callers that need them
 * too. */
void cdist_pack(const double *C, size_t k, size_t d, double *cp, double *cnorm);

/* For n rows of X (row-major, d features) — the rows rows[r], or
 * row0 + r when rows is NULL — against the k >= 1 packed centres:
 * label[r] = the centre with the lowest score (the first on ties),
 * best[r] = that score, second[r] = the lowest score among the other
 * centres (+infinity when k == 1).  second may be NULL.  scratch holds
 * cdist_scratch_size(d) doubles.  Borrows everything for the call; the
 * outputs must not overlap the inputs. */
void cdist_nearest(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, int *label,
    double *best, double *second);

/* Every score instead of the choice: D[r * k + j] = the score of centre j
 * for row r (rows and row0 as above), computed exactly as cdist_nearest
 * computes it.  D (n x k) must not overlap the inputs. */
void cdist_scores(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, double *D);

/*
 * THE FLOAT PATH.  Rows stored as floats are scored in float arithmetic,
 * sixteen rows a vector: twice the rows per instruction and half the
 * memory.  The centres are packed rounded to float (cdist_pack_f32, norms
 * summed in float in order of l), and the scores follow the invariant
 * above in float (acc = acc + x_l * c_jl, D_j = norm_j - 2 acc); the
 * centre is chosen on them as above, and then the row's own squared norm
 * (summed in float in order of l) is added, so that the float path
 * returns squared distances, widened to double.  Each is within
 * cdist_f32_error of the exact squared distance between the double row
 * and the double centre, as long as cdist_f32_usable says the magnitudes
 * fit; a caller needing the exact choice checks that the runner-up is
 * farther than twice the sum of the two error bounds, and otherwise
 * scores the row with cdist_nearest.
 */

/* Floats needed for k centres packed for cdist_nearest_f32:
 * (d + 1) * 8 * ceil(k / 8). */
size_t cdist_packed_size_f32(size_t k, size_t d);

/* Packs the centres C (k x d, doubles) rounded to float into cp. */
void cdist_pack_f32(const double *C, size_t k, size_t d, float *cp);

/* cdist_nearest for float rows and float-packed centres; best and second
 * are squared distances (the float scores plus the row's float squared
 * norm), widened.  scratch: cdist_scratch_size(d) doubles. */
void cdist_nearest_f32(const float *X, size_t d, const size_t *rows,
    size_t row0, size_t n, const float *cp, size_t k, double *scratch,
    int *label, double *best, double *second);

/* Every squared distance instead of the choice, in float: D[r * k + j] =
 * score + row norm, as cdist_nearest_f32 computes them.  Within
 * cdist_f32_error of the exact squared distances. */
void cdist_dist_f32(const float *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const float *cp, size_t k, double *scratch, float *D);

/* Nonzero when rows with ||x|| <= xmax and centres with ||c|| <= cmax are
 * safe for the float path: no overflow ((xmax + cmax)^2 (d + 2) < 1e36)
 * and centre numbers exact in float (k < 2^24). */
int cdist_f32_usable(size_t d, size_t k, double xmax, double cmax);

/* An upper bound on |float-path squared distance - exact squared distance
 * of the double row and centre| under cdist_f32_usable, which also bounds
 * the float score's error: (2d + 12) FLT_EPSILON (xmax + cmax)^2, about
 * twice the float rounding of the sums (score and norm), of the rows and
 * centres and of the final addition, plus (d + 2) 2^-140 (1 + xmax + cmax)
 * for values in float's subnormal range. */
double cdist_f32_error(size_t d, double xmax, double cmax);

/* Distances from squared distances, rounded outwards, in place:
 * up[r] = sqrt(max(up[r], 0)) rounded up, lo[r] = sqrt(max(lo[r], 0))
 * rounded down (each pushed out by 4 DBL_EPSILON after the correctly
 * rounded square root), so that an upper (lower) bound on a squared
 * distance gives an upper (lower) bound on the distance.  Vectorised where
 * the CPU allows, with identical results. */
void cdist_bounds(double *up, double *lo, size_t n);

/* An upper bound on |computed - exact| for a score, and for a squared
 * distance computed as ||x||^2 + score, when every row has ||x|| <= xmax
 * and every centre ||c|| <= cmax: (d + 4) * DBL_EPSILON * (xmax + cmax)^2. */
double cdist_error_bound(size_t d, double xmax, double cmax);

#endif
