/*
 * proc.c — process identity through /proc; see proc.h.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Read at most n-1 bytes of a small /proc file into buf; bytes read or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got + 1 < n) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

const char *
proc_boot_id(void)
{
	static char id[40];
	static int done;
	if (!done) {
		char b[64];
		if (read_small("/proc/sys/kernel/random/boot_id", b, sizeof b) >= 36) {
			memcpy(id, b, 36);
			id[36] = '\0';
		}
		done = 1;
	}
	return id;
}

/*
 * Field 22 of /proc/PID/stat.  The second field is the command name in
 * parentheses and may itself hold spaces and ')', so fields are counted
 * from the LAST ')'.
 */
static int
start_ticks(pid_t pid, unsigned long long *out, char *state)
{
	char path[64], b[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_small(path, b, sizeof b) <= 0)
		return -1;
	char *s = strrchr(b, ')');
	if (s == NULL)
		return -1;
	s++;
	while (*s == ' ')
		s++;
	*state = *s;	/* field 3: R, S, D, Z (zombie), X (dead) ... */
	/* after ')' come fields 3 (state) .. ; starttime is field 22 */
	for (int field = 3; field < 22; field++) {	/* skip fields 3..21 */
		while (*s == ' ')
			s++;
		while (*s && *s != ' ')
			s++;
		if (*s == '\0')
			return -1;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	*out = v;
	return 0;
}

int
proc_stamp(pid_t pid, char buf[PROC_STAMP_MAX])
{
	unsigned long long t;
	char state;
	const char *boot = proc_boot_id();
	if (pid <= 0 || *boot == '\0' || start_ticks(pid, &t, &state) != 0)
		return -1;
	snprintf(buf, PROC_STAMP_MAX, "%s:%llu", boot, t);
	return 0;
}

int
proc_rebooted_since(const char *stamp)
{
	const char *boot = proc_boot_id();
	if (stamp == NULL || strlen(stamp) < 37 || stamp[36] != ':' || *boot == '\0')
		return 0;
	return memcmp(stamp, boot, 36) != 0;
}

enum proc_state
proc_check(pid_t pid, const char *stamp)
{
	if (pid <= 0)
		return PROC_UNKNOWN;
	if (stamp && *stamp && proc_rebooted_since(stamp))
		return PROC_GONE;	/* every process of that boot is gone */
	/* kill(pid, 0): ESRCH proves there is no such process; EPERM means
	 * one exists (of another user) */
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return PROC_GONE;
	unsigned long long t;
	char state = '?';
	if (start_ticks(pid, &t, &state) != 0) {
		/* it may have exited between the two looks */
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return PROC_GONE;
		return PROC_UNKNOWN;
	}
	if (state == 'Z' || state == 'X')
		return PROC_GONE;	/* exited, not yet reaped by its parent */
	if (stamp == NULL || *stamp == '\0')
		return PROC_UNKNOWN;	/* a pid that exists, identity unknown */
	char now[PROC_STAMP_MAX];
	snprintf(now, sizeof now, "%s:%llu", proc_boot_id(), t);
	return strcmp(now, stamp) == 0 ? PROC_ALIVE : PROC_GONE;	/* reused pid */
}

int
proc_started_after(const char *iso)
{
	char b[4096];
	struct tm tm;
	if (read_small("/proc/stat", b, sizeof b) <= 0)
		return 0;
	const char *bt = strstr(b, "\nbtime ");
	if (bt == NULL)
		return 0;
	long long boot = atoll(bt + 7);
	memset(&tm, 0, sizeof tm);
	if (boot <= 0 || sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) < boot;
}

void
proc_describe(pid_t pid, char *buf, size_t n)
{
	char path[64];
	if (n == 0)
		return;
	buf[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	ssize_t got = read_small(path, buf, n);
	if (got <= 0) {
		buf[0] = '\0';
		return;
	}
	while (got > 0 && buf[got - 1] == '\0')
		got--;
	buf[got] = '\0';
	for (ssize_t i = 0; i < got; i++)
		if (buf[i] == '\0' || buf[i] == '\n' || buf[i] == '\t')
			buf[i] = ' ';
	/* the program's base name reads better than its full path */
	char *sp = strchr(buf, ' ');
	size_t first = sp ? (size_t)(sp - buf) : strlen(buf);
	char *slash = NULL;
	for (size_t i = 0; i < first; i++)
		if (buf[i] == '/')
			slash = buf + i;
	if (slash)
		memmove(buf, slash + 1, strlen(slash + 1) + 1);
}
