/*
 * Unit tests for daemonize: the started process exits 0 only once the
 * daemon said it is ready and 1 when the daemon dies first; the daemon
 * runs in a new session, is not the session leader, and sits in "/".
 * Each case runs in a forked child, which plays the started command.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/types.h>
#include <sys/wait.h>

#include "daemonize.h"

struct report {
	pid_t pid, sid;
	char cwd[16];
};

/*
 * Forks the "command"; its daemon sends what it sees through a pipe and
 * either says ready or dies.  Returns the command's exit status.
 */
static int start(bool ready, struct report *r)
{
	int p[2], status, fd = -1;
	pid_t cmd;

	cr_assert_eq(pipe(p), 0);
	cmd = fork();
	cr_assert_geq(cmd, 0);
	if (cmd == 0) {
		close(p[0]);
		if (daemonize_start(&fd) < 0)
			_exit(2);
		/* The daemon. */
		r->pid = getpid();
		r->sid = getsid(0);
		if (!getcwd(r->cwd, sizeof(r->cwd)))
			r->cwd[0] = '\0';
		if (write(p[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
			_exit(3);
		if (ready)
			daemonize_ready(fd);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(waitpid(cmd, &status, 0), cmd);
	cr_assert_eq(read(p[0], r, sizeof(*r)), (ssize_t)sizeof(*r));
	close(p[0]);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

Test(daemonize, ready_means_success)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	cr_assert_eq(start(true, &r), 0);
	cr_assert_neq(r.sid, getsid(0), "a session of its own");
	cr_assert_neq(r.sid, r.pid, "not the session leader");
	cr_assert_str_eq(r.cwd, "/");
}

Test(daemonize, death_before_ready_means_failure)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	cr_assert_eq(start(false, &r), 1);
}
