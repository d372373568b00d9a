/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hooks for the VM tests, compiled only into the test build of the
 * module (build.sh --testing, which sets FSDEV_DAX_TESTING=y for Kbuild).
 * There, /sys/kernel/debug/fsdev_dax/ holds:
 *   objects          live driver objects (devices, open files, views),
 *                    so tests can see leaks;
 *   fail_probe_step  N in 1..FSDEV_STEP_LAST fails the next probes at
 *                    step N, so tests walk every unwind path; 0: off.
 *   notify_stall_ms  N > 0: a memory-failure notifier that has read the
 *                    holder waits (up to N ms) for a release to clear
 *                    the holder, then goes on 1 s later, so a test
 *                    can release the holder under a running notifier;
 *   notify_stalled   1 while a notifier waits there (until it is about
 *                    to call the holder);
 *   notify_overtaken notifiers that saw a release while they waited.
 * The production module has neither: the hooks are empty inlines.
 */
#ifndef FSDEV_TESTING_H
#define FSDEV_TESTING_H

#include <linux/types.h>

struct device;
struct fsdev_holder_ops;

/* Points where a test can make probe fail. */
enum fsdev_probe_step {
	FSDEV_STEP_PGMAP = 1,
	FSDEV_STEP_OFFSET,	/* the data-offset check sees pgmap > data */
	FSDEV_STEP_REGIONS,
	FSDEV_STEP_MEMREMAP,
	FSDEV_STEP_CDEV,
	FSDEV_STEP_RUN,
	FSDEV_STEP_LAST = FSDEV_STEP_RUN,
};

#ifdef FSDEV_DAX_TESTING
void fsdev_testing_init(void);
void fsdev_testing_exit(void);
void fsdev_object_add(void);
void fsdev_object_del(void);
bool fsdev_fail_probe_at(struct device *dev, enum fsdev_probe_step step);
void fsdev_notify_stall(const struct fsdev_holder_ops *const *ops_slot);
#else
static inline void fsdev_testing_init(void) { }
static inline void fsdev_testing_exit(void) { }
static inline void fsdev_object_add(void) { }
static inline void fsdev_object_del(void) { }
static inline bool fsdev_fail_probe_at(struct device *dev,
				       enum fsdev_probe_step step)
{
	return false;
}

static inline void
fsdev_notify_stall(const struct fsdev_holder_ops *const *ops_slot) { }
#endif

#endif /* FSDEV_TESTING_H */
