// SPDX-License-Identifier: Apache-2.0
/*
 * mkfs.famfs [-f] [-k] [-l LOGLEN] [--size SIZE] DEVICE
 * Formats a famfs: superblock (and backup), empty log, data area.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs.h"
#include "mounted.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mkfs.famfs [-fk] [-l LOGLEN] [-m MODE] [-u USER]\n"
		"                  [-g GROUP] [-s SIZE] [--format-version N]\n"
		"                  DEVICE\n"
		"  -f, --force      overwrite an existing famfs (not while mounted;\n"
		"                   twice: even when its host table says some\n"
		"                   host still has it mounted)\n"
		"  -k, --kill       wipe the superblock (the device is no longer famfs)\n"
		"  -l, --loglen N   log length from 2M to 1G, rounded up to a power of\n"
		"                   two (default 8M)\n"
		"  -s, --size N     create DEVICE as a file of N bytes if it does not exist\n"
		"  -m, --mode MODE  root directory permissions, octal (default 0755)\n"
		"  -u, --uid USER   root directory owner (name or number, default 0)\n"
		"  -g, --gid GROUP  root directory group (name or number, default 0)\n"
		"      --format-version N\n"
		"                   on-media format: 2 (default), or 1 for hosts\n"
		"                   whose famfs reads only version 1\n"
		"  -h, -?, --help   this text\n"
		"Sizes take K, M, G, T suffixes (binary).\n"
		"Exit status: 0 done, 1 failed (nothing written), 2 usage.\n");
}

static int err(const char *what, const char *reason)
{
	fprintf(stderr, "mkfs.famfs: %s: %s\n", what, reason);
	return 1;
}

/* A bad option value is a usage error (exit 2), as mkfs.famfs(8) says. */
static int bad_value(const char *what, const char *reason)
{
	err(what, reason);
	return 2;
}

/* A user or group given by name or number. */
static int parse_id(const char *text, bool group, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (*text >= '0' && *text <= '9') {
		errno = 0;
		v = strtoul(text, &end, 10);
		if (errno || *end || v >= UINT32_MAX)
			return -1;
		*id = (uint32_t)v;
		return 0;
	}
	if (group) {
		struct group *g = getgrnam(text);

		if (!g)
			return -1;
		*id = (uint32_t)g->gr_gid;
	} else {
		struct passwd *p = getpwnam(text);

		if (!p)
			return -1;
		*id = (uint32_t)p->pw_uid;
	}
	return 0;
}

/*
 * Create (or, with --force, resize) a regular file to act as the device;
 * *created says whether it did not exist before (mkfs removes it again
 * when it then fails).
 */
static int prepare_file(const char *path, uint64_t size, bool force,
			bool *created)
{
	struct stat st;
	int fd, rc = 0;

	*created = false;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size == size)
			return 0;
		if (!force)
			return err(path, "exists with a different size "
				   "(use -f to resize it)");
	} else if (errno != ENOENT) {
		return err(path, strerror(errno));
	} else {
		*created = true;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*created = false;
		return err(path, strerror(errno));
	}
	if (ftruncate(fd, (off_t)size))
		rc = err(path, strerror(errno));
	close(fd);
	return rc;
}

/* The refusal of a device smaller than a famfs with @mo's log. */
static int too_small(const char *path, const struct famfs_mkfs_opts *mo)
{
	uint64_t log_len = mo->log_len ? mo->log_len : FAMFS_DEFAULT_LOG_LEN;
	char need[32], log[32], reason[160];

	famfs_format_size(famfs_min_device_size(log_len), need, sizeof(need));
	famfs_format_size(log_len, log, sizeof(log));
	snprintf(reason, sizeof(reason), "device too small for a famfs: "
		 "needs %s (superblock, a log of %s, one 2 MiB unit)",
		 need, log);
	return err(path, reason);
}

