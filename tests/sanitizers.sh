# SPDX-License-Identifier: Apache-2.0
# Sourced by tests that run programs under `famfs run`. In an ASan/UBSan
# build the preload library is instrumented too, so the sanitizer
# runtimes must be loaded before it, and the ASan runtime before anything
# else, also in programs that are not instrumented (printenv, python3).

# san_runtimes LIB: the runtimes LIB needs, ASan's first, space
# separated; nothing in a normal build.
san_runtimes()
{
	ldd "$1" | awk '/libasan\.so/ { a = a " " $3 }
		/libubsan\.so/ { u = u " " $3 } END { print a u }' | sed 's/^ //'
}
