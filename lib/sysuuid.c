// SPDX-License-Identifier: Apache-2.0
/* This host's identity, which decides master vs client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_CONFIG "/etc/famfs/system_uuid"
#define MACHINE_ID "/etc/machine-id"

static int uuid_from_file(const char *path, uint8_t uuid[16])
{
	char line[128];
	FILE *f = fopen(path, "re");
	int rc;

	if (!f)
		return -errno;
	rc = fgets(line, sizeof(line), f) ? famfs_uuid_parse(line, uuid) :
					    -EINVAL;
	fclose(f);
	return rc;
}

int famfs_system_uuid(uint8_t uuid[16], const char **source)
{
	const char *env = getenv("FAMFS_SYSTEM_UUID");
	const char *config = getenv("FAMFS_CONFIG");
	int rc;

	if (env && *env) {
		if (source)
			*source = "FAMFS_SYSTEM_UUID";
		return famfs_uuid_parse(env, uuid);
	}
	if (!config || !*config)
		config = DEFAULT_CONFIG;
	rc = uuid_from_file(config, uuid);
	if (rc == 0) {
		if (source)
			*source = config;
		return 0;
	}
	if (rc != -ENOENT)
		return rc;
	if (source)
		*source = MACHINE_ID;
	return uuid_from_file(MACHINE_ID, uuid);
}
