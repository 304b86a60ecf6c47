/* The plugin ABI check: what the host accepts of a descriptor before it
 * calls anything in it.  The host mock of the unit tests runs this same
 * check, so a plugin that passes its unit tests loads in the daemon. */
#include "abi.h"

#include <errno.h>
#include <stdio.h>

/* sizeof(struct bd_plugin) at each minor of this major: a plugin of an
 * older minor has a smaller descriptor, and the host reads no further. */
static const uint32_t plugin_size_at_minor[BD_ABI_MINOR + 1] = {
    [0] = sizeof(struct bd_plugin),
    [1] = sizeof(struct bd_plugin), /* 2.1 added to the host table only */
    [2] = sizeof(struct bd_plugin), /* 2.2 added to bd_submission only */
    [3] = sizeof(struct bd_plugin), /* 2.3: host functions, stage views */
    [4] = sizeof(struct bd_plugin), /* 2.4: flags, in a reserved slot */
    [5] = sizeof(struct bd_plugin), /* 2.5: a flag, publish off the loop */
    [6] = sizeof(struct bd_plugin), /* 2.6: apply's collector may be NULL */
};

uint32_t abi_plugin_size(uint32_t minor)
{
	return minor <= BD_ABI_MINOR ? plugin_size_at_minor[minor] : 0;
}

int abi_check(const struct bd_plugin *desc, char *err, size_t err_size)
{
	if (desc->abi_major != BD_ABI_MAJOR) {
		snprintf(err, err_size,
			 "built for plugin ABI %u.%u; this daemon speaks %u.%u "
			 "(major versions must match): rebuild the plugin",
			 desc->abi_major, desc->abi_minor,
			 (unsigned)BD_ABI_MAJOR, (unsigned)BD_ABI_MINOR);
		return -EPROTO;
	}
	if (desc->abi_minor > BD_ABI_MINOR) {
		snprintf(err, err_size,
			 "built for plugin ABI %u.%u, newer than this daemon's "
			 "%u.%u: upgrade budgetd",
			 desc->abi_major, desc->abi_minor,
			 (unsigned)BD_ABI_MAJOR, (unsigned)BD_ABI_MINOR);
		return -EPROTO;
	}
	uint32_t need = abi_plugin_size(desc->abi_minor);
	if (desc->struct_size < need) {
		snprintf(err, err_size,
			 "descriptor is %u bytes, ABI %u.%u needs %u: the "
			 "plugin was built against a different header",
			 desc->struct_size, desc->abi_major, desc->abi_minor,
			 need);
		return -EPROTO;
	}
	if (desc->name == NULL || desc->init == NULL) {
		snprintf(err, err_size, "descriptor lacks a name or init");
		return -EPROTO;
	}
	if (desc->query != NULL && desc->query_ops == NULL) {
		snprintf(err, err_size,
			 "descriptor has a query callback but no query_ops");
		return -EPROTO;
	}
	for (const struct bd_query_op *o = desc->query_ops; o && o->name; o++) {
		if (desc->query == NULL) {
			snprintf(err, err_size,
				 "query op \"%s\" declared without a query "
				 "callback",
				 o->name);
			return -EPROTO;
		}
		if (o->flags & ~(uint32_t)BD_QUERY_SCOPED) {
			snprintf(err, err_size,
				 "query op \"%s\" has flags 0x%x this host "
				 "does not know",
				 o->name, (unsigned)o->flags);
			return -EPROTO;
		}
	}
	for (const struct bd_config_key *k = desc->config; k && k->name; k++) {
		if ((unsigned)k->type > BD_CONFIG_SIZE || k->min > k->max) {
			snprintf(err, err_size,
				 "config key \"%s\" has an unknown type or a "
				 "range whose min exceeds its max",
				 k->name);
			return -EPROTO;
		}
	}
	return 0;
}
