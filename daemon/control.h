/* budgetd --reload: a running daemon asked, through its own socket. */
#ifndef BUDGETD_CONTROL_H
#define BUDGETD_CONTROL_H

struct daemon;

/*
 * Sends "reload" to the daemon that d's config describes, over the first
 * listener that trusts its peers, and prints what it answered.  Returns 0
 * when it reloaded, 1 when it refused (the reason on stderr), 2 when it
 * could not be reached.  This is what systemd's ExecReload runs, so that
 * `systemctl reload` fails when the new config is refused.
 */
int control_reload(const struct daemon *d);

#endif
