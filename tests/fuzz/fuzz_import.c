/*
 * Fuzz target: the importer over arbitrary text.  The first byte chooses
 * the reading (text or CSV); the rest is the published budget.  Without
 * libFuzzer, main() replays files (ctest runs it over the samples).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "test_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int imported, refused;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_options options = {.department = "215001"};
	if (size > 0 && data[0] == ',') {
		options.csv = true;
		data++;
		size--;
	}
	struct import_report report = {0};
	cJSON *doc = NULL;
	int rc = import_text((const char *)data, size, "fuzz", &options, &doc,
			     &report);
	/* A document comes only with no problem, or with none at all. */
	if ((rc == 0) != (doc != NULL) || (rc == 0 && report.problems != 0))
		abort();
	rc == 0 ? imported++ : refused++;
	cJSON_Delete(doc);
	import_report_free(&report);
	return 0;
}

#ifndef BUDGETD_LIBFUZZER
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t size;
		uint8_t *data = (uint8_t *)test_read_file(argv[i], &size);
		if (data == NULL) {
			perror(argv[i]);
			return 2;
		}
		/* Every prefix too: a truncated budget must never crash.  Each
		 * in a buffer of its exact size, as libFuzzer passes it, so
		 * that ASan sees a read past the end. */
		for (size_t cut = 1; cut <= size; cut += size / 16 + 1) {
			size_t len =
			    cut + (size - cut < size / 16 + 1 ? size - cut : 0);
			uint8_t *exact = malloc(len ? len : 1);
			memcpy(exact, data, len);
			LLVMFuzzerTestOneInput(exact, len);
			free(exact);
		}
		free(data);
	}
	printf("%d inputs imported, %d refused, no crash\n", imported, refused);
	return 0;
}
#endif
