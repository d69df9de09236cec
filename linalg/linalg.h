/*
 * linalg/ — the folder's main header.  Owns numerics only: matrices over
 * CBLAS/LAPACKE, L-BFGS, SGD/Adam, the RNG, distances, parallel loops, big
 * buffers.  May use: nothing of ours (no plugin, no core/ header);
 * OpenBLAS, LAPACKE.  The map of who may use whom is in
 * docs/architecture.md.
 *
 * linalg.h — status codes and BLAS environment of the linear-algebra layer.
 *
 * Every fallible function in linalg/ returns an int status: LINALG_OK (0) on
 * success, one of the codes below otherwise.  Codes are only ever appended,
 * so a number stored in a run record keeps its meaning.  linalg_strerror()
 * turns a code into a short lowercase message; callers that show the failure
 * to a person prefix it with what they were doing ("fit: cholesky: matrix is
 * not positive definite").
 *
 * The BLAS half of this file describes the OpenBLAS library actually loaded
 * at run time (not the header we compiled against), so a run record can say
 * which kernels produced its numbers.  OpenBLAS's thread count is process
 * global; linalg_set_threads() changes it for every caller in the process.
 */
#ifndef LATHE_LINALG_H
#define LATHE_LINALG_H

#include <stddef.h>

enum linalg_status {
	LINALG_OK = 0,
	LINALG_EINVAL,     /* NULL pointer, malformed matrix or bad parameter */
	LINALG_ENOMEM,     /* allocation failed (here or inside LAPACKE) */
	LINALG_EDIM,       /* operand shapes do not agree */
	LINALG_ERANGE,     /* a dimension exceeds the 32-bit BLAS/LAPACK integer */
	LINALG_EALIAS,     /* an output overlaps an input */
	LINALG_ENONFINITE, /* NaN or infinity where finite numbers are required */
	LINALG_ENOTPD,     /* Cholesky: matrix is not positive definite */
	LINALG_ESINGULAR,  /* least squares: matrix is rank deficient */
	LINALG_ENOCONV,    /* eigen/singular value iteration did not converge */
	LINALG_ELAPACK,    /* LAPACK rejected an argument (a bug in linalg) */
	LINALG_ETRUNC,     /* output buffer too small; output was truncated */
};

/* Lowercase message for a status code; never NULL.  Unknown codes give
 * "unknown linalg error".  The string is static. */
const char *linalg_strerror(int code);

/* The BLAS in use, for run records and `lathe --version`. */
struct linalg_blas_info {
	char config[256];   /* openblas_get_config(): version and build options */
	char corename[64];  /* openblas_get_corename(): kernel set, e.g. "Haswell" */
	char header[32];    /* OPENBLAS_VERSION of the header compiled against */
	int lapack_major, lapack_minor, lapack_patch; /* LAPACKE_ilaver() */
	int threads;        /* openblas_get_num_threads() */
	int procs;          /* openblas_get_num_procs() */
	int parallel;       /* 0 sequential, 1 pthreads, 2 OpenMP */
};

/* Fills *info (which must not be NULL; a NULL info is ignored). */
void linalg_blas_info(struct linalg_blas_info *info);

/* Writes a one-line description such as
 * "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64;
 *  core=Haswell; threads=2; lapack=3.11.0" into buf (always NUL-terminated
 * when n > 0).  Returns LINALG_OK, LINALG_ETRUNC if it did not fit, or
 * LINALG_EINVAL if buf is NULL or n is 0. */
int linalg_blas_describe(char *buf, size_t n);

/* Sets the number of OpenBLAS threads for the whole process (n >= 1).
 * Returns LINALG_EINVAL for n < 1. */
int linalg_set_threads(int n);

/* Stops OpenBLAS's worker threads until a BLAS call next needs them
 * (OpenBLAS starts them again itself).  The library starts them when it
 * is loaded, and each then spins for about 2^28 cycles waiting for work:
 * a tenth of a second of a core taken from every lathe process, most of
 * which never calls BLAS.  Call it while the process has one thread.
 * A no-op with a BLAS that has no such entry point. */
void linalg_idle_threads(void);

/* Current OpenBLAS thread count. */
int linalg_get_threads(void);

#endif
