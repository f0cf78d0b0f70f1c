// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every snapshot section shares: strings, a section from state puts,
 * a small section read whole, and the configuration section (the `kvmini
 * run` arguments). Pure: no KVM, so the unit tests and fuzzers run it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>

int snapshot_add_state(struct snapfile_writer *w, uint32_t type, uint32_t index,
		       struct state_buf *s)
{
	int ret = state_write_done(s);

	if (!ret)
		ret = snapfile_add(w, type, index, 0, s->data, s->len);
	state_free(s);
	return ret;
}

/* A string as its length and bytes (no NUL): the reader bounds both. */
void snapshot_put_str(struct state_buf *s, const char *str)
{
	size_t len = strlen(str);

	state_put_u32(s, (uint32_t)len);
	state_put_bytes(s, str, len);
}

/* A string's length, checked against max and against the bytes left. */
static int snapshot_get_str_len(struct state_buf *s, size_t max, uint32_t *len)
{
	*len = state_get_u32(s);
	return s->err || *len >= max || *len > s->len - s->pos ? -EBADMSG : 0;
}

/* The bytes of a string whose length was read, into buf of len + 1 bytes. */
static int snapshot_get_str_bytes(struct state_buf *s, char *buf, uint32_t len)
{
	state_get_bytes(s, buf, len);
	buf[len] = '\0';
	/* A NUL inside would make the name mean something other than its bytes. */
	return strlen(buf) == len ? 0 : -EBADMSG;
}

int snapshot_get_str(struct state_buf *s, char *buf, size_t max)
{
	uint32_t len;

	if (snapshot_get_str_len(s, max, &len)) {
		buf[0] = '\0';
		return -EBADMSG;
	}
	return snapshot_get_str_bytes(s, buf, len);
}

/*
 * A string of at most max - 1 bytes, allocated at its own length: what the
 * file claims costs no more memory than the bytes it holds.
 */
static int snapshot_get_strdup(struct state_buf *s, size_t max, char **out)
{
	uint32_t len;

	*out = NULL;
	if (snapshot_get_str_len(s, max, &len))
		return -EBADMSG;
	*out = malloc((size_t)len + 1);
	if (!*out)
		return -ENOMEM;
	return snapshot_get_str_bytes(s, *out, len);
}

int snapshot_read_section(const struct snapfile *f, uint32_t type, uint32_t index,
			  const char *what, void **data, struct state_buf *s)
{
	const struct snapfile_section *sec = snapfile_find(f, type, index);
	int ret;

	if (!sec) {
		log_err("snapshot", "%s: no %s in the snapshot", f->path, what);
		return -EBADMSG;
	}
	ret = snapfile_read(f, sec, SNAPSHOT_SECTION_MAX, data);
	if (!ret)
		state_init_read(s, *data, sec->length);
	return ret;
}

int snapshot_write_config(struct snapfile_writer *w, int argc, char *const *argv,
			  const char *cwd)
{
	struct state_buf s;
	int ret;

	state_init(&s);
	state_put_u32(&s, (uint32_t)argc);
	for (int i = 0; i < argc; i++)
		snapshot_put_str(&s, argv[i]);
	ret = snapshot_add_state(w, SNAP_SEC_CONFIG, 0, &s);
	if (ret || !cwd)
		return ret;
	state_init(&s);
	snapshot_put_str(&s, cwd);
	return snapshot_add_state(w, SNAP_SEC_CONFIG, 1, &s);
}

/* Config index 1, the arguments' directory: absolute, or the section is damaged. */
static int snapshot_read_cwd(const struct snapfile *f, char **cwd)
{
	struct state_buf s;
	void *data = NULL;
	int ret;

	*cwd = NULL;
	if (!snapfile_find(f, SNAP_SEC_CONFIG, 1))
		return 0;
	ret = snapshot_read_section(f, SNAP_SEC_CONFIG, 1, "working directory section", &data,
				    &s);
	if (!ret)
		ret = snapshot_get_strdup(&s, SNAPSHOT_ARG_MAX, cwd);
	if (!ret)
		ret = state_read_done(&s);
	if (!ret && (*cwd)[0] != '/')
		ret = -EBADMSG;
	free(data);
	if (ret) {
		if (ret == -EBADMSG)
			log_err("snapshot", "%s: the working directory section is malformed",
				f->path);
		free(*cwd);
		*cwd = NULL;
	}
	return ret;
}

int snapshot_read_config(const struct snapfile *f, int *argc_out, char ***argv_out, char **cwd)
{
	struct state_buf s;
	void *data = NULL;
	char **argv = NULL;
	uint32_t argc;
	int ret = snapshot_read_section(f, SNAP_SEC_CONFIG, 0, "configuration section",
					&data, &s);

	if (ret)
		return ret;
	argc = state_get_u32(&s);
	/* Each argument takes at least its 4-byte length: a bound from the bytes at hand. */
	if (s.err || argc == 0 || argc > s.len / 4) {
		ret = -EBADMSG;
		goto out;
	}
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < argc && !ret; i++)
		ret = snapshot_get_strdup(&s, SNAPSHOT_ARG_MAX, &argv[i]);
	if (!ret)
		ret = state_read_done(&s);
out:
	free(data);
	if (ret) {
		if (ret == -EBADMSG)
			log_err("snapshot", "%s: the configuration section is malformed", f->path);
		snapshot_free_config((int)argc, argv);
		return ret;
	}
	ret = snapshot_read_cwd(f, cwd);
	if (ret) {
		snapshot_free_config((int)argc, argv);
		return ret;
	}
	*argc_out = (int)argc;
	*argv_out = argv;
	return 0;
}

void snapshot_free_config(int argc, char **argv)
{
	for (int i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}
