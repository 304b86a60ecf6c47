/* watch: change notifications as they come, gaps filled from the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <signal.h>

static volatile sig_atomic_t watch_stop;

static void on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* Prints stored events in (from, to) to fill a gap; returns the last seq. */
static long long fill_gap(struct options *o, long long from, long long to)
{
	cJSON *r = ctl_request(o, "events");
	cJSON_AddNumberToObject(r, "since", (double)from);
	cJSON_AddNumberToObject(
	    r, "limit", (double)(to - from - 1 > 1000 ? 1000 : to - from - 1));
	cJSON *reply = ctl_call(o, r);
	long long last = from;
	const cJSON *ev;
	cJSON_ArrayForEach(ev,
			   cJSON_GetObjectItemCaseSensitive(reply, "events"))
	{
		if (ctl_num(ev, "seq") >= to)
			break;
		if (o->json) {
			cJSON *copy = cJSON_Duplicate(ev, 1);
			cJSON_AddBoolToObject(copy, "recovered", 1);
			char *text = cJSON_PrintUnformatted(copy);
			puts(text);
			free(text);
			cJSON_Delete(copy);
			fflush(stdout);
		} else {
			ctl_print_event(ev, "  (recovered from the store)");
		}
		last = ctl_num(ev, "seq");
	}
	cJSON_Delete(reply);
	return last;
}

int cmd_watch(struct options *o, int argc, char **argv)
{
	const char *topic = argc > 0 ? argv[0] : "";
	cJSON *status = ctl_call(o, ctl_request(o, "status"));
	if (status == NULL)
		return EXIT_USAGE;
	if (!ctl_reply_ok(status)) {
		ctl_print_error("status", status);
		cJSON_Delete(status);
		return EXIT_USAGE;
	}
	char url[512];
	snprintf(url, sizeof url, "%s", ctl_str(status, "publish"));
	long long last = o->since_set ? o->since : ctl_num(status, "last_seq");
	cJSON_Delete(status);

	nng_socket sub;
	int rv;
	if ((rv = nng_sub0_open(&sub)) != 0 ||
	    (rv = nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, topic,
				 strlen(topic))) != 0) {
		fprintf(stderr, "budgetctl: cannot subscribe: %s\n",
			nng_strerror(rv));
		return EXIT_USAGE;
	}
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 500);
	if ((rv = nng_dial(sub, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "budgetctl: cannot dial %s: %s\n", url,
			nng_strerror(rv));
		nng_close(sub);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!o->json)
		fprintf(stderr, "watching %s (topic \"%s\") from seq %lld\n",
			url, topic, last);
	/* Catch up first when asked to start in the past. */
	if (o->since_set)
		last = fill_gap(o, last, INT64_MAX / 2);

	while (!watch_stop) {
		nng_msg *msg;
		rv = nng_recvmsg(sub, &msg, 0);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		const char *body =
		    memchr(nng_msg_body(msg), ' ', nng_msg_len(msg));
		cJSON *ev = body ? cJSON_ParseWithLength(
				       body + 1,
				       nng_msg_len(msg) -
					   (size_t)(body + 1 -
						    (char *)nng_msg_body(msg)))
				 : NULL;
		nng_msg_free(msg);
		if (ev == NULL)
			continue;
		/* Per-total messages repeat their event's seq: shown only when
		 * asked for by topic. */
		if (*topic == '\0' &&
		    cJSON_GetObjectItemCaseSensitive(ev, "kind") == NULL) {
			cJSON_Delete(ev);
			continue;
		}
		long long seq = ctl_num(ev, "seq");
		/* A submission's transition shares its revision's seq and
		 * comes right after it. */
		bool review = strncmp(ctl_str(ev, "kind"), "review.", 7) == 0;
		if (seq < last || (seq == last && !review)) {
			/* already seen while filling a gap */
			cJSON_Delete(ev);
			continue;
		}
		/* Topic filters make gaps normal; only fill unfiltered ones. */
		if (seq > last + 1 && *topic == '\0')
			fill_gap(o, last, seq);
		if (o->json) {
			char *text = cJSON_PrintUnformatted(ev);
			puts(text);
			free(text);
			fflush(stdout);
		} else {
			ctl_print_event(ev, NULL);
		}
		last = seq;
		cJSON_Delete(ev);
	}
	nng_close(sub);
	return EXIT_OK;
}
