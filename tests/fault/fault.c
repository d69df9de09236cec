/*
 * fault.c — fault injection for the test build `make faultbuild`
 * (build-fault/lathe, AddressSanitizer + UBSan).  Never linked into an
 * ordinary build.
 *
 * Three kinds of call can be made to fail at their Nth occurrence in a
 * process, as SQLite's own malloc-failure and I/O-error tests do:
 *
 *   alloc  malloc, calloc, realloc, strdup, strndup, asprintf, vasprintf,
 *          posix_memalign, aligned_alloc called by lathe's own code (main,
 *          core, tui, linalg, and the built-in plugins and their kit).  The
 *          Makefile links those objects with -Wl,--wrap=malloc,...; so the
 *          calls SQLite, libc, jansson, libcsv or OpenBLAS make inside
 *          themselves are not counted.  A failed call returns NULL (or -1,
 *          or ENOMEM) like a real out-of-memory.
 *   io     the xWrite, xSync and xTruncate of every SQLite file (project,
 *          WAL, journal, bundle), through a VFS shim registered as the
 *          default one before lathe's first sqlite3_open_v2.  A failed call
 *          returns SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE; kind `full`
 *          counts the same calls and answers SQLITE_FULL instead.
 *   write  file writes outside SQLite: fopen for writing, fwrite, fputs,
 *          fputc, fprintf, vfprintf, fflush, fclose on a stream open for
 *          writing, and write(2), on regular files only (not the terminal,
 *          pipes or sockets, nor stdout redirected to a file), plus
 *          rename(2).  A failed call reports ENOSPC (and a
 *          failed fclose still closes the stream; a failed stream write
 *          sets the stream's error flag, as a real one does).
 *
 * Controlled by the environment:
 *
 *   LATHE_FAULT=KIND:N[+][,KIND:N[+]...]   fail the Nth call of KIND in this
 *                       process (with `+`: the Nth and every later one, a
 *                       persistent failure); or LATHE_FAULT=count to fail
 *                       nothing and only count.
 *   LATHE_FAULT_CHILD=… the same for the training child (`lathe __run`),
 *                       which is its own process: LATHE_FAULT does not
 *                       apply to it, so N numbers the points of one process.
 *   LATHE_FAULT_LOG=FILE  each process appends, as it happens, one line per
 *                       injected failure, "fired ROLE KIND N", and at exit
 *                       "count ROLE alloc A io I write W" (ROLE is `main` or
 *                       `child`).  A process killed by a signal writes no
 *                       count line.
 *
 * The counters are atomic, so threads (the CSV import's parsers, the
 * server's workers) count too; the Nth call is then the Nth in time.
 * This file itself is linked with the same --wrap options, so it calls
 * only the __real_ functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#ifndef _IO_ERR_SEEN
#define _IO_ERR_SEEN 0x0020	/* glibc's stream error flag (struct_FILE.h) */
#endif
#ifndef _IO_NO_WRITES
#define _IO_NO_WRITES 0x0008	/* glibc: a stream opened for reading only */
#endif

enum { K_ALLOC, K_IO, K_WRITE, K_N };
static const char *const kind_name[K_N] = { "alloc", "io", "write" };

static struct {
	long	 at[K_N];	/* fail call number at (0: never) */
	int	 persist[K_N];	/* and every later one */
	int	 full;		/* io failures answer SQLITE_FULL */
	int	 log_fd;	/* LATHE_FAULT_LOG, or -1 */
	const char *role;
} F = { .log_fd = -1, .role = "main" };
static atomic_long count[K_N];
static pthread_once_t once = PTHREAD_ONCE_INIT;

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
char	*__real_strdup(const char *);
char	*__real_strndup(const char *, size_t);
int	 __real_vasprintf(char **, const char *, va_list);
int	 __real_posix_memalign(void **, size_t, size_t);
void	*__real_aligned_alloc(size_t, size_t);
FILE	*__real_fopen(const char *, const char *);
size_t	 __real_fwrite(const void *, size_t, size_t, FILE *);
int	 __real_fputs(const char *, FILE *);
int	 __real_fputc(int, FILE *);
int	 __real_vfprintf(FILE *, const char *, va_list);
int	 __real_fflush(FILE *);
int	 __real_fclose(FILE *);
ssize_t	 __real_write(int, const void *, size_t);
int	 __real_rename(const char *, const char *);
int	 __real_sqlite3_open_v2(const char *, sqlite3 **, int, const char *);

