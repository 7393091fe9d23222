/* userfile.c - open a user-named path with the user's own ids. */
#include "base/userfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/privsep.h"

static status_t open_failed(const char *path, int err, msg_t *m)
{
	return msg_fail(m, err == ENOENT ? STATUS_NOTFOUND : STATUS_ERR, "Cannot open %s: %s.",
			path, strerror(err));
}

status_t userfile_mkdir(const char *path, mode_t perm, msg_t *m)
{
	struct stat sb;
	int rc, err, state;
	if (!path || !*path)
		return msg_fail(m, STATUS_USAGE, "No directory named.");
	state = privsep_user_begin();
	rc = mkdir(path, perm);
	err = errno;
	if (rc != 0 && err == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		rc = 0;
	privsep_user_end(state);
	if (rc != 0)
		return msg_fail(m, err == ENOENT ? STATUS_NOTFOUND : STATUS_ERR,
				"Cannot make the directory %s: %s.", path,
				err == EEXIST ? "a file has that name" : strerror(err));
	return STATUS_OK;
}

status_t userfile_open(const char *path, int flags, mode_t perm, int *fd_out, msg_t *m)
{
	struct stat sb;
	int fd, err, state;

	*fd_out = -1;
	if (!path || !*path)
		return msg_fail(m, STATUS_USAGE, "No file named.");
	state = privsep_user_begin();
	fd = open(path, flags | O_CLOEXEC, perm);
	err = errno;
	privsep_user_end(state);
	if (fd < 0)
		return open_failed(path, err, m);
	if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
		close(fd);
		return open_failed(path, EISDIR, m);
	}
	*fd_out = fd;
	return STATUS_OK;
}

status_t userfile_fopen(const char *path, const char *mode, FILE **out, msg_t *m)
{
	status_t ret;
	int flags, fd;

	*out = NULL;
	switch (mode[0]) {
	case 'r':
		flags = strchr(mode, '+') ? O_RDWR : O_RDONLY;
		break;
	case 'w':
		flags = (strchr(mode, '+') ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = (strchr(mode, '+') ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
		break;
	default:
		return msg_fail(m, STATUS_ERR, "Cannot open %s: bad mode.", path);
	}
	if (strchr(mode, 'x'))
		flags |= O_EXCL;
	/* New files: 0666 less the umask, as fopen would make them. */
	if ((ret = userfile_open(path, flags, 0666, &fd, m)) != STATUS_OK)
		return ret;
	if (!(*out = fdopen(fd, mode))) {
		int err = errno;
		close(fd);
		return open_failed(path, err, m);
	}
	return STATUS_OK;
}

status_t userfile_rename(const char *from, const char *to, int replace, msg_t *m)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(to, '/');
	int rc, err, fd, state;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - to) + (slash == to), to);
	state = privsep_user_begin();
	rc = replace ? rename(from, to)
		     : renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
	err = errno;
	fd = rc == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	privsep_user_end(state);
	if (rc != 0)
		return msg_fail(m, err == EEXIST ? STATUS_EXISTS : STATUS_ERR, "Cannot write %s: %s.",
				to, strerror(err));
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return STATUS_OK;
}

void userfile_unlink(const char *path)
{
	int state = privsep_user_begin();
	unlink(path);
	privsep_user_end(state);
}

status_t userfile_mkdir_new(const char *path, mode_t perm, msg_t *m)
{
	int rc, err, state;

	if (!path || !*path)
		return msg_fail(m, STATUS_USAGE, "No directory named.");
	state = privsep_user_begin();
	rc = mkdir(path, perm);
	err = errno;
	privsep_user_end(state);
	if (rc == 0)
		return STATUS_OK;
	if (err == EEXIST)
		return msg_fail(m, STATUS_EXISTS,
				"%s already exists: name a new directory (nothing is overwritten).",
				path);
	return msg_fail(m, err == ENOENT ? STATUS_NOTFOUND : STATUS_ERR, "Cannot create %s: %s.",
			path, strerror(err));
}

void userfile_rmdir(const char *path)
{
	int state = privsep_user_begin();
	rmdir(path);
	privsep_user_end(state);
}
