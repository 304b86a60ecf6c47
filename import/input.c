/*
 * What comes in: files read whole (capped), PDFs through pdftotext.  The
 * parsing of what they hold is elsewhere and sees only text in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "importer.h"

char *imp_read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n + 1 >= cap) {
			char *b = realloc(buf, cap * 2);
			if (b == NULL) {
				free(buf);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* ---- PDF ---- */

int imp_pdf_text(const char *path, const char *program, size_t max, char **text,
		 size_t *len, char *error, size_t error_size)
{
	int fds[2];
	if (pipe(fds) != 0) {
		snprintf(error, error_size, "pipe: %s", strerror(errno));
		return -EIO;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	const char *prog = program ? program : "pdftotext";
	/* -layout keeps the columns apart; "-" writes to stdout. */
	char layout[] = "-layout", enc[] = "-enc", utf8[] = "UTF-8",
	     eol[] = "-eol", unix_eol[] = "unix", quiet[] = "-q", out[] = "-";
	char *prog_arg = strdup(prog), *path_arg = strdup(path);
	if (prog_arg == NULL || path_arg == NULL) {
		free(prog_arg);
		free(path_arg);
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		snprintf(error, error_size, "out of memory");
		return -EIO;
	}
	char *argv[] = {prog_arg, layout, enc,	    utf8, eol,
			unix_eol, quiet,  path_arg, out,  NULL};
	pid_t pid;
	int rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(prog_arg);
	free(path_arg);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(error, error_size,
			 "cannot run %s (%s): install poppler-utils "
			 "(apt-get install poppler-utils)",
			 prog, strerror(rc));
		return -EIO;
	}
	size_t n = 0;
	char *buf = imp_read_all(fds[0], max, &n);
	int read_error = buf ? 0 : errno;
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf == NULL && read_error == EFBIG) {
		snprintf(error, error_size,
			 "its text runs past %zu MiB: more than a budget",
			 max >> 20);
		return -EIO;
	}
	if (buf == NULL) {
		snprintf(error, error_size, "reading %s's text failed: %s",
			 prog, strerror(read_error));
		return -EIO;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		snprintf(error, error_size,
			 "%s could not read the PDF (exit status %d): damaged, "
			 "encrypted or not a PDF",
			 prog, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *text = imp_read_all(fd, IMPORT_MAX_BYTES, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return text;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcasecmp(s + n - t, tail) == 0;
}

/* A PDF says so in its first five bytes; only those are read to know. */
static bool is_pdf(const char *path)
{
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool pdf = read(fd, head, sizeof head) == (ssize_t)sizeof head &&
		   memcmp(head, "%PDF-", 5) == 0;
	close(fd);
	return pdf;
}

/* The text of one input: a PDF through pdftotext, anything else as it is.
 * Returns 0, -EINVAL (refused) or -EIO; a problem is reported either way. */
static int read_input(struct importer *im, const char *path, char **text,
		      size_t *len, bool *pdf)
{
	*pdf = is_pdf(path);
	if (*pdf) {
		char error[256];
		if (imp_pdf_text(path, im->opt->pdftotext, IMPORT_MAX_BYTES,
				 text, len, error, sizeof error) != 0) {
			imp_problem(im->r, NULL, "%s: %s", path, error);
			return -EIO;
		}
		size_t ink = 0;
		for (size_t k = 0; k < *len; k++)
			ink += (unsigned char)(*text)[k] > ' ';
		if (ink < 100) {
			imp_problem(im->r, NULL,
				    "%s: the PDF has no text to read (%zu "
				    "characters): a scanned image? OCR it "
				    "first, or import the CSV sheets",
				    path, ink);
			free(*text);
			return -EINVAL;
		}
		return 0;
	}
	*text = slurp(path, len);
	if (*text == NULL && errno == EFBIG) {
		/* A published budget is a few hundred kilobytes; its cells
		 * take about ten times the input in memory. */
		imp_problem(im->r, NULL,
			    "%s: more than a budget (limit %d MiB)", path,
			    IMPORT_MAX_BYTES >> 20);
		return -EINVAL;
	}
	if (*text == NULL) {
		imp_problem(im->r, NULL, "%s: cannot read: %s", path,
			    strerror(errno));
		return -EIO;
	}
	return 0;
}

int import_files(const char *const *paths, size_t n_paths,
		 const struct import_options *options, cJSON **doc,
		 struct import_report *report)
{
	*doc = NULL;
	struct importer *im = imp_importer_new(
	    options, report, n_paths == 1 ? paths[0] : "(several files)");
	if (im == NULL)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < n_paths && rc == 0; i++) {
		char *text;
		size_t len = 0;
		bool pdf;
		rc = read_input(im, paths[i], &text, &len, &pdf);
		if (rc)
			break;
		bool csv = !pdf && ends_with(paths[i], ".csv");
		/* pdftotext ends every page with a form feed. */
		int first_page = pdf || memchr(text, '\f', len)
				     ? im->in.pages + 1
				     : im->in.pages;
		im->in.format = pdf   ? "PDF via pdftotext"
				: csv ? "CSV"
				      : "text";
		rc = imp_check_utf8(report, paths[i], text, len);
		if (rc == 0)
			rc =
			    imp_input_parse(&im->in, text, len, csv, first_page,
					    n_paths > 1 ? paths[i] : NULL);
		free(text);
	}
	if (rc == 0)
		rc = imp_run(im, doc);
	imp_importer_free(im);
	free(im);
	return rc;
}
