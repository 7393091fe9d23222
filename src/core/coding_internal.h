/* coding_internal.h - what coding.c shares with the coding queue
 * (coding_queue.c) and separation of duties (coding_duty.c); core only. */
#ifndef CHARTROOM_CODING_INTERNAL_H
#define CHARTROOM_CODING_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/coding.h"
#include "core/integrity.h"

struct enc_info {
	int64_t prow;
	char start[24], provider[72], status[12], coding[16], id[33]; /* start: UTC, stored */
	int found;
	/* The coding's MAC when it was read: a store refuses if it changed. */
	unsigned char coding_mac[INTEGRITY_MAC_LEN];
	size_t coding_mac_len;
};

/* Read encounter erow into ei and check it (and its coding) against chart
 * ch. */
status_t coding_enc_checked(session_t *s, chart_t *ch, int64_t erow, struct enc_info *ei,
			   msg_t *m);

/* The patient of chart ch as coding shows them (coding_patient_t):
 * decrypted only for roles that may see demographics. */
status_t coding_fill_patient(session_t *s, const chart_t *ch, coding_patient_t *out, msg_t *m);

/* Who changed or completed encounter erow's coding since it was last
 * verified or finalised, from the audit trail of its chart (pid), into out
 * ("him, him2"); *me (may be NULL) whether the session's user did. */
status_t coding_coders(session_t *s, const char *pid, int64_t erow, char *out, size_t size,
		       int *me, msg_t *m);

/* [codes] verify_by_other: may this session take coding c to `to` from
 * its status? STATUS_DENIED naming the rule if not. */
status_t coding_may_verify(session_t *s, const coding_t *c, const char *to, msg_t *m);

#endif
