/*
 * state_file: the [daemon] state-file on disk (sctpalgd.conf(5)): the
 * association table saved at exit and restored at start, so a restart of
 * sctpalgd loses no association.  The bytes are engine_persist's; this module
 * owns only the file.
 *
 * The directory is opened at start, while the daemon is still root, and
 * every later access is relative to that descriptor (openat, renameat):
 * the file is replaced at exit by whatever user the daemon then runs as,
 * whatever became of the path in between.
 *
 * Saved at exit and, with state-interval, every so many seconds from the
 * event loop (a write and two fsyncs; with a full table of 16384
 * associations some 2.5 MB).
 *
 * Saving is atomic: PATH.tmp is written, fsync'd and renamed over PATH,
 * then the directory is fsync'd, so a crash or power loss leaves the old
 * file or the new one, never half of either.  A file that was read at
 * start is renamed to PATH.old at once, so a daemon that crashes (and
 * saves nothing) does not replay a stale table on its next start; a file
 * that was rejected stays there for inspection too.
 */
#ifndef SCTPALG_STATE_FILE_H
#define SCTPALG_STATE_FILE_H

#include <stdint.h>
#include <sys/types.h>

struct engine;
struct state_file;

/* Open (and if missing, create, mode 0700) the directory of path. */
int state_file_open(const char *path, struct state_file **out);
void state_file_close(struct state_file *sf);
/*
 * Before a drop to another user: hands the file's directory to uid:gid
 * if state_file_open() created it (sctpalgd's own directory), so the
 * user can write the file without CAP_DAC_OVERRIDE.  A directory that
 * was already there stays as the administrator made it.  0 or -errno.
 */
int state_file_give_dir(struct state_file *sf, uid_t uid, gid_t gid);

/*
 * Restore the file into e, then move it to PATH.old; logs what was
 * restored and skipped, or why the file was rejected.  Returns the number
 * of associations restored (0 when there is no file) or -errno; the
 * daemon carries on with an empty table either way.
 */
int state_file_restore(struct state_file *sf, struct engine *e,
		       uint64_t now_ns);

/*
 * Save e's associations (mode 0600) and log the count; a no-op for NULL
 * sf.  Returns the count or -errno (PATH is then left as it was).
 */
int state_file_save(struct state_file *sf, const struct engine *e,
		    uint64_t now_ns);
/*
 * The same while running (state-interval), logged at debug level only:
 * a daemon that is killed or crashes then restarts from this save.
 */
int state_file_checkpoint(struct state_file *sf, const struct engine *e,
			  uint64_t now_ns);

#endif
