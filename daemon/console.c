/*
 * The web console's files (index.html, app.js, style.css and ECharts,
 * installed under share/budgetd/console) served as they are, and the
 * catalogue's names for its labels.  Only plain file names are served:
 * nothing outside the console directory can be named.
 */
#include "console.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_names.h"
#include "daemon.h"
#include "ops.h"
#include "reply.h"

#define CONSOLE_FILE_MAX (8u << 20)

static const char *content_type(const char *name)
{
	static const struct {
		const char *suffix, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".json", "application/json; charset=utf-8"},
	};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t m = strlen(types[i].suffix);
		if (n > m && strcmp(name + n - m, types[i].suffix) == 0)
			return types[i].type;
	}
	return NULL;
}

static void send_plain(struct http *h, struct evhttp_request *req, int status,
		       const char *text)
{
	http_send(h, req, status, "text/plain; charset=utf-8", text,
		  strlen(text));
}

bool console_serve(struct http *h, struct evhttp_request *req, const char *path)
{
	if (strcmp(path, "/") == 0 || strcmp(path, "/console") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Location", "/console/");
		h->responses[3]++;
		evhttp_send_reply(req, 302, "Found", NULL);
		return true;
	}
	if (strncmp(path, "/console/", 9) != 0)
		return false;
	const char *name = path + 9;
	if (*name == '\0')
		name = "index.html";
	const char *type = content_type(name);
	if (type == NULL || name[0] == '.' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
		strlen(name) ||
	    strstr(name, "..")) {
		send_plain(h, req, 404, "no such console file");
		return true;
	}
	char dir[4096], file[4400];
	daemon_console_dir(h->d->config, dir, sizeof dir);
	snprintf(file, sizeof file, "%s/%s", dir, name);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > CONSOLE_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		send_plain(h, req, 404,
			   "no such console file (is the console installed? "
			   "[http] console names its directory)");
		return true;
	}
	struct evbuffer *out = evbuffer_new();
	if (out == NULL || evbuffer_add_file(out, fd, 0, st.st_size) != 0) {
		close(fd); /* evbuffer_add_file owns fd only on success */
		if (out)
			evbuffer_free(out);
		send_plain(h, req, 500, "out of memory");
		return true;
	}
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
	evhttp_add_header(headers, "Content-Type", type);
	evhttp_add_header(headers, "Cache-Control", "no-cache");
	evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
	h->responses[2]++;
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
	return true;
}

static cJSON *names_object(const struct names *names)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < names->n; i++)
		cJSON_AddStringToObject(o, names->items[i].code,
					names->items[i].name);
	return o;
}

void console_names(struct http *h, struct evhttp_request *req,
		   const char *query)
{
	struct evkeyvalq params = {0};
	int year = 0;
	if (query && evhttp_parse_query_str(query, &params) == 0) {
		const char *y = evhttp_find_header(&params, "year");
		year = y ? atoi(y) : 0;
	}
	evhttp_clear_headers(&params);
	if (year < 2000 || year > 2100) {
		http_send_json(h, req, 400,
			       reply_error("bad_request",
					   "year must be from 2000 to 2100"));
		return;
	}
	char dir[4400];
	ops_catalog_dir(h->d, dir, sizeof dir);
	struct names function = {0}, economic = {0};
	names_for_year(&function, &economic, dir, year);
	cJSON *reply = cJSON_CreateObject();
	cJSON_AddTrueToObject(reply, "ok");
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddItemToObject(reply, "function", names_object(&function));
	cJSON_AddItemToObject(reply, "economic", names_object(&economic));
	names_free(&function);
	names_free(&economic);
	http_send_json(h, req, 200, reply);
}
