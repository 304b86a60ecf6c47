/* Reading replies in tests: a member as a string, whether or not it is
 * there, so that a missing one fails the comparison instead of the test
 * program. */
#ifndef BUDGETD_TEST_JSON_H
#define BUDGETD_TEST_JSON_H

#include <cjson/cJSON.h>

/* o[key] as a string; "" when absent or not a string. */
const char *json_str(const cJSON *o, const char *key);
/* array[index][key] as a string, for the rows of a reply. */
const char *json_row_str(const cJSON *array, int index, const char *key);

#endif
