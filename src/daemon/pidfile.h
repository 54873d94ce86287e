/*
 * pidfile: /run/sctpalg/sctpalgd.pid, written so that two daemons can
 * never both believe they own it.
 *
 * The file is created with O_EXCL when absent; either way the daemon
 * holds an exclusive flock(2) on it for its whole life.  A file that
 * exists but is not locked belongs to a daemon that died: it is taken
 * over in place (truncated, rewritten), never unlinked and re-created,
 * because that is where two starting daemons could race.  A locked file
 * means a live daemon: -EEXIST, with its pid.
 *
 * Create it after daemonize_start() (the pid must be the daemon's).
 */
#ifndef SCTPALG_PIDFILE_H
#define SCTPALG_PIDFILE_H

#include <sys/types.h>

struct pidfile;

/*
 * 0, or -EEXIST (another daemon holds it; its pid in *holder when
 * known, else 0) or another -errno.
 */
int pidfile_create(const char *path, struct pidfile **out, pid_t *holder);
/*
 * Removes the file if it is still the one we wrote.  After a privilege
 * drop the directory may no longer be writable: the file is then emptied
 * instead, which the next start treats as stale.
 */
void pidfile_destroy(struct pidfile *pf);

#endif
