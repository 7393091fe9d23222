/* benchutil.h - set-up shared by the benchmark programs: a new clinic
 * database with an HIM clerk signed on (the role that may import patients
 * and code sets, search and code). Benchmarks only; exits on failure. */
#ifndef CHARTROOM_BENCHUTIL_H
#define CHARTROOM_BENCHUTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "core/clinic.h"
#include "core/crypto.h"
#include "core/session.h"
#include "core/users.h"

#define BENCH_ADMIN_PW "bench-admin-password"
#define BENCH_HIM_PW "bench-him-clerk-password"

/* Create the clinic at path (which must not exist), add user "him" with
 * BENCH_HIM_PW, and return the open clinic with him signed on. */
static inline void bench_clinic(const char *prog, const char *path, const config_t *cfg,
				clinic_t **c, session_t **s)
{
	char recovery[CRYPTO_RECOVERY_TEXT];
	login_info_t info;
	msg_t m;
	if (clinic_init(path, cfg, "admin", BENCH_ADMIN_PW, "Bench Clinic", recovery, &m) !=
		    STATUS_OK ||
	    clinic_open(path, cfg, c, &m) != STATUS_OK ||
	    session_login(*c, "admin", BENCH_ADMIN_PW, s, &info, &m) != STATUS_OK ||
	    users_add(*s, "him", "him", BENCH_HIM_PW, &m) != STATUS_OK) {
		fprintf(stderr, "%s: set-up: %s\n", prog, m.text);
		exit(1);
	}
	session_logout(*s);
	if (session_login(*c, "him", BENCH_HIM_PW, s, &info, &m) != STATUS_OK) {
		fprintf(stderr, "%s: sign-on: %s\n", prog, m.text);
		exit(1);
	}
}

#endif
