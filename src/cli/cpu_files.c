// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini cpu diff` and `intersect`: model files alone, no KVM, for every
 * architecture through its struct cpu_model_files; and where a model is
 * written (standard output, or a file that appears whole or not at all).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cpu.h>
#include <kvmini/model-text.h>
#include <kvmini/outfile.h>

int cpu_output_open(struct cpu_output *o, const char *path)
{
	o->path = path;
	o->f = stdout;
	if (!path)
		return 0;
	if (outfile_open(&o->file, path, 0666)) {
		fprintf(stderr, "kvmini cpu: -o %s\n", o->file.err);
		return 1;
	}
	o->f = fdopen(o->file.fd, "w");
	if (!o->f) {
		fprintf(stderr, "kvmini cpu: -o %s: %s\n", path, strerror(errno));
		outfile_abort(&o->file);
		return 1;
	}
	o->file.fd = -1;	/* the stream's now: fclose() closes it */
	return 0;
}

int cpu_output_close(struct cpu_output *o)
{
	int err = 0;

	if (fflush(o->f) || ferror(o->f))
		err = errno ? errno : EIO;
	if (!o->path) {
		if (err)
			fprintf(stderr, "kvmini cpu: cannot write to standard output: %s\n",
				strerror(err));
		return err ? 1 : 0;
	}
	if (fclose(o->f) && !err)
		err = errno;
	if (err) {
		fprintf(stderr, "kvmini cpu: -o %s: cannot write it: %s\n", o->path,
			strerror(err));
		outfile_abort(&o->file);
		return 1;
	}
	if (outfile_commit(&o->file, false)) {
		fprintf(stderr, "kvmini cpu: -o %s\n", o->file.err);
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
	struct cpu_output o;
	FILE *nf = NULL;
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
		ret = cpu_output_open(&o, out_path);
		if (!ret) {
			ops->write(out, header, o.f);
			ret = cpu_output_close(&o);
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
