/*
 * daemonize: detach sctpalgd from its terminal without losing start-up
 * errors.
 *
 * The classic double fork (setsid in between, so the daemon is no session
 * leader and can never get a controlling terminal again), with one
 * addition: the process that was started waits on a pipe until the daemon
 * says it is ready, and exits 0 only then.  A daemon that fails during
 * set-up exits before saying so, and the command that started it exits 1;
 * its error messages still went to the terminal, because stdio is
 * detached only by daemonize_ready().
 */
#ifndef SCTPALG_DAEMONIZE_H
#define SCTPALG_DAEMONIZE_H

/*
 * Returns in the daemon (grandchild) with 0 and *ready_fd to pass to
 * daemonize_ready(); the original process never returns (it exits with
 * the daemon's start-up verdict).  -errno if the forks failed.
 */
int daemonize_start(int *ready_fd);
/*
 * Set-up succeeded: stdin, stdout and stderr go to /dev/null (log to
 * syslog before this), and the waiting parent exits 0.
 */
void daemonize_ready(int ready_fd);

#endif
