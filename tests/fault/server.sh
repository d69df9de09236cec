# tests/fault/server.sh — sourced (POSIX sh or bash): a server started in
# the background, its port found and the server stopped, each within a
# bound, so that a harness never waits on a server without one.  Used by
# tests/fault/run.sh (the serve scenario); tests/e2e/fault_server.sh checks
# it with stand-in servers.
#
#   srv_start OUT ERR CMD [ARG...]
#       Remove OUT, then start CMD in the background with stdout to OUT and
#       stderr to ERR, and wait up to $SRV_START_S seconds (default 60) for
#       its line "listening on http://HOST:PORT".  OUT is removed first
#       because a harness that reuses the name would otherwise read the
#       line an earlier server left there before the new one's shell has
#       truncated the file (the serve scenario's hang: it read an old line,
#       then found the file empty and waited for a server it never
#       stopped).  Sets srv_pid, srv_port (the port, or empty), srv_rc (the
#       exit status when the server has ended, else empty) and srv_why.
#       Returns 0 with a port; 1 when the server ended before its port was
#       read (srv_rc says how); 2 when it still ran without one at the bound:
#       it is then killed (SIGKILL) and srv_why says so.
#   srv_stop
#       (After srv_start returned 0; srv_pid is emptied once the server is
#       reaped, so a reused pid is never signalled.)  SIGTERM srv_pid, then wait up to $SRV_STOP_S seconds (default 60)
#       for it to end.  Sets srv_rc.  Returns 0; or 2 when it still ran at
#       the bound: it is then killed (SIGKILL, srv_rc 137) and srv_why says
#       so.
#   srv_kill
#       SIGKILL srv_pid if it still runs, and reap it (a trap's clean-up).
#
# "Still runs" is read from /proc: an exited child that its shell has not
# waited for yet is a zombie, which `kill -0` still finds.

srv_pid="" srv_port="" srv_rc="" srv_why=""

# srv_alive PID: PID exists and is not a zombie
srv_alive() {
	[ -n "$1" ] && read -r _st 2>/dev/null < "/proc/$1/stat" || return 1
	_st=${_st##*) }		# the state follows the command name's ")"
	case $_st in
	Z*|X*) return 1 ;;
	esac
}

# srv_reap SECONDS: wait up to SECONDS for srv_pid to end; then reap it
# (srv_rc) and return 0, else return 1
srv_reap() {
	_end=$(( $(date +%s) + $1 ))
	while srv_alive "$srv_pid"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.05
	done
	wait "$srv_pid"
	srv_rc=$?
	srv_pid=""
	return 0
}

# srv_read OUT: srv_port from OUT's first line once it is whole (a line
# read without its newline is not trusted: `read` fails on it)
srv_read() {
	srv_port=""
	IFS= read -r _line 2>/dev/null < "$1" || return 1
	case $_line in
	"listening on http://"*:*) srv_port=${_line##*:} ;;
	esac
	case $srv_port in
	''|*[!0-9]*) srv_port=""; return 1 ;;
	esac
}

srv_start() {
	_out=$1 _err=$2
	shift 2
	srv_pid="" srv_port="" srv_rc="" srv_why=""
	rm -f "$_out"
	"$@" > "$_out" 2> "$_err" &
	srv_pid=$!
	_end=$(( $(date +%s) + ${SRV_START_S:-60} ))
	while :; do
		srv_read "$_out" && return 0
		if ! srv_alive "$srv_pid"; then
			wait "$srv_pid"
			srv_rc=$?
			srv_pid="" srv_port=""
			return 1
		fi
		if [ "$(date +%s)" -ge "$_end" ]; then
			srv_why="the server printed no 'listening on' line in ${SRV_START_S:-60} s"
			kill -KILL "$srv_pid" 2>/dev/null
			wait "$srv_pid" 2>/dev/null	# no shell's "Killed": srv_why says it
			srv_rc=$?
			srv_pid=""
			return 2
		fi
		sleep 0.05
	done
}

srv_stop() {
	srv_why=""
	[ -n "$srv_pid" ] || return 0
	kill -TERM "$srv_pid" 2>/dev/null
	srv_reap "${SRV_STOP_S:-60}" && return 0
	srv_why="the server did not stop within ${SRV_STOP_S:-60} s of SIGTERM"
	kill -KILL "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_rc=$?
	srv_pid=""
	return 2
}

srv_kill() {
	[ -n "$srv_pid" ] && srv_alive "$srv_pid" && kill -KILL "$srv_pid" 2>/dev/null &&
	    wait "$srv_pid" 2>/dev/null
	srv_pid=""
}
