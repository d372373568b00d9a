/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hold a master daemon's notify thread ("famfs-notify") stopped with
 * ptrace, so that only what the daemon tells its kernel before a reply
 * reaches the kernel: a notification left to that thread arrives only
 * after notify_release(), making a stale answer certain, not rare.
 */
#ifndef TESTS_MOUNT_NOTIFY_HOLD_H
#define TESTS_MOUNT_NOTIFY_HOLD_H

#include <sys/types.h>

/*
 * Stop the notify thread of famfs_fused @pid while it waits for work (in
 * futex(2): then it holds no lock of the daemon's). Returns its id; on
 * failure prints "@prog: ..." and exits 2. Arms alarm(60): should a
 * request hang meanwhile, the caller exits and so lets the thread go.
 */
pid_t notify_hold(const char *prog, long pid);

/* Let the thread held by notify_hold() go; the alarm is off. */
void notify_release(pid_t tid);

#endif
