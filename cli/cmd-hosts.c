// SPDX-License-Identifier: Apache-2.0
/*
 * famfs hosts [--json] [TARGET]
 * famfs hosts evict [--force] UUID [TARGET]
 *
 * The host table of a format version 2 filesystem: every host that has
 * it mounted, how far it replayed the log, its last heartbeat and the
 * deleted files it still pins. Evicting declares a host gone (crashed,
 * partitioned): the master stops keeping space for it, and the host, if
 * it comes back, serves EIO. TARGET is a device or a path in a famfs
 * mount; by default the one famfs mount of this host.
 */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* A live host beats at least once a second: look this long. */
#define ALIVE_WAIT_US 2500000

static void hosts_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs hosts [--json] [TARGET]\n"
		"       famfs hosts evict [--force] UUID [TARGET]\n"
		"  TARGET        a famfs device or a path in a famfs mount\n"
		"                (default: this host's one famfs mount)\n"
		"  -j, --json    list as JSON\n"
		"  -f, --force   evict a host even while its heartbeat advances\n"
		"  -h, --help    this help\n");
}

static int only_mount(void *ctx, const struct famfs_mount_info *mi)
{
	struct famfs_mount_info *found = ctx;

	if (found->device[0]) {
		found->mountpoint[0] = '\0';	/* several */
		return 1;
	}
	*found = *mi;
	return 0;
}

/* The device @target names (a device, or a path in a famfs mount). */
static int device_of(const char *target, char *device, size_t len)
{
	struct famfs_mount_info mi = { 0 };
	struct cli_target t;

	if (target) {
		if (cli_target_find(target, &t) == 0)
			target = t.mi.device;
		snprintf(device, len, "%s", target);
		return 0;
	}
	famfs_list_mounts(only_mount, &mi);
	if (!mi.device[0]) {
		cli_error(NULL, "no famfs mount on this host: name a device");
		return -ENOENT;
	}
	if (!mi.mountpoint[0]) {
		cli_error(NULL, "several famfs mounts: name one or a device");
		return -EINVAL;
	}
	snprintf(device, len, "%s", mi.device);
	return 0;
}

static const char *role_name(const struct famfs_host_info *h)
{
	return h->role == FAMFS_HOST_MASTER ? "master" :
	       h->role == FAMFS_HOST_CLIENT ? "client" :
					      "?";
}

static const char *state_name(const struct famfs_host_info *h)
{
	if (h->status == FAMFS_SLOT_DAMAGED)
		return h->evicted ? "damaged,evicted" : "damaged";
	if (h->status == FAMFS_SLOT_FOREIGN)
		return "other-fs";
	if (h->evicted)
		return "evicted";
	switch (h->state) {
	case FAMFS_HOST_MOUNTED:
		return "mounted";
	case FAMFS_HOST_UNMOUNTED:
		return "unmounted";
	case FAMFS_HOST_FREE:
		return "free";
	default:
		return "?";
	}
}

static double age_seconds(uint64_t ns)
{
	struct timespec now;
	double t;

	clock_gettime(CLOCK_REALTIME, &now);
	t = (double)now.tv_sec + now.tv_nsec / 1e9 - (double)ns / 1e9;
	return t < 0 ? 0 : t;
}

struct listing {
	bool json;
	struct json_object *arr;
	uint8_t self[16];
};

static int list_host(void *ctx, const struct famfs_host_info *h)
{
	struct listing *l = ctx;
	char uuid[37];
	bool self = !memcmp(h->system_uuid, l->self, 16);

	if (h->status == FAMFS_SLOT_FOREIGN)
		return 0;
	famfs_uuid_unparse(h->system_uuid, uuid);
	if (l->json) {
		struct json_object *o = json_object_new_object(), *pins;

		json_object_object_add(o, "slot", json_object_new_int(
						      (int)h->slot));
		json_object_object_add(o, "system_uuid",
				       json_object_new_string(uuid));
		json_object_object_add(o, "this_host",
				       json_object_new_boolean(self));
		json_object_object_add(o, "role",
				       json_object_new_string(role_name(h)));
		json_object_object_add(o, "state",
				       json_object_new_string(state_name(h)));
		json_object_object_add(o, "evicted",
				       json_object_new_boolean(h->evicted));
		json_object_object_add(o, "damaged",
				       json_object_new_boolean(
					       h->status == FAMFS_SLOT_DAMAGED));
		json_object_object_add(o, "replayed", json_object_new_int64(
							      (int64_t)h->replayed));
		json_object_object_add(o, "heartbeat", json_object_new_int64(
							       (int64_t)h->heartbeat));
		json_object_object_add(o, "heartbeat_time_ns",
				       json_object_new_int64(
					       (int64_t)h->heartbeat_time));
		json_object_object_add(o, "heartbeat_age_s",
				       json_object_new_double(
					       age_seconds(h->heartbeat_time)));
		json_object_object_add(o, "mount_time_ns",
				       json_object_new_int64(
					       (int64_t)h->mount_time));
		json_object_object_add(o, "pins_everything",
				       json_object_new_boolean(
					       h->pins_overflow));
		pins = json_object_new_array();
		for (uint32_t i = 0; i < h->npins; i++)
			json_object_array_add(pins, json_object_new_int64(
							    (int64_t)h->pins[i]));
		json_object_object_add(o, "pins", pins);
		json_object_array_add(l->arr, o);
		return 0;
	}
	printf("%-4u %-36s %-6s %-15s %10llu %7.1fs %s",
	       (unsigned int)h->slot, uuid, role_name(h), state_name(h),
	       (unsigned long long)h->replayed, age_seconds(h->heartbeat_time),
	       h->pins_overflow ? "all" : "");
	if (!h->pins_overflow) {
		printf("%u", (unsigned int)h->npins);
		for (uint32_t i = 0; i < h->npins && i < 8; i++)
			printf("%s%llu", i ? "," : " (",
			       (unsigned long long)h->pins[i]);
		if (h->npins)
			printf("%s)", h->npins > 8 ? ",..." : "");
	}
	printf("%s\n", self ? "  (this host)" : "");
	return 0;
}

