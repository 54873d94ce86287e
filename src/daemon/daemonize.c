/*
 * daemonize: double fork with a start-up handshake (see
 * daemonize.h).
 */
#define _GNU_SOURCE		/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "daemonize.h"

int daemonize_start(int *ready_fd)
{
	char verdict;
	pid_t pid;
	int p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid > 0) {
		/*
		 * The starter: wait for the verdict.  The intermediate
		 * child exits at once; reap it so it is no zombie.  _exit:
		 * atexit handlers and stdio buffers belong to the daemon.
		 */
		close(p[1]);
		waitpid(pid, NULL, 0);
		do {
			n = read(p[0], &verdict, 1);
		} while (n < 0 && errno == EINTR);
		_exit(n == 1 && verdict == 'R' ? 0 : 1);
	}

	close(p[0]);
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	/* The daemon: no session leader, no hold on any mount point. */
	if (chdir("/") < 0)
		_exit(1);
	*ready_fd = p[1];
	return 0;
}

void daemonize_ready(int ready_fd)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (ready_fd >= 0) {
		while (write(ready_fd, "R", 1) < 0 && errno == EINTR)
			;
		close(ready_fd);
	}
}