static void
log_line(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	if (F.log_fd < 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!__real_write(F.log_fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void
at_exit(void)
{
	log_line("count %s alloc %ld io %ld write %ld\n", F.role,
	    atomic_load(&count[K_ALLOC]), atomic_load(&count[K_IO]),
	    atomic_load(&count[K_WRITE]));
}

/* Is this process the training child?  Its argv holds "__run". */
static int
is_child(void)
{
	char buf[4096];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (char *s = buf; s < buf + n; s += strlen(s) + 1)
		if (strcmp(s, "__run") == 0)
			return 1;
	return 0;
}

static void
parse_spec(const char *spec)
{
	while (spec && *spec) {
		const char *colon = strchr(spec, ':');
		const char *end = strchr(spec, ',');
		if (end == NULL)
			end = spec + strlen(spec);
		if (colon && colon < end) {
			size_t klen = (size_t)(colon - spec);
			int k = -1, full = 0;
			for (int i = 0; i < K_N; i++)
				if (strlen(kind_name[i]) == klen && strncmp(spec, kind_name[i], klen) == 0)
					k = i;
			if (klen == 4 && strncmp(spec, "full", 4) == 0)
				k = K_IO, full = 1;
			char *e;
			long n = strtol(colon + 1, &e, 10);
			if (k >= 0 && n > 0) {
				F.at[k] = n;
				F.persist[k] = *e == '+';
				if (full)
					F.full = 1;
			}
		}
		spec = *end ? end + 1 : NULL;
	}
}

static void
init(void)
{
	int child = is_child();
	F.role = child ? "child" : "main";
	parse_spec(getenv(child ? "LATHE_FAULT_CHILD" : "LATHE_FAULT"));
	const char *log = getenv("LATHE_FAULT_LOG");
	if (log && *log) {
		F.log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (F.log_fd >= 0)
			atexit(at_exit);
	}
}

/* Early, so that a process that makes no call still logs its count. */
__attribute__((constructor)) static void
fault_ctor(void)
{
	pthread_once(&once, init);
}

/* Count one call of kind k; 1 if it is to fail. */
static int
hit(int k)
{
	pthread_once(&once, init);
	long n = atomic_fetch_add(&count[k], 1) + 1;
	if (F.at[k] == 0 || n < F.at[k] || (n > F.at[k] && !F.persist[k]))
		return 0;
	log_line("fired %s %s %ld\n", F.role, kind_name[k], n);
	return 1;
}

/* ---- allocation ---- */

void *
__wrap_malloc(size_t n)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strndup(s, n);
}

int
__wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return -1;
	}
	return __real_vasprintf(out, fmt, ap);
}

int
__wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

int
__wrap_posix_memalign(void **p, size_t align, size_t n)
{
	if (hit(K_ALLOC))
		return ENOMEM;
	return __real_posix_memalign(p, align, n);
}

void *
__wrap_aligned_alloc(size_t align, size_t n)
{
	if (hit(K_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_aligned_alloc(align, n);
}

/* ---- file writes ---- */

static int
is_file(int fd)
{
	struct stat st;
	return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* A stream that writes to a regular file. */
static int
is_file_stream(FILE *f)
{
	return f != NULL && !(f->_flags & _IO_NO_WRITES) && is_file(fileno(f));
}

static int
write_fails(FILE *f)
{
	if (!is_file_stream(f) || !hit(K_WRITE))
		return 0;
	f->_flags |= _IO_ERR_SEEN;
	errno = ENOSPC;
	return 1;
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	if (strpbrk(mode, "wa+") && hit(K_WRITE)) {
		errno = ENOSPC;
		return NULL;
	}
	return __real_fopen(path, mode);
}

size_t
__wrap_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	return write_fails(f) ? 0 : __real_fwrite(p, size, n, f);
}

int
__wrap_fputs(const char *s, FILE *f)
{
	return write_fails(f) ? EOF : __real_fputs(s, f);
}

int
__wrap_fputc(int c, FILE *f)
{
	return write_fails(f) ? EOF : __real_fputc(c, f);
}

int
__wrap_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	return write_fails(f) ? -1 : __real_vfprintf(f, fmt, ap);
}

int
__wrap_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = __wrap_vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int
__wrap_fflush(FILE *f)
{
	return write_fails(f) ? EOF : __real_fflush(f);
}

int
__wrap_fclose(FILE *f)
{
	int fail = is_file_stream(f) && hit(K_WRITE);
	int r = __real_fclose(f);
	if (fail) {
		errno = ENOSPC;
		return EOF;
	}
	return r;
}

ssize_t
__wrap_write(int fd, const void *p, size_t n)
{
	if (is_file(fd) && hit(K_WRITE)) {
		errno = ENOSPC;
		return -1;
	}
	return __real_write(fd, p, n);
}

int
__wrap_rename(const char *from, const char *to)
{
	if (hit(K_WRITE)) {
		errno = ENOSPC;
		return -1;
	}
	return __real_rename(from, to);
}

/* ---- SQLite I/O: a VFS shim over the default VFS ---- */

struct shim_file {
	sqlite3_file	 base;		/* pMethods: &shim_io, once open */
	sqlite3_file	*real;		/* follows this struct */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static sqlite3_io_methods shim_io;

#define REAL(f) (((struct shim_file *)(f))->real)

static int
io_fails(void)
{
	return hit(K_IO);
}

static int
s_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
s_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int
s_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (io_fails())
		return F.full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int
s_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (io_fails())
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
s_sync(sqlite3_file *f, int flags)
{
	if (io_fails())
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
s_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
s_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
s_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
s_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
s_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
s_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
s_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
s_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}

static int
s_shmlock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
s_shmbarrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
s_shmunmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int
s_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int
s_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int
s_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *outflags)
{
	struct shim_file *sf = (struct shim_file *)f;
	sf->base.pMethods = NULL;
	sf->real = (sqlite3_file *)(sf + 1);
	int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, outflags);
	if (rc == SQLITE_OK && sf->real->pMethods)
		sf->base.pMethods = &shim_io;
	else if (sf->real->pMethods)
		sf->real->pMethods->xClose(sf->real);
	return rc;
}

