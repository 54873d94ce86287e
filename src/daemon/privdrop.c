/*
 * privdrop: become the configured user with only the capabilities that
 * are still needed (see privdrop.h for which and why).
 *
 * The order matters.  The bounding set can only be shrunk while
 * CAP_SETPCAP is still held, so it goes first.  setresuid() away from
 * root clears the permitted set unless PR_SET_KEEPCAPS is on, so that
 * flag brackets the id change; afterwards the effective set is empty and
 * capset() raises exactly the kept capabilities from the permitted ones
 * and drops the rest of the permitted set.  no_new_privs last: from then
 * on nothing (setuid binaries, file capabilities) can add privilege.
 */
#define _GNU_SOURCE		/* setresuid, setresgid */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include "privdrop.h"

#define PRIVDROP_NSS_BUF	16384

static int privdrop_capget(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};

	return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

static int privdrop_capset(uint64_t eff, uint64_t perm)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)perm;
	d[1].permitted = (uint32_t)(perm >> 32);
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

uint64_t privdrop_caps_effective(void)
{
	struct __user_cap_data_struct d[2];

	if (privdrop_capget(d) < 0)
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

/* The highest capability number this kernel knows. */
static int privdrop_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

/* The user's ids (and the group's, when given). */
static int privdrop_lookup(const struct privdrop_config *c, uid_t *uid,
			   gid_t *gid, const char **why)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char *buf;
	int ret;

	buf = malloc(PRIVDROP_NSS_BUF);
	if (!buf)
		return -ENOMEM;
	ret = getpwnam_r(c->user, &pw, buf, PRIVDROP_NSS_BUF, &pwp);
	if (ret != 0 || !pwp) {
		*why = "no such user";
		ret = ret ? -ret : -ENOENT;
		goto out;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	if (c->group && c->group[0]) {
		ret = getgrnam_r(c->group, &gr, buf, PRIVDROP_NSS_BUF, &grp);
		if (ret != 0 || !grp) {
			*why = "no such group";
			ret = ret ? -ret : -ENOENT;
			goto out;
		}
		*gid = gr.gr_gid;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

int privdrop_apply(const struct privdrop_config *c, const char **why)
{
	const char *dummy;
	uint64_t keep, known;
	bool switch_user = c->user && c->user[0];
	uid_t uid = 0, ruid, euid, suid;
	gid_t gid = 0;
	int last, cap, ret;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (switch_user) {
		ret = privdrop_lookup(c, &uid, &gid, why);
		if (ret < 0)
			return ret;
	}
	last = privdrop_last_cap();
	known = last >= 63 ? ~0ull : (PRIVDROP_CAP(last + 1) - 1);
	keep = c->keep_caps & known;

	/* 1. The bounding set: what no later exec or capset can exceed. */
	for (cap = 0; cap <= last; cap++) {
		if (keep & PRIVDROP_CAP(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL) {
			*why = "cannot shrink the capability bounding set";
			return -errno;
		}
	}
	/* Ambient capabilities would survive an exec: none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		*why = "cannot clear ambient capabilities";
		return -errno;
	}

	/* 2. The ids, keeping the permitted set across the change. */
	if (switch_user) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
			*why = "PR_SET_KEEPCAPS";
			return -errno;
		}
		if (setgroups(1, &gid) < 0) {
			*why = "setgroups";
			return -errno;
		}
		if (setresgid(gid, gid, gid) < 0) {
			*why = "setresgid";
			return -errno;
		}
		if (setresuid(uid, uid, uid) < 0) {
			*why = "setresuid";
			return -errno;
		}
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
			*why = "PR_SET_KEEPCAPS";
			return -errno;
		}
	}

	/* 3. Exactly the kept capabilities, effective and permitted. */
	ret = privdrop_capset(keep, keep);
	if (ret < 0) {
		*why = "capset";
		return ret;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*why = "PR_SET_NO_NEW_PRIVS";
		return -errno;
	}

	/* 4. Check, rather than trust: no way back to root. */
	if (switch_user && uid != 0) {
		if (getresuid(&ruid, &euid, &suid) < 0 || ruid != uid ||
		    euid != uid || suid != uid) {
			*why = "user ids did not change";
			return -EPERM;
		}
		if (setuid(0) == 0 || seteuid(0) == 0) {
			*why = "root could be regained";
			return -EPERM;
		}
	}
	if (privdrop_caps_effective() != keep) {
		*why = "capabilities are not what was asked for";
		return -EPERM;
	}
	return 0;
}
