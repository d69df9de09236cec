/*
 * proc.h — telling whether a recorded process is still the one we started.
 *
 * A pid alone is not an identity: after the process dies the kernel hands
 * the number to the next process, and after a reboot every pid is new.  A
 * process is identified here by its pid plus a stamp "BOOT:START", where
 * BOOT is the kernel's boot id (/proc/sys/kernel/random/boot_id, new at
 * every boot) and START is the process's start time in clock ticks since
 * boot (field 22 of /proc/PID/stat).  The pair (pid, stamp) never names two
 * processes.  Stamps are text so they can be stored in the project as they
 * are; an empty stamp means "not recorded" (runs made by older versions).
 *
 * Linux only, through /proc.  Where /proc cannot answer (not mounted, or a
 * process of another user in a hidepid mount) the answer is "unknown",
 * never "dead": a live run must not be declared lost.
 */
#ifndef LATHE_PROC_H
#define LATHE_PROC_H

#include <stddef.h>
#include <sys/types.h>

#define PROC_STAMP_MAX 64

/* The stamp of process pid into buf[PROC_STAMP_MAX].  0, or -1 when the
 * process does not exist or /proc cannot say. */
int	proc_stamp(pid_t pid, char buf[PROC_STAMP_MAX]);

/* This boot's id (36 characters), or "" when unknown; static storage. */
const char *proc_boot_id(void);

enum proc_state {
	PROC_ALIVE,	/* the same process is running */
	PROC_GONE,	/* it exited (or the machine restarted since) */
	PROC_UNKNOWN,	/* /proc cannot tell */
};

/* Is process pid with recorded stamp (NULL or "" when none was recorded)
 * still running?  Without a stamp, only "no such pid" proves it is gone. */
enum proc_state proc_check(pid_t pid, const char *stamp);

/* Did the machine restart since stamp was taken? 1 yes, 0 no or unknown. */
int	proc_rebooted_since(const char *stamp);

/* Did the machine start after the UTC time iso ("YYYY-MM-DDTHH:MM:SSZ")?
 * 1 yes, 0 no or unknown. */
int	proc_started_after(const char *iso);

/* A short description of pid for messages: its command line with NULs as
 * spaces, cut to fit ("lathe import big.csv"), or "" when unknown. */
void	proc_describe(pid_t pid, char *buf, size_t n);

#endif
