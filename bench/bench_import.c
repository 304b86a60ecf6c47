/*
 * The importer's speed on the published samples: each imported N times from
 * memory, against a baseline measured in the same run, the time to cut the
 * same text into lines and cells alone.  PDFs are timed as their pdftotext
 * text (pdftotext itself is poppler's time, not ours, and is reported
 * apart).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import.h"
#include "parse.h"

#define RUNS 200

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The importer's own reader of whole files. */
static char *read_path(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	char *text = imp_read_all(fd, (size_t)1 << 30, len);
	close(fd);
	return text;
}

/* Median seconds of RUNS imports (or, baseline, of splitting alone). */
static double median(const char *text, size_t len, bool baseline)
{
	static double t[RUNS];
	struct import_options o = {.department = "215001"};
	for (int i = 0; i < RUNS; i++) {
		double start = now();
		if (baseline) {
			struct imp_input in = {0};
			imp_input_parse(&in, text, len, false, 0, NULL);
			imp_input_free(&in);
		} else {
			struct import_report r = {0};
			cJSON *doc = NULL;
			import_text(text, len, "bench", &o, &doc, &r);
			cJSON_Delete(doc);
			import_report_free(&r);
		}
		t[i] = now() - start;
	}
	qsort(t, RUNS, sizeof t[0], by_value);
	return t[RUNS / 2];
}

static void row(const char *name, char *text, size_t len, double extract)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	double base = median(text, len, true);
	double full = median(text, len, false);
	printf("| %s | %zu | %zu | %.2f ms | %.2f ms | %.1f× |", name, len,
	       lines, full * 1e3, base * 1e3, full / base);
	if (extract > 0)
		printf(" %.0f ms |\n", extract * 1e3);
	else
		printf(" — |\n");
}

int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : BENCH_DATA;
	printf("## budgetctl import: the published samples, %d runs each "
	       "(median)\n\n",
	       RUNS);
	printf("| document | bytes | lines | import | split into cells "
	       "(baseline) | import ÷ baseline | pdftotext |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/published", data);
	DIR *d = opendir(dir);
	if (d == NULL) {
		perror(dir);
		return 2;
	}
	struct dirent *e;
	char *names[64];
	int n = 0;
	while ((e = readdir(d)) != NULL && n < 64)
		if (strstr(e->d_name, "budget") && strstr(e->d_name, ".txt"))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], by_name);
	for (int i = 0; i < n; i++) {
		char path[2048];
		size_t len;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		char *text = read_path(path, &len);
		if (text == NULL)
			continue;
		row(names[i], text, len, 0);
		free(text);

		/* The same budget from its PDF, through pdftotext. */
		char pdf[2048], error[256];
		snprintf(pdf, sizeof pdf, "%s/pdf/%.*s.pdf", data,
			 (int)(strlen(names[i]) - 4), names[i]);
		FILE *probe = fopen(pdf, "rb");
		if (probe == NULL)
			continue;
		fclose(probe);
		double start = now();
		if (imp_pdf_text(pdf, NULL, 1 << 30, &text, &len, error,
				 sizeof error)) {
			fprintf(stderr, "%s: %s\n", pdf, error);
			continue;
		}
		double extract = now() - start;
		char label[2100];
		snprintf(label, sizeof label, "%.*s.pdf (its pdftotext text)",
			 (int)(strlen(names[i]) - 4), names[i]);
		row(label, text, len, extract);
		free(text);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	return 0;
}