/*
 * Why famfs_fs_open() refused @device: it returns -ENOENT both for a
 * device that does not exist and for one without a famfs superblock,
 * and -ENOSPC for one too small to hold a famfs.
 */
static const char *open_failure(const char *device, int rc)
{
	struct stat st;

	if (rc != -ENOENT && rc != -ENOSPC)
		return strerror(-rc);
	if (stat(device, &st))
		return strerror(errno);
	return "not a famfs device (no superblock)";
}

static int hosts_list(const char *device, bool json)
{
	struct listing l = { .json = json };
	struct famfs_report quiet = { 0 };
	struct famfs_usage u;
	struct famfs_fs *fs;
	char held[32];
	int rc;

	rc = famfs_fs_open(device, FAMFS_OPEN_RDONLY, &quiet, &fs);
	if (rc) {
		cli_error(device, "%s", open_failure(device, rc));
		return 1;
	}
	if (famfs_fs_sb(fs)->version < 2) {
		cli_error(device, "format version 1 has no host table");
		famfs_fs_close(fs);
		return 1;
	}
	if (famfs_system_uuid(l.self, NULL))
		memset(l.self, 0, sizeof(l.self));
	famfs_fs_usage(fs, &u);
	if (json) {
		l.arr = json_object_new_array();
	} else {
		famfs_format_size(u.held_bytes, held, sizeof(held));
		printf("log at entry %llu", (unsigned long long)u.last_seq);
		if (u.held_bytes)
			printf("; %s deleted, waiting for hosts", held);
		putchar('\n');
		printf("%-4s %-36s %-6s %-15s %10s %8s %s\n", "SLOT", "HOST",
		       "ROLE", "STATE", "REPLAYED", "BEAT", "PINS");
	}
	rc = famfs_hosts_read(famfs_fs_dev(fs), famfs_fs_sb(fs), list_host,
			      &l);
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "device",
				       json_object_new_string(device));
		json_object_object_add(o, "log_sequence", json_object_new_int64(
							  (int64_t)u.last_seq));
		json_object_object_add(o, "held_bytes", json_object_new_int64(
							(int64_t)u.held_bytes));
		json_object_object_add(o, "hosts", l.arr);
		printf("%s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	famfs_fs_close(fs);
	return rc ? 1 : 0;
}

struct victims {
	uint8_t uuid[16];
	int n;
	uint32_t slot[FAMFS_HOST_SLOTS];
	uint64_t nonce[FAMFS_HOST_SLOTS];
	uint64_t beat[FAMFS_HOST_SLOTS];
	bool damaged[FAMFS_HOST_SLOTS];
};

static int find_victim(void *ctx, const struct famfs_host_info *h)
{
	struct victims *v = ctx;

	if (memcmp(h->system_uuid, v->uuid, 16) || h->evicted ||
	    (h->status != FAMFS_SLOT_DAMAGED &&
	     (h->status != FAMFS_SLOT_OK || h->state != FAMFS_HOST_MOUNTED)))
		return 0;
	v->slot[v->n] = h->slot;
	v->nonce[v->n] = h->nonce;
	v->beat[v->n] = h->heartbeat;
	v->damaged[v->n] = h->status == FAMFS_SLOT_DAMAGED;
	v->n++;
	return 0;
}

struct beat_check {
	uint32_t slot;
	uint64_t nonce, beat;
	bool found;
};

static int current_beat(void *ctx, const struct famfs_host_info *h)
{
	struct beat_check *b = ctx;

	if (h->slot != b->slot || h->nonce != b->nonce)
		return 0;
	b->beat = h->heartbeat;
	b->found = true;
	return 1;
}

