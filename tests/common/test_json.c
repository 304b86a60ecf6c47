#include "test_json.h"

const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

const char *json_row_str(const cJSON *array, int index, const char *key)
{
	return json_str(cJSON_GetArrayItem(array, index), key);
}
