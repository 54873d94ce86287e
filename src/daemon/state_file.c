/*
 * state_file.c: the association table on disk across a restart (see
 * state_file.h; the format is include/engine_persist.h's).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "engine_persist.h"
#include "log.h"
#include "state_file.h"
#include "time_ns.h"

/* Far above any table sctpalgd can hold; a guard against reading a
 * wrong file (a device, a disk image) into memory. */
#define STATE_FILE_MAX	(1ull << 30)

struct state_file {
	int dirfd;
	bool made_dir;		/* state_file_open() created the directory */
	char path[PATH_MAX];	/* for log lines */
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1], old[NAME_MAX + 1];
};

int state_file_open(const char *path, struct state_file **out)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct state_file *sf;
	size_t dlen;

	if (!slash || !slash[1] || strlen(slash + 1) + 5 > NAME_MAX ||
	    strlen(path) >= sizeof(sf->path))
		return -EINVAL;
	dlen = slash == path ? 1 : (size_t)(slash - path);
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	sf = calloc(1, sizeof(*sf));
	if (!sf)
		return -ENOMEM;
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	snprintf(sf->name, sizeof(sf->name), "%s", slash + 1);
	snprintf(sf->tmp, sizeof(sf->tmp), "%s.tmp", slash + 1);
	snprintf(sf->old, sizeof(sf->old), "%s.old", slash + 1);
	sf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sf->dirfd < 0 && errno == ENOENT && !mkdir(dir, 0700)) {
		sf->made_dir = true;
		sf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (sf->dirfd < 0) {
		int err = -errno;

		free(sf);
		return err;
	}
	*out = sf;
	return 0;
}

void state_file_close(struct state_file *sf)
{
	if (!sf)
		return;
	close(sf->dirfd);
	free(sf);
}

/* The whole file into a malloc'd buffer; 0 or -errno. */
static int read_all(int fd, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t off = 0;
	ssize_t n = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((unsigned long long)st.st_size > STATE_FILE_MAX)
		return -EFBIG;
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf)
		return -ENOMEM;
	while (off < (size_t)st.st_size) {
		n = read(fd, *buf + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* shrank under us: restore sees it short */
		off += (size_t)n;
	}
	if (n < 0) {
		free(*buf);
		return -errno;
	}
	*len = off;
	return 0;
}

/*
 * The file was written at exit: its modification time is when the old
 * daemon stopped counting.  Wall clock, since the monotonic one restarts
 * with the machine; a clock that went back counts as no downtime.
 */
static uint64_t downtime_since_save(int fd)
{
	struct timespec now;
	struct stat st;
	int64_t d;

	if (fstat(fd, &st) || clock_gettime(CLOCK_REALTIME, &now))
		return 0;
	d = (int64_t)(now.tv_sec - st.st_mtim.tv_sec) * (int64_t)NSEC_PER_SEC +
	    (now.tv_nsec - st.st_mtim.tv_nsec);
	return d > 0 ? (uint64_t)d : 0;
}

int state_file_restore(struct state_file *sf, struct engine *e,
		       uint64_t now_ns)
{
	struct engine_restore_report rep;
	uint64_t downtime;
	char skipped[256];
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, r;

	fd = openat(sf->dirfd, sf->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT) {
			log_info("no state file %s: starting with no "
				 "associations", sf->path);
			return 0;
		}
		log_warnx("state file %s: %s; starting with no associations",
			  sf->path, strerror(-r));
		return r;
	}
	downtime = downtime_since_save(fd);
	r = read_all(fd, &buf, &len);
	close(fd);
	if (r) {
		log_warnx("state file %s: %s; starting with no associations",
			  sf->path, strerror(-r));
		return r;
	}
	r = engine_restore(e, buf, len, now_ns, downtime, &rep);
	free(buf);
	if (r < 0)
		log_warnx("state file %s rejected: %s; starting with no "
			  "associations", sf->path, rep.error);
	else
		log_info("restored %d associations from %s (%s)", r, sf->path,
			 engine_restore_report_str(&rep, skipped,
						   sizeof(skipped)));
	/* Consumed: a crash before the next save must not replay it. */
	if (renameat(sf->dirfd, sf->name, sf->dirfd, sf->old) < 0)
		log_warn("state file %s: renaming to %s", sf->path, sf->old);
	return r;
}

int state_file_give_dir(struct state_file *sf, uid_t uid, gid_t gid)
{
	if (!sf || !sf->made_dir)
		return 0;
	return fchown(sf->dirfd, uid, gid) < 0 ? -errno : 0;
}

static int write_fd(const void *buf, size_t len, void *arg)
{
	const uint8_t *p = buf;
	int fd = *(int *)arg;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int save(struct state_file *sf, const struct engine *e,
		uint64_t now_ns, bool periodic)
{
	int fd, n, r;

	if (!sf)
		return 0;
	fd = openat(sf->dirfd, sf->tmp, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		log_warn("state file %s: creating %s", sf->path, sf->tmp);
		return r;
	}
	n = engine_save(e, write_fd, &fd, now_ns);
	r = n < 0 ? n : 0;
	/* Data on disk before the name points at it. */
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(sf->dirfd, sf->tmp, sf->dirfd, sf->name) < 0)
		r = -errno;
	if (r) {
		unlinkat(sf->dirfd, sf->tmp, 0);
		log_warnx("state file %s not saved: %s", sf->path,
			  strerror(-r));
		return r;
	}
	/* And the rename itself. */
	if (fsync(sf->dirfd) < 0)
		log_warn("state file %s: fsync of its directory", sf->path);
	if (periodic)
		log_debug("checkpoint: %d associations saved to %s", n,
			  sf->path);
	else
		log_info("saved %d associations to %s", n, sf->path);
	return n;
}

int state_file_save(struct state_file *sf, const struct engine *e,
		    uint64_t now_ns)
{
	return save(sf, e, now_ns, false);
}

int state_file_checkpoint(struct state_file *sf, const struct engine *e,
			  uint64_t now_ns)
{
	return save(sf, e, now_ns, true);
}
