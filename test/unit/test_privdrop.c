/*
 * Unit tests for privdrop, on the real process credentials: after
 * dropping to "nobody" with only CAP_NET_RAW kept, the ids are nobody's,
 * the capability sets hold exactly CAP_NET_RAW (bounding set too), a raw
 * socket can still be opened, root cannot be regained, root's files are
 * closed.  Staying root but shedding capabilities works the same way.
 *
 * Needs root; skipped (said so) otherwise.  The drop happens in a forked
 * child that reports through its exit status, so the test runner keeps
 * its privileges (and the sanitizers their ptrace).
 */
#define _GNU_SOURCE		/* getresuid */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "privdrop.h"

/* Runs fn in a child; returns its exit status (0 = all checks passed,
 * else the number of the failed check). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(fn());
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child crashed");
	return WEXITSTATUS(status);
}

static int drop_to_nobody(void)
{
	struct privdrop_config c = {
		.user = "nobody",
		.keep_caps = PRIVDROP_CAP(CAP_NET_RAW),
	};
	struct passwd *pw = getpwnam("nobody");
	uid_t r, e, s;
	const char *why;
	int fd;

	if (!pw)
		return 1;
	if (privdrop_apply(&c, &why) != 0)
		return 2;
	if (getresuid(&r, &e, &s) < 0 || r != pw->pw_uid ||
	    e != pw->pw_uid || s != pw->pw_uid)
		return 3;
	if (getgid() != pw->pw_gid || getgroups(0, NULL) > 1)
		return 4;
	if (privdrop_caps_effective() != PRIVDROP_CAP(CAP_NET_RAW))
		return 5;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) != 1)
		return 6;
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return 7;
	close(fd);
	if (setuid(0) == 0 || errno != EPERM)
		return 8;
	if (open("/etc/shadow", O_RDONLY) >= 0 || errno != EACCES)
		return 9;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 10;
	return 0;
}

static int stay_root_fewer_caps(void)
{
	struct privdrop_config c = { .keep_caps = 0 };
	const char *why;
	int fd;

	if (privdrop_apply(&c, &why) != 0)
		return 1;
	if (getuid() != 0 || privdrop_caps_effective() != 0)
		return 2;
	/* Root without CAP_NET_RAW cannot open a raw socket. */
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd >= 0 || errno != EPERM)
		return 3;
	return 0;
}

static int unknown_user(void)
{
	struct privdrop_config c = { .user = "no-such-user-sctpalg" };
	const char *why = NULL;

	if (privdrop_apply(&c, &why) != -ENOENT || !why ||
	    strcmp(why, "no such user") != 0)
		return 1;
	/* Nothing was changed. */
	return getuid() == 0 && privdrop_caps_effective() != 0 ? 0 : 2;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("privdrop tests need root");
}

Test(privdrop, drop_to_nobody_keeping_net_raw, .init = need_root)
{
	int rc = in_child(drop_to_nobody);

	cr_assert_eq(rc, 0, "check %d failed", rc);
}

Test(privdrop, stay_root_without_capabilities, .init = need_root)
{
	int rc = in_child(stay_root_fewer_caps);

	cr_assert_eq(rc, 0, "check %d failed", rc);
}

Test(privdrop, unknown_user_changes_nothing, .init = need_root)
{
	int rc = in_child(unknown_user);

	cr_assert_eq(rc, 0, "check %d failed", rc);
}