/* Format (or, with -k, wipe) @path: 0, or 1 after printing why not. */
static int make(const char *path, const struct famfs_mkfs_opts *mo,
		bool kill_sb, unsigned int force)
{
	struct famfs_sb_info sb;
	struct famfs_dev *dev;
	char uuid[37], a[32], b[32];
	uint64_t units;
	int rc;

	rc = famfs_dev_open(path, FAMFS_DEV_RDWR, &dev);
	if (rc == -ENOSPC)
		return too_small(path, mo);
	if (rc)
		return err(path, strerror(-rc));
	/* overwriting: not while any host serves the filesystem there */
	if ((mo->force || kill_sb) && mkfs_refuse_mounted(path, dev, force)) {
		famfs_dev_close(dev);
		return 1;
	}

	if (kill_sb) {
		/*
		 * a mistyped device name must not lose its first bytes:
		 * only a device with a famfs superblock (either copy,
		 * damaged or not) is wiped
		 */
		if (famfs_sb_read(dev, &sb, NULL, NULL) == -ENOENT) {
			famfs_dev_close(dev);
			return err(path, "holds no famfs superblock: nothing "
				   "wiped");
		}
		rc = famfs_wipe_sb(dev);
		famfs_dev_close(dev);
		if (rc == -EBUSY)
			return err(path, "in use by a famfs mount");
		if (rc)
			return err(path, strerror(-rc));
		printf("%s: famfs superblock wiped\n", path);
		return 0;
	}

	{
		uint8_t host[16];

		/* the superblock records this host as the master */
		if (famfs_system_uuid(host, NULL)) {
			famfs_dev_close(dev);
			return err(path, "cannot tell this host's system UUID "
				   "(set FAMFS_SYSTEM_UUID, or write one to "
				   "/etc/famfs/system_uuid)");
		}
	}
	rc = famfs_mkfs(dev, mo, &sb);
	famfs_dev_close(dev);
	switch (rc) {
	case 0:
		break;
	case -EEXIST:
		return err(path, "already holds a famfs (use -f to "
			   "overwrite it)");
	case -ENOSPC:
		return too_small(path, mo);
	case -EBUSY:
		return err(path, "in use by a famfs mount");
	default:
		return err(path, strerror(-rc));
	}

	famfs_uuid_unparse(sb.fs_uuid, uuid);
	printf("famfs created on %s\n", path);
	printf("  uuid:         %s\n", uuid);
	famfs_uuid_unparse(sb.master_uuid, uuid);
	printf("  master:       %s\n", uuid);
	printf("  format:       version %u\n", sb.version);
	famfs_format_size(sb.device_size, a, sizeof(a));
	printf("  device size:  %" PRIu64 " (%s)\n", sb.device_size, a);
	printf("  root:         mode %04o, uid %u, gid %u\n",
	       sb.root_mode ? sb.root_mode : 0755, sb.root_uid, sb.root_gid);
	famfs_format_size(sb.log_len, a, sizeof(a));
	printf("  log:          %s at offset %" PRIu64 ", room for about %"
	       PRIu64 " entries\n", a, sb.log_offset,
	       famfs_log_capacity_entries(sb.log_len));
	famfs_format_size(sb.device_size - sb.data_offset, b, sizeof(b));
	units = (sb.device_size - sb.data_offset) / sb.alloc_unit;
	printf("  data:         %s from offset %" PRIu64 " in %" PRIu64
	       " unit%s of 2 MiB\n", b, sb.data_offset, units,
	       units == 1 ? "" : "s");
	return 0;
}

static int mkfs_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "kill", no_argument, NULL, 'k' },
		{ "loglen", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "format-version", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct famfs_mkfs_opts mo = { 0 };
	bool kill_sb = false, created = false;
	unsigned int force = 0;
	uint64_t size = 0;
	const char *path;
	int c, rc;

	opterr = 0;	/* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":fkl:s:m:u:g:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			mo.force = true;
			force++;
			break;
		case 'k':
			kill_sb = true;
			break;
		case 'l':
			if (famfs_parse_size(optarg, &mo.log_len) ||
			    mo.log_len < FAMFS_MIN_LOG_LEN ||
			    mo.log_len > FAMFS_MAX_LOG_LEN)
				return bad_value(optarg, "bad log length: must "
						 "be from 2M to 1G");
			/* upstream takes any size: round up, and say so */
			if (mo.log_len & (mo.log_len - 1)) {
				char rounded[32];

				while (mo.log_len & (mo.log_len - 1))
					mo.log_len &= mo.log_len - 1;
				mo.log_len <<= 1;
				famfs_format_size(mo.log_len, rounded,
						  sizeof(rounded));
				printf("mkfs.famfs: log length %s rounded up "
				       "to %s (a power of two)\n", optarg,
				       rounded);
			}
			break;
		case 's':
			if (famfs_parse_size(optarg, &size) || !size)
				return bad_value(optarg, "bad size");
			break;
		case 'm': {
			char *end;
			unsigned long mode = strtoul(optarg, &end, 8);

			if (*end || end == optarg || !mode || mode > 07777)
				return bad_value(optarg,
						 "bad mode: octal, 1 to 7777");
			mo.root_mode = (uint32_t)mode;
			break;
		}
		case 'u':
			if (parse_id(optarg, false, &mo.root_uid))
				return bad_value(optarg, "no such user");
			break;
		case 'g':
			if (parse_id(optarg, true, &mo.root_gid))
				return bad_value(optarg, "no such group");
			break;
		case 'F':
			if (strcmp(optarg, "1") && strcmp(optarg, "2"))
				return bad_value(optarg,
						 "bad format version: 1 or 2");
			mo.version = (uint32_t)(optarg[0] - '0');
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "mkfs.famfs: %s: needs a value\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			if (optopt == '?') {	/* upstream's help */
				usage(stdout);
				return 0;
			}
			if (optopt)
				fprintf(stderr, "mkfs.famfs: -%c: unknown "
					"option\n", optopt);
			else
				fprintf(stderr, "mkfs.famfs: %s: unknown "
					"option\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		if (optind == argc)
			fprintf(stderr, "mkfs.famfs: missing DEVICE\n");
		else
			err(argv[optind + 1], "extra argument");
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	if (size && prepare_file(path, size, mo.force, &created))
		return 1;
	rc = make(path, &mo, kill_sb, force);
	/* a device file this run made is not left behind by a failure */
	if (rc && created)
		unlink(path);
	return rc;
}

/* What was printed must have reached stdout (a full disk is a failure). */
int main(int argc, char **argv)
{
	int rc = mkfs_main(argc, argv);
	bool failed = fflush(stdout) != 0 || ferror(stdout);
	int saved = errno;

	if (fclose(stdout) && !failed) {
		failed = true;
		saved = errno;
	}
	if (!failed)
		return rc;
	err("standard output", strerror(saved));
	return rc ? rc : 1;
}
