# SPDX-License-Identifier: Apache-2.0
# TAP output for the shell-driven suites (shell, cli): ok/not_ok lines,
# expect STATUS PATTERN DESCRIPTION -- COMMAND..., and the closing plan.

tap_n=0
tap_failed=0

ok()
{
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok()
{
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# expect STATUS PATTERN DESCRIPTION -- COMMAND...
# Passes when COMMAND exits with STATUS and its combined output matches
# the extended regex PATTERN ('' matches anything).
expect()
{
	local want=$1 pattern=$2 desc=$3 out rc

	shift 4
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] ||
		grep -Eq -- "$pattern" <<<"$out"; }; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# command: $*"
		echo "# exit $rc (want $want), output:"
		sed 's/^/#   /' <<<"$out"
	fi
}

done_testing()
{
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