#define FWD(name, ...) real_vfs->name(real_vfs, __VA_ARGS__)
static int s_delete(sqlite3_vfs *v, const char *n, int d) { return FWD(xDelete, n, d); }
static int s_access(sqlite3_vfs *v, const char *n, int fl, int *o) { return FWD(xAccess, n, fl, o); }
static int s_full(sqlite3_vfs *v, const char *n, int no, char *o) { return FWD(xFullPathname, n, no, o); }
static void *s_dlopen(sqlite3_vfs *v, const char *n) { return FWD(xDlOpen, n); }
static void s_dlerror(sqlite3_vfs *v, int n, char *o) { FWD(xDlError, n, o); }
static void (*s_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { return FWD(xDlSym, h, s); }
static void s_dlclose(sqlite3_vfs *v, void *h) { FWD(xDlClose, h); }
static int s_random(sqlite3_vfs *v, int n, char *o) { return FWD(xRandomness, n, o); }
static int s_sleep(sqlite3_vfs *v, int us) { return FWD(xSleep, us); }
static int s_time(sqlite3_vfs *v, double *t) { return FWD(xCurrentTime, t); }
static int s_lasterr(sqlite3_vfs *v, int n, char *o) { return FWD(xGetLastError, n, o); }
static int s_time64(sqlite3_vfs *v, sqlite3_int64 *t) { return FWD(xCurrentTimeInt64, t); }

static pthread_once_t vfs_once = PTHREAD_ONCE_INIT;

static void
vfs_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL)
		return;
	shim_io = (sqlite3_io_methods){
		.iVersion = 3,
		.xClose = s_close, .xRead = s_read, .xWrite = s_write,
		.xTruncate = s_truncate, .xSync = s_sync, .xFileSize = s_size,
		.xLock = s_lock, .xUnlock = s_unlock, .xCheckReservedLock = s_check,
		.xFileControl = s_fcntl, .xSectorSize = s_sector,
		.xDeviceCharacteristics = s_devchar, .xShmMap = s_shmmap,
		.xShmLock = s_shmlock, .xShmBarrier = s_shmbarrier,
		.xShmUnmap = s_shmunmap, .xFetch = s_fetch, .xUnfetch = s_unfetch,
	};
	shim_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile,
		.mxPathname = real_vfs->mxPathname,
		.zName = "lathe-fault",
		.xOpen = s_open, .xDelete = s_delete, .xAccess = s_access,
		.xFullPathname = s_full, .xDlOpen = s_dlopen, .xDlError = s_dlerror,
		.xDlSym = s_dlsym, .xDlClose = s_dlclose, .xRandomness = s_random,
		.xSleep = s_sleep, .xCurrentTime = s_time, .xGetLastError = s_lasterr,
		.xCurrentTimeInt64 = s_time64,
	};
	sqlite3_vfs_register(&shim_vfs, 1);
}

int
__wrap_sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
	pthread_once(&vfs_once, vfs_register);
	return __real_sqlite3_open_v2(path, db, flags, vfs);
}
