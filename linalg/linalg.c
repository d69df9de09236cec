/*
 * linalg.c — status messages and the BLAS environment.
 *
 * The message table is indexed by enum linalg_status; a new code is a new
 * row at the end.  The BLAS queries are thin calls into libopenblas, whose
 * strings are static and owned by the library; we copy them into the
 * caller's struct so a record outlives nothing.
 */
#include "linalg.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

static const char *const linalg_messages[] = {
	[LINALG_OK]         = "ok",
	[LINALG_EINVAL]     = "invalid argument",
	[LINALG_ENOMEM]     = "out of memory",
	[LINALG_EDIM]       = "dimension mismatch",
	[LINALG_ERANGE]     = "dimension exceeds blas integer range",
	[LINALG_EALIAS]     = "output overlaps an input",
	[LINALG_ENONFINITE] = "non-finite value in input",
	[LINALG_ENOTPD]     = "matrix is not positive definite",
	[LINALG_ESINGULAR]  = "matrix is rank deficient",
	[LINALG_ENOCONV]    = "iteration did not converge",
	[LINALG_ELAPACK]    = "lapack rejected an argument",
	[LINALG_ETRUNC]     = "output buffer too small",
};

const char *
linalg_strerror(int code)
{
	if (code < 0 || (size_t)code >= sizeof linalg_messages / sizeof linalg_messages[0])
		return "unknown linalg error";
	return linalg_messages[code];
}

/* Copies a possibly NULL library string, dropping surrounding blanks
 * (OPENBLAS_VERSION is " OpenBLAS 0.3.21 "). */
static void
copy_trimmed(char *dst, size_t n, const char *src)
{
	size_t len;

	if (src == NULL)
		src = "unknown";
	while (*src == ' ')
		src++;
	len = strlen(src);
	while (len > 0 && src[len - 1] == ' ')
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void
linalg_blas_info(struct linalg_blas_info *info)
{
	lapack_int major = 0, minor = 0, patch = 0;

	if (info == NULL)
		return;
	memset(info, 0, sizeof *info);
	copy_trimmed(info->config, sizeof info->config, openblas_get_config());
	copy_trimmed(info->corename, sizeof info->corename, openblas_get_corename());
#ifdef OPENBLAS_VERSION
	copy_trimmed(info->header, sizeof info->header, OPENBLAS_VERSION);
#else
	copy_trimmed(info->header, sizeof info->header, NULL);
#endif
	LAPACKE_ilaver(&major, &minor, &patch);
	info->lapack_major = (int)major;
	info->lapack_minor = (int)minor;
	info->lapack_patch = (int)patch;
	info->threads = openblas_get_num_threads();
	info->procs = openblas_get_num_procs();
	info->parallel = openblas_get_parallel();
}

int
linalg_blas_describe(char *buf, size_t n)
{
	struct linalg_blas_info info;
	int len;

	if (buf == NULL || n == 0)
		return LINALG_EINVAL;
	linalg_blas_info(&info);
	len = snprintf(buf, n, "%s; core=%s; threads=%d; lapack=%d.%d.%d",
	    info.config, info.corename, info.threads,
	    info.lapack_major, info.lapack_minor, info.lapack_patch);
	if (len < 0)
		return LINALG_EINVAL;
	return (size_t)len >= n ? LINALG_ETRUNC : LINALG_OK;
}

int
linalg_set_threads(int n)
{
	if (n < 1)
		return LINALG_EINVAL;
	openblas_set_num_threads(n);
	return LINALG_OK;
}

void
linalg_idle_threads(void)
{
	/* not in OpenBLAS's headers, but exported (its fork and exit
	 * handlers use it); a later threaded call starts the threads again,
	 * which test_linalg checks */
	void *f = dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
	if (f != NULL) {
		int (*shutdown)(void);
		memcpy(&shutdown, &f, sizeof shutdown);
		shutdown();
	}
}

int
linalg_get_threads(void)
{
	return openblas_get_num_threads();
}
