// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini cpu diff` and `intersect`: model files alone, no KVM, for every
 * architecture through its struct cpu_model_files; and where a model is
 * written (standard output, or a file that appears whole or not at all).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cpu.h>
#include <kvmini/model-text.h>

static void tmp_name(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s.tmp.%d", path, (int)getpid());
}

FILE *cpu_output_open(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (!path)
		return stdout;
	tmp_name(path, tmp, sizeof(tmp));
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "kvmini cpu: -o %s: cannot create %s: %s\n", path, tmp,
			strerror(errno));
	return f;
}

int cpu_output_close(FILE *f, const char *path)
{
	char tmp[PATH_MAX];
	int bad;

	if (!path)
		return fflush(f) ? 1 : 0;
	tmp_name(path, tmp, sizeof(tmp));
	bad = ferror(f);
	if (fclose(f))
		bad = 1;
	if (!bad && rename(tmp, path))
		bad = 1;
	if (bad) {
		fprintf(stderr, "kvmini cpu: -o %s: cannot write: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

static void *load_or_report(const char *cmd, const char *path, int *ret)
{
	const struct cpu_model_files *ops = &arch_cpu_model_files;
	char err[MODEL_TEXT_ERR_LEN];
	void *m = ops->create();

	*ret = m ? ops->load(m, path, err, sizeof(err)) : -ENOMEM;
	if (!*ret)
		return m;
	if (*ret != -ENOMEM) {
		fprintf(stderr, "kvmini cpu %s: %s\n", cmd, err);
		*ret = 2;
	}
	if (m)
		ops->destroy(m);
	return NULL;
}

int cpu_cmd_diff(const char *path_a, const char *path_b)
{
	const struct cpu_model_files *ops = &arch_cpu_model_files;
	void *a, *b = NULL;
	unsigned int n;
	int ret;

	a = load_or_report("diff", path_a, &ret);
	if (a)
		b = load_or_report("diff", path_b, &ret);
	if (b) {
		n = ops->diff(a, path_a, b, path_b, stdout);
		if (!n)
			printf("%s and %s set the same fields to the same values\n", path_a,
			       path_b);
		else
			printf("%u field%s differ\n", n, n > 1 ? "s" : "");
		ret = n ? 1 : 0;
		ops->destroy(b);
	}
	if (a)
		ops->destroy(a);
	return ret;
}

/* The intersection's header: its inputs, and what was left out. */
static char *intersect_header(const char *const *paths, unsigned int n, unsigned int dropped,
			      const char *notes)
{
	char *header = NULL;
	size_t len = 0;
	FILE *hf = open_memstream(&header, &len);

	if (!hf)
		return NULL;
	fprintf(hf, "kvmini CPU model: the most capable model every one of these "
		"accepts,\nfield by field under each field's rule:\n");
	for (unsigned int i = 0; i < n; i++)
		fprintf(hf, "  %s\n", paths[i]);
	if (dropped)
		fprintf(hf, "\n%u field%s left out (each host shows its own value):\n%s",
			dropped, dropped > 1 ? "s" : "", notes);
	if (fclose(hf)) {
		free(header);
		return NULL;
	}
	return header;
}

int cpu_cmd_intersect(const char *const *paths, unsigned int n, const char *out_path)
{
	const struct cpu_model_files *ops = &arch_cpu_model_files;
	void **in = calloc(n, sizeof(*in)), *out = ops->create();
	char *notes = NULL, *header = NULL;
	size_t notes_len = 0;
	unsigned int dropped = 0, loaded = 0;
	FILE *nf = NULL, *f;
	int ret = in && out ? 0 : -ENOMEM;

	for (; !ret && loaded < n; loaded++) {
		in[loaded] = load_or_report("intersect", paths[loaded], &ret);
		if (!in[loaded])
			break;
	}
	if (!ret) {
		nf = open_memstream(&notes, &notes_len);
		ret = nf ? 0 : -ENOMEM;
	}
	if (!ret) {
		dropped = ops->intersect(out, in, paths, n, nf);
		ret = fclose(nf) ? -ENOMEM : 0;
		header = ret ? NULL : intersect_header(paths, n, dropped, notes);
		ret = header ? 0 : -ENOMEM;
	}
	if (!ret) {
		if (dropped)
			fprintf(stderr, "kvmini cpu intersect: %u field%s left out:\n%s", dropped,
				dropped > 1 ? "s" : "", notes);
		f = cpu_output_open(out_path);
		ret = f ? 0 : 1;
		if (f) {
			ops->write(out, header, f);
			ret = cpu_output_close(f, out_path);
		}
	}
	free(notes);
	free(header);
	for (unsigned int i = 0; i < loaded && in; i++)
		if (in[i])
			ops->destroy(in[i]);
	free(in);
	if (out)
		ops->destroy(out);
	return ret;
}
