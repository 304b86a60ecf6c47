/* The plugin ABI check. */
#ifndef BUDGETD_ABI_H
#define BUDGETD_ABI_H

#include <budgetd/plugin.h>

/*
 * Checks a plugin descriptor against this host's ABI: the major, the
 * minor, the descriptor's size at that minor, a name and init, query ops
 * with a callback and known flags, config keys of known types and sane
 * ranges.  Returns 0 or -EPROTO with the reason in err.
 */
int abi_check(const struct bd_plugin *desc, char *err, size_t err_size);

/* sizeof(struct bd_plugin) at a minor of this major (0 for a newer one). */
uint32_t abi_plugin_size(uint32_t minor);

#endif
