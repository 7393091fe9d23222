/* fhir_internal.h - what the FHIR import's two files share (core only):
 * a resource as validated (imp_t) and the import's state (ctx_t).
 * fhir_validate.c checks every resource before anything is written;
 * fhir_import.c writes them. */
#ifndef CHARTROOM_FHIR_INTERNAL_H
#define CHARTROOM_FHIR_INTERNAL_H

#include "core/extid.h"
#include "core/fhir.h"
#include "core/provider.h"
#include "core/internal.h"

#define s_cfg(s) ((s)->c->cfg)

/* What one resource becomes, once validated. Strings point into the
 * resource (borrowed from the caller's items). */
typedef struct imp {
	fhir_type_t t;
	int bad;      /* refused (and left out with skip_bad) */
	int pat;      /* the Patient item it belongs to (-1 for a Patient) */
	int enc;      /* its Encounter item, or -1 */
	int prac;     /* an Encounter's Practitioner item, or -1 */
	int kind;     /* Condition: 0 problem, 1 encounter diagnosis; Allergy: 1 NKA */
	const char *id;
	/* Patient */
	patient_t *p;
	int existing; /* an MRN of this clinic with the same birth date and sex
		       * (or an identifier of another system a chart holds) */
	/* Its identifiers of other systems (core/extid.h), borrowed from
	 * the resource; ids_only: the chart matched needs only those. */
	const char *xsys[EXTID_PER_PATIENT], *xval[EXTID_PER_PATIENT];
	int nx, ids_only;
	char pid[33]; /* the chart, once written or found */
	/* Practitioner: a provider record (core/provider.h) */
	provider_input_t prv;
	char prid[33]; /* the record, once found or made */
	/* Encounter */
	int64_t erow; /* once written */
	const char *type, *provider, *location, *reason;
	char start[24], end[24];
	/* Items */
	const char *text, *text2, *code, *extra, *status;
	char date[11];
	/* Observation */
	const char *loinc;
	double value, value2;
	char taken[24];
	/* Procedure: its diagnoses (item indexes) */
	int reasons[CODING_MAX_DX], nreasons;
	int dxseq; /* a diagnosis: its place among its encounter's, from 1 */
	/* DocumentReference */
	char *body; /* decoded, owned */
	size_t body_len;
	int appends; /* item of the note it is an addendum to, or -1 */
	int final;
	int64_t nrow;
	int same; /* already in the matched chart: not written again */
} imp_t;

typedef struct ctx {
	session_t *s;
	const fhir_item_t *items;
	imp_t *v;
	int n;
	int skip_bad;
	void (*on_bad)(const char *where, const char *why, void *arg);
	void *arg;
	int nbad;
	const fhir_import_opts_t *o; /* never NULL */
} ctx_t;

/* The string at a path of object keys and array indexes
 * ("name.0.family"); NULL when absent or not a string. */
const char *fhir_str_at(json_t *j, const char *path);

/* Validate c->items into c->v (filled with zeros, c->n of them): types,
 * ids, each resource's content, references; the refused, and what refers
 * to them, get bad = 1 and go to c->on_bad; c->nbad counts them. */
void fhir_validate(ctx_t *c);

#endif
