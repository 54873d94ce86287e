/*
 * Unit tests for pidfile: creation with our pid, refusal while another
 * holder has it locked (reporting that holder's pid), take-over of a
 * stale file in place, removal only of the file we wrote.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pidfile.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/sctpalg-test-pidfile.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.pid", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static long read_pid(void)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

TestSuite(pidfile, .init = setup, .fini = teardown);

Test(pidfile, create_holds_and_removes)
{
	struct pidfile *pf = NULL, *second = NULL;
	pid_t holder = 0;

	cr_assert_eq(pidfile_create(path, &pf, &holder), 0);
	cr_assert_eq(read_pid(), (long)getpid());
	/* A second daemon (any other open of the file) is refused. */
	cr_assert_eq(pidfile_create(path, &second, &holder), -EEXIST);
	cr_assert_eq(holder, getpid());
	cr_assert_null(second);
	pidfile_destroy(pf);
	cr_assert_eq(access(path, F_OK), -1, "removed on destroy");
}

Test(pidfile, stale_file_taken_over)
{
	struct pidfile *pf = NULL;

	/* A dead daemon's file: no lock on it, whatever pid it names. */
	write_file("2147483646\n");
	cr_assert_eq(pidfile_create(path, &pf, NULL), 0);
	cr_assert_eq(read_pid(), (long)getpid());
	pidfile_destroy(pf);

	write_file("");
	cr_assert_eq(pidfile_create(path, &pf, NULL), 0);
	cr_assert_eq(read_pid(), (long)getpid());
	pidfile_destroy(pf);
}

/* A file that replaced ours (someone else's now) is left alone. */
Test(pidfile, destroy_leaves_a_replaced_file)
{
	struct pidfile *pf = NULL;

	cr_assert_eq(pidfile_create(path, &pf, NULL), 0);
	cr_assert_eq(unlink(path), 0);
	write_file("12345\n");
	pidfile_destroy(pf);
	cr_assert_eq(read_pid(), 12345);
}

Test(pidfile, symlink_refused)
{
	struct pidfile *pf = NULL;
	char target[160];

	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(pidfile_create(path, &pf, NULL), -ELOOP);
	cr_assert_eq(access(target, F_OK), -1, "nothing written through it");
}
