/* synth.h - deterministic synthetic patients for demos and benchmarks,
 * drawn from the name, street and city lists in assets/wordlists. The same
 * seed gives the same people. */
#ifndef CHARTROOM_SYNTH_H
#define CHARTROOM_SYNTH_H

#include <stdint.h>

#include "base/status.h"
#include "core/patient.h"
#include "core/session.h"

/* Fill p with the i-th synthetic patient of `seed` (fields normalised and
 * valid; MRN empty). */
void synth_patient(uint64_t seed, int64_t i, patient_t *p);

/* Register n synthetic patients through the bulk writer (committing every
 * 250,000). Requires ACT_PATIENT_IMPORT. *made counts those saved. */
status_t synth_patients(session_t *s, int64_t n, uint64_t seed, int64_t *made, msg_t *m);
/* The same in batches of at most max_rows, fed chunk at a time (tests
 * use small ones to go through many batches). */
status_t synth_patients_batched(session_t *s, int64_t n, uint64_t seed, int64_t chunk,
				int64_t max_rows, int64_t *made, msg_t *m);

#endif
