/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fsdev_dax internals shared by the files of the module.
 */
#ifndef FSDEV_H
#define FSDEV_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/xarray.h>
#include "fsdev_range.h"
#include "fsdev_testing.h"
#include <linux/fsdev_dax.h>

struct dev_dax;
struct dax_device;
struct dev_pagemap;
struct inode;
struct file;

/* Called with the RCU read lock held: must not sleep. */
struct fsdev_holder_ops {
	void (*notify_failure)(void *holder, u64 offset, u64 len, u32 flags);
};

/*
 * One bound device. Allocated at probe, refcounted: open files and views
 * keep it after unbind, when @dead is set and every access fails.
 * @ranges is a snapshot of the device's data ranges taken at probe, so
 * walks never race with sysfs reconfiguring dev_dax->ranges.
 */
struct fsdev {
	struct kref kref;
	struct dev_dax *dev_dax;
	struct dax_device *dax_dev;
	struct dev_pagemap *pgmap;
	u64 size;
	u64 data_offset;
	unsigned int align;
	bool is_static;
	bool dead;

	/* holder_lock serialises claim, release and removal */
	struct mutex holder_lock;
	void *holder_data;
	const struct fsdev_holder_ops *holder_ops;

	/* views_lock guards @views and the @dead transition */
	struct mutex views_lock;
	struct list_head views;

	/* pfns of pages known to be poisoned (fsdev_poison.c) */
	struct xarray poison;
	atomic_t nr_poisoned;

	atomic64_t pte_faults;
	atomic64_t pmd_faults;		/* PMDs mapped */
	atomic64_t pmd_write_faults;	/* read-only PMDs made writable */
	atomic64_t failures;

	unsigned int nr_ranges;
	struct fsdev_range ranges[] __counted_by(nr_ranges);
};

/*
 * Limits of a view, reported by GET_INFO: extents a caller may pass, and
 * physical segments they may become once split where the device's ranges
 * are not contiguous. They bound the memory and the time one ioctl takes.
 */
#define FSDEV_VIEW_MAX_EXTENTS	4096
#define FSDEV_VIEW_MAX_SEGMENTS	(2 * FSDEV_VIEW_MAX_EXTENTS)

/*
 * A view: a list of device extents laid end to end, resolved once to
 * physical segments. It belongs to the inode that serves it (see
 * fsdev_viewfs.c); evicting that inode frees the view. @size is the file
 * size, at most @mapped (the extents' sum) and within its last page.
 */
struct fsdev_view {
	struct fsdev *fsdev;
	struct list_head node;		/* in fsdev->views */
	struct inode *inode;		/* set once the inode owns the view */
	fmode_t access;			/* FMODE_READ/FMODE_WRITE opens may have */
	u64 size;
	u64 mapped;
	unsigned int nr_segs;
	struct fsdev_range segs[] __counted_by(nr_segs);
};

/* fsdev_main.c */
void fsdev_put(struct fsdev *fsdev);
void fsdev_get(struct fsdev *fsdev);

/* fsdev_probe.c */
int fsdev_dax_probe(struct dev_dax *dev_dax);

/* fsdev_holder.c */
int fsdev_holder_claim(struct fsdev *fsdev, void *holder,
		       const struct fsdev_holder_ops *ops);
void fsdev_holder_release(struct fsdev *fsdev, void *holder);
int fsdev_holder_notify_failure(struct fsdev *fsdev, u64 offset, u64 len,
				u32 flags);
void fsdev_holder_remove(struct fsdev *fsdev);

/* fsdev_poison.c */
extern const struct dev_pagemap_ops fsdev_pagemap_ops;
void fsdev_poison_init(struct fsdev *fsdev);
void fsdev_poison_destroy(struct fsdev *fsdev);
u64 fsdev_poison_clean(struct fsdev *fsdev, u64 phys, u64 len);
bool fsdev_poisoned(struct fsdev *fsdev, u64 phys, u64 len);
int fsdev_poison_mark(struct fsdev *fsdev, u64 offset, u64 len);

/* fsdev_fault.c */
vm_fault_t fsdev_map_fault(struct vm_fault *vmf, unsigned int order,
			   struct fsdev *fsdev,
			   const struct fsdev_range *map, unsigned int nr,
			   bool set_folio_mapping);
unsigned long fsdev_get_unmapped_area(struct file *file, unsigned long addr,
				      unsigned long len, unsigned long pgoff,
				      unsigned long flags);

/* fsdev_cdev.c */
extern const struct file_operations fsdev_cdev_fops;

/* fsdev_view.c */
long fsdev_view_create(struct fsdev *fsdev, struct file *node,
		       void __user *arg);
void fsdev_view_destroy(struct fsdev_view *view);
void fsdev_views_unmap(struct fsdev *fsdev);

/* fsdev_viewfs.c */
int fsdev_viewfs_init(void);
void fsdev_viewfs_exit(void);
struct file *fsdev_view_file(struct fsdev_view *view, int flags);

/* fsdev_sysfs.c */
extern const struct attribute_group *fsdev_dev_groups[];

#endif /* FSDEV_H */