static int hosts_evict(const char *device, const char *uuid_text, bool force)
{
	struct famfs_report quiet = { 0 };
	struct victims *v;
	struct famfs_fs *fs;
	uint8_t self[16];
	int rc, evicted = 0, kept = 0, status = 0;
	bool own;

	v = calloc(1, sizeof(*v));
	if (!v)
		return 1;
	if (famfs_uuid_parse(uuid_text, v->uuid)) {
		cli_error(uuid_text, "not a UUID");
		free(v);
		return 2;
	}
	/* beside a running daemon: the eviction word is one aligned store */
	rc = famfs_fs_open(device, FAMFS_OPEN_RDWR | FAMFS_OPEN_NO_LOCK,
			   &quiet, &fs);
	if (rc) {
		cli_error(device, "%s", open_failure(device, rc));
		free(v);
		return 1;
	}
	if (!famfs_fs_is_master(fs)) {
		cli_error(device, "only the master evicts hosts (this host "
			  "is a client)");
		status = 1;
		goto out;
	}
	rc = famfs_hosts_read(famfs_fs_dev(fs), famfs_fs_sb(fs), find_victim,
			      v);
	if (rc == -EOPNOTSUPP) {
		cli_error(device, "format version 1 has no host table");
		status = 1;
		goto out;
	}
	if (!v->n) {
		cli_error(uuid_text, "no mounted host with this UUID");
		status = 1;
		goto out;
	}
	/*
	 * this host's own slots: the stale ones of killed daemons go, but
	 * never the live mount this master serves from, --force or not
	 */
	own = !famfs_system_uuid(self, NULL) && !memcmp(self, v->uuid, 16);
	if (!force || own)
		usleep(ALIVE_WAIT_US);
	for (int i = 0; i < v->n; i++) {
		struct beat_check b = { .slot = v->slot[i],
					.nonce = v->nonce[i] };

		famfs_hosts_read(famfs_fs_dev(fs), famfs_fs_sb(fs),
				 current_beat, &b);
		if (own && b.found && b.beat != v->beat[i] &&
		    !v->damaged[i]) {
			printf("famfs: %s: slot %u is this host's live mount: "
			       "kept\n", uuid_text, (unsigned int)v->slot[i]);
			kept++;
			continue;
		}
		if (!force && b.found && b.beat != v->beat[i] &&
		    !v->damaged[i]) {
			cli_error(uuid_text, "slot %u is alive (its heartbeat "
				  "advanced); unmount it on its host, or use "
				  "--force", (unsigned int)v->slot[i]);
			status = 1;
			continue;
		}
		rc = famfs_host_evict(fs, v->slot[i], v->nonce[i]);
		if (rc == -ESTALE) {
			continue;	/* unmounted or remounted meanwhile */
		} else if (rc) {
			cli_error(uuid_text, "slot %u: %s",
				  (unsigned int)v->slot[i], strerror(-rc));
			status = 1;
			continue;
		}
		printf("famfs: evicted host %s (slot %u): the space it pinned "
		       "is reclaimed, and it serves EIO if it comes back\n",
		       uuid_text, (unsigned int)v->slot[i]);
		evicted++;
	}
	if (!evicted && !status) {
		cli_error(uuid_text, "%s", kept ? "only this host's live "
			  "mount has this UUID (famfs umount it instead)" :
			  "no mounted host with this UUID");
		status = 1;
	}
out:
	famfs_fs_close(fs);
	free(v);
	return status;
}

int cmd_hosts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, force = false, evict = false;
	char device[FAMFS_PATH_MAX + 1];
	int c, left;

	while ((c = cli_getopt(argc, argv, "+jfh", opts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			hosts_usage(stdout);
			return 0;
		default:
			hosts_usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "evict")) {
		evict = true;
		optind++;
		/* options may follow the word: hosts evict --force UUID */
		while ((c = cli_getopt(argc, argv, "+fh", opts)) != -1) {
			if (c == 'f') {
				force = true;
			} else if (c == 'h') {
				hosts_usage(stdout);
				return 0;
			} else {
				hosts_usage(stderr);
				return 2;
			}
		}
	}
	left = argc - optind;
	if ((evict && (left < 1 || left > 2)) || (!evict && left > 1) ||
	    (force && !evict)) {
		if (force && !evict)
			cli_error("hosts", "--force goes with evict");
		else
			cli_operands(argc, argv, evict ? 1 : 0,
				     evict ? 2 : 1, "UUID TARGET");
		hosts_usage(stderr);
		return 2;
	}
	if (device_of(argc - optind > (evict ? 1 : 0) ? argv[argc - 1] : NULL,
		      device, sizeof(device)))
		return 1;
	if (evict)
		return hosts_evict(device, argv[optind], force);
	return hosts_list(device, json);
}
