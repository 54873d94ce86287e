/*
 * pidfile: O_EXCL creation, a lifelong flock(2), stale files taken over
 * in place (see pidfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>

#include "pidfile.h"

struct pidfile {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
};

/* The pid written in fd's file, 0 if none can be read. */
static pid_t pidfile_read(int fd)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || v <= 0 || v > 0x7fffffff)
		return 0;
	return (pid_t)v;
}

static int pidfile_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0)
		return -errno;
	if (pwrite(fd, buf, (size_t)n, 0) != n)
		return errno ? -errno : -EIO;
	return fsync(fd) < 0 ? -errno : 0;
}

int pidfile_create(const char *path, struct pidfile **out, pid_t *holder)
{
	struct pidfile *pf;
	struct stat st;
	int fd, ret;

	if (holder)
		*holder = 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EEXIST : -errno;
		if (holder && ret == -EEXIST)
			*holder = pidfile_read(fd);
		close(fd);
		return ret;
	}
	/* Ours now: either just created, or a dead daemon's. */
	ret = pidfile_write(fd);
	if (ret < 0)
		goto err_close;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto err_close;
	}
	pf = calloc(1, sizeof(*pf));
	if (!pf || !(pf->path = strdup(path))) {
		free(pf);
		ret = -ENOMEM;
		goto err_close;
	}
	pf->fd = fd;
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	*out = pf;
	return 0;

err_close:
	close(fd);
	return ret;
}

void pidfile_destroy(struct pidfile *pf)
{
	struct stat st;

	if (!pf)
		return;
	/* Only the file we wrote, not one that replaced it meanwhile. */
	if (stat(pf->path, &st) == 0 && st.st_dev == pf->dev &&
	    st.st_ino == pf->ino && pidfile_read(pf->fd) == getpid()) {
		if (unlink(pf->path) < 0 && ftruncate(pf->fd, 0) < 0) {
			/* Neither: the next start finds our dead pid, no
			 * lock on it, and takes the file over. */
		}
	}
	close(pf->fd);
	free(pf->path);
	free(pf);
}
