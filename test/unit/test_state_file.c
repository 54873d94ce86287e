/*
 * Unit tests for state_file: the file side of a restart -- an atomic
 * replace with mode 0600 and no temporary left behind, a directory that
 * is created when missing, the file moved to PATH.old once read, and a
 * damaged file rejected with the daemon carrying on empty.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "engine_fixture.h"
#include "log.h"
#include "state_file.h"

static char dir[64], sub[96], path[128], old[128], tmp[128];

static void setup(void)
{
	strcpy(dir, "/tmp/sctpalg-test-state.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/lib", dir);
	snprintf(path, sizeof(path), "%s/state", sub);
	snprintf(old, sizeof(old), "%s/state.old", sub);
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", sub);
	log_init("test", true, LOG_DAEMON);
}

static void teardown(void)
{
	unlink(path);
	unlink(old);
	unlink(tmp);
	rmdir(sub);
	rmdir(dir);
}

TestSuite(state_file, .init = setup, .fini = teardown);

/* One established association, 192.168.1.10:5000 -> peer:3868. */
static struct engine *engine_with_one(void)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	fx_init(&p, "192.168.1.10", "198.51.100.100", 5000, 3868, 0x1111);
	fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	return e;
}

static bool exists(const char *f)
{
	return access(f, F_OK) == 0;
}

Test(state_file, save_then_restore_moves_file_aside)
{
	struct engine *e1 = engine_with_one();
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct state_file *sf;
	struct stat st;

	/* The directory does not exist yet: created, private. */
	cr_assert_eq(state_file_open(path, &sf), 0);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(state_file_restore(sf, e2, FX_SEC), 0, "no file yet");

	cr_assert_eq(state_file_save(sf, e1, 2 * FX_SEC), 1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert(!exists(tmp), "no temporary left behind");
	state_file_close(sf);

	cr_assert_eq(state_file_open(path, &sf), 0);
	cr_assert_eq(state_file_restore(sf, e2, 3 * FX_SEC), 1);
	cr_assert_eq(engine_stats(e2)->assocs_live, 1);
	cr_assert(!exists(path), "consumed");
	cr_assert(exists(old), "kept as .old");

	/* A second save replaces atomically; the count is the engine's. */
	cr_assert_eq(state_file_save(sf, e2, 4 * FX_SEC), 1);
	cr_assert_eq(state_file_save(sf, e2, 4 * FX_SEC), 1);
	cr_assert(exists(path));
	state_file_close(sf);
	state_file_save(NULL, e2, 0);	/* no state file configured */
	engine_destroy(e1);
	engine_destroy(e2);
}

Test(state_file, damaged_file_rejected_daemon_starts_empty)
{
	struct engine *e1 = engine_with_one();
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct state_file *sf;
	struct stat st;

	cr_assert_eq(state_file_open(path, &sf), 0);
	cr_assert_eq(state_file_save(sf, e1, FX_SEC), 1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(truncate(path, st.st_size - 1), 0);
	cr_assert_eq(state_file_restore(sf, e2, FX_SEC), -EINVAL);
	cr_assert_eq(engine_stats(e2)->assocs_live, 0);
	cr_assert(exists(old), "the rejected file is kept for inspection");
	state_file_close(sf);
	engine_destroy(e1);
	engine_destroy(e2);
}

Test(state_file, bad_paths)
{
	struct state_file *sf;

	cr_assert_eq(state_file_open("/tmp/", &sf), -EINVAL);
	cr_assert_eq(state_file_open("relative", &sf), -EINVAL);
	cr_assert_eq(state_file_open("/nonexistent/a/b/state", &sf), -ENOENT);
}
