// SPDX-License-Identifier: Apache-2.0
/*
 * famfs daxmode DEVICE [famfs|devdax]
 * Shows, or changes, which dax driver a devdax device is bound to:
 * fsdev_dax (famfs mode: fs-dax pages, poison routed to famfs) or
 * device_dax (plain devdax). Rebinding goes through the dax bus in sysfs:
 * unbind from the current driver, add the device to the new driver's id
 * list, bind. On failure the old driver is bound again.
 * A device whose node some process has open (or mapped) is not switched:
 * both drivers set up the same char device structure, and doing that
 * again under an open file corrupts it.
 * $FAMFS_SYSFS replaces /sys, $FAMFS_PROC replaces /proc (tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"

#define FSDEV_DRIVER "fsdev_dax"
#define DEVDAX_DRIVER "device_dax"

static const char *sysfs(void)
{
	const char *root = getenv("FAMFS_SYSFS");

	return root && *root ? root : "/sys";
}

/* Is @path (an fd or map_files link) the device node @rdev_arg names? */
static bool reaches_node(const void *rdev_arg, const char *path)
{
	const dev_t *rdev = rdev_arg;
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == *rdev;
}

static bool pid_uses_node(const void *rdev, const char *pid_dir)
{
	static const char *const dirs[] = { "fd", "map_files" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", pid_dir, dirs[i]);
		if (cli_dir_any(path, reaches_node, rdev))
			return true;
	}
	return false;
}

/* The device number of @dev's node, from its "dev" file in sysfs. */
static int device_number(const char *dev, dev_t *rdev)
{
	char path[PATH_MAX];
	unsigned int major_nr, minor_nr;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/bus/dax/devices/%s/dev", sysfs(),
		 dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%u:%u", &major_nr, &minor_nr);
	fclose(f);
	if (n != 2)
		return -EINVAL;
	*rdev = makedev(major_nr, minor_nr);
	return 0;
}

static void daxmode_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs daxmode DEVICE [famfs|devdax]\n"
		"  without a mode: print the device's current mode\n"
		"  famfs   bind DEVICE to the fsdev_dax driver\n"
		"  devdax  bind DEVICE to the device_dax driver\n"
		"  -h, --help  this help\n");
}

static bool driver_loaded(const char *driver)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/bus/dax/drivers/%s", sysfs(), driver);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The driver @dev is bound to ("" when none). */
static int current_driver(const char *dev, char *out, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/dax/devices/%s/driver", sysfs(),
		 dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		out[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(out, base);
	return 0;
}

static int driver_write(const char *driver, const char *attr, const char *dev)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/bus/dax/drivers/%s/%s", sysfs(),
		 driver, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, dev, strlen(dev));
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	return close(fd) ? -errno : 0;
}

static const char *mode_of(const char *driver)
{
	if (!strcmp(driver, FSDEV_DRIVER))
		return "famfs";
	if (!strcmp(driver, DEVDAX_DRIVER))
		return "devdax";
	return *driver ? driver : "unbound";
}

/* Bind @dev to @driver; the dax bus binds a new id at once on most kernels. */
static int bind_to(const char *dev, const char *driver)
{
	char now[64];
	int rc;

	rc = driver_write(driver, "new_id", dev);
	if (rc && rc != -EEXIST && rc != -ENOENT)
		return rc;
	if (current_driver(dev, now, sizeof(now)) == 0 &&
	    !strcmp(now, driver))
		return 0;
	rc = driver_write(driver, "bind", dev);
	if (rc)
		return rc;
	if (current_driver(dev, now, sizeof(now)) || strcmp(now, driver))
		return -ENXIO;
	return 0;
}

static int switch_mode(const char *arg, const char *dev, const char *target)
{
	const char *other = strcmp(target, FSDEV_DRIVER) ? FSDEV_DRIVER :
							  DEVDAX_DRIVER;
	char cur[64], comm[64];
	dev_t rdev = 0;
	pid_t user;
	int rc;

	rc = current_driver(dev, cur, sizeof(cur));
	if (rc) {
		cli_error(arg, "%s", strerror(-rc));
		return 1;
	}
	if (!strcmp(cur, target)) {
		printf("famfs: %s: already in %s mode\n", arg, mode_of(cur));
		return 0;
	}
	/* unbound too: files opened under the last binding may remain */
	if (device_number(dev, &rdev) == 0) {
		user = cli_proc_find(pid_uses_node, &rdev, comm, sizeof(comm));
		if (user) {
			cli_error(arg, "in use: open by pid %d (%s); close it before changing mode",
				  (int)user, comm);
			return 1;
		}
	}
	if (*cur) {
		rc = driver_write(cur, "unbind", dev);
		if (rc) {
			cli_error(arg, "unbind from %s: %s", cur, strerror(-rc));
			return 1;
		}
	}
	/* keep the other driver from grabbing it back (ignore: may lack it) */
	if (driver_loaded(other))
		driver_write(other, "remove_id", dev);
	rc = bind_to(dev, target);
	if (rc) {
		cli_error(arg, "bind to %s: %s", target, rc == -ENXIO ?
			  "did not take the device" : strerror(-rc));
		if (*cur && bind_to(dev, cur))
			cli_error(arg, "could not bind %s again: device unbound",
				  cur);
		return 1;
	}
	printf("famfs: %s: now in %s mode\n", arg, mode_of(target));
	return 0;
}

int cmd_daxmode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX], cur[64];
	const char *arg, *dev, *target = NULL;
	struct stat st;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
		if (c == 'h') {
			daxmode_usage(stdout);
			return 0;
		}
		daxmode_usage(stderr);
		return 2;
	}
	if (cli_operands(argc, argv, 1, 2, "DEVICE MODE")) {
		daxmode_usage(stderr);
		return 2;
	}
	arg = argv[optind];
	if (optind == argc - 2) {
		if (!strcmp(argv[optind + 1], "famfs"))
			target = FSDEV_DRIVER;
		else if (!strcmp(argv[optind + 1], "devdax"))
			target = DEVDAX_DRIVER;
		else {
			cli_error(argv[optind + 1],
				  "unknown mode (famfs or devdax)");
			return 2;
		}
	}
	dev = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	if (target && !driver_loaded(target)) {
		cli_error(arg, "%s not loaded", target);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bus/dax/devices/%s", sysfs(), dev);
	if (!*dev || strncmp(dev, "dax", 3) || stat(path, &st)) {
		cli_error(arg, "not a devdax device");
		return 1;
	}
	if (target)
		return switch_mode(arg, dev, target);
	rc = current_driver(dev, cur, sizeof(cur));
	if (rc) {
		cli_error(arg, "%s", strerror(-rc));
		return 1;
	}
	printf("%s\n", mode_of(cur));
	return 0;
}
