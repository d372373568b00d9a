# SPDX-License-Identifier: Apache-2.0
# Shared by the direct-mapping tests (after lib.sh): long-running client
# programs driven line by line, and `famfs run` that works in sanitizer
# builds too. Paths from meson: DIRECT_CLIENT, PRELOAD_LIB.

: "${DIRECT_CLIENT:?path to direct_client}" "${PRELOAD_LIB:?path to libfamfs-direct.so}"
: "${MARK_BAD:?path to mark_bad}"

# shellcheck source=tests/sanitizers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sanitizers.sh"
SAN_PRELOAD=$(san_runtimes "$PRELOAD_LIB")
[ -z "$SAN_PRELOAD" ] || note "sanitizer build: LD_PRELOAD starts with $SAN_PRELOAD"

# "${RUN[@]}" [ENV=VALUE...] famfs run CMD...: `famfs run` in any build
# (an array, not a function: start_client needs the program's own pid)
RUN=(env "LD_PRELOAD=$SAN_PRELOAD")

# For programs that are not built with the sanitizers (python3): they
# leak as they please, so no leak report.
uninstrumented_env()
{
	[ -z "$SAN_PRELOAD" ] || echo "ASAN_OPTIONS=detect_leaks=0"
}

declare -A CLIENT_FD=() CLIENT_PID=()

# start_client NAME CMD...: CMD reads commands from a pipe we keep open,
# its stdout goes to $T/NAME.out; waits for its first line (first_line).
start_client()
{
	local name=$1 fd

	shift
	mkfifo "$T/$name.in"
	(
		# the other clients' pipes: each must see its own end-of-file
		for fd in "${CLIENT_FD[@]}"; do
			exec {fd}>&-
		done
		exec "$@"
	) <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	CLIENT_PID[$name]=$!
	exec {fd}>"$T/$name.in"
	CLIENT_FD[$name]=$fd
	wait_lines "$name" 1 || fail "$name: no first line: $(cat "$T/$name.err")"
}

first_line()
{
	head -n1 "$T/$1.out"
}

# wait_lines NAME N: until $T/NAME.out has N lines (30 s: a program
# starting under the sanitizers on a loaded machine can take seconds)
wait_lines()
{
	local i

	for i in $(seq 1 300); do
		[ "$(wc -l <"$T/$1.out")" -ge "$2" ] && return 0
		kill -0 "${CLIENT_PID[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(wc -l <"$T/$1.out")" -ge "$2" ]
}

# ask NAME LINE: send one command, print the answer
ask()
{
	local n

	n=$(wc -l <"$T/$1.out")
	echo "$2" >&"${CLIENT_FD[$1]}"
	wait_lines "$1" $((n + 1)) ||
		fail "$1: no answer to '$2': $(cat "$T/$1.err")"
	sed -n "$((n + 1))p" "$T/$1.out"
}

# expect_answer NAME LINE WANT
expect_answer()
{
	local got

	got=$(ask "$1" "$2")
	[ "$got" = "$3" ] || fail "$1: '$2' answered '$got', want '$3'"
}

# stop_client NAME [any]: close its input, wait for it to exit (with
# status 0 unless "any")
stop_client()
{
	local rc=0 fd=${CLIENT_FD[$1]}

	exec {fd}>&-
	wait "${CLIENT_PID[$1]}" || rc=$?
	[ "$rc" = 0 ] || [ "${2:-}" = any ] ||
		fail "$1 exited with $rc: $(cat "$T/$1.err")"
	unset "CLIENT_FD[$1]" "CLIENT_PID[$1]"
}

# The first mapping listed in /proc/PID/maps for PATH (its flags column).
maps_flags_of()
{
	awk -v p="$2" '$6 == p { print $2; exit }' "/proc/$1/maps"
}

# wait_visible PATH SIZE: a client sees the master's new file (at once
# normally: a lookup replays; 10 s under load)
wait_visible()
{
	local i

	for i in $(seq 1 100); do
		[ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 not seen with size $2"
}
