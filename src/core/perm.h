/* perm.h - roles, actions and the permission matrix.
 *
 * Every action Chartroom can perform is one row of PERM_ACTIONS: its
 * config name, what it means, the roles that hold it by default and the
 * key domains it needs. The [roles] section of the system configuration
 * and the database's policy (core/policy.h) can change the matrix; core
 * checks it on every entry point (session_require).
 *
 * The key domains of an action are what it needs to run, and a role holds
 * exactly the keys of its actions (plus the audit key): user_manage needs
 * the demographic key, so an administrator can hand it to front-desk
 * accounts at once, but not the clinical key, which clinical users grant
 * each other (core/keys.h). key_manage needs no key of its own: rotating
 * a domain's key is done by a holder of it or with the recovery key. */
#ifndef CHARTROOM_PERM_H
#define CHARTROOM_PERM_H

#include <stddef.h>

#include "base/status.h"

#define PERM_ROLES(X)                                                           \
	X(FRONTDESK, "frontdesk", "Front desk: registration, search, check-in")   \
	X(NURSE, "nurse", "Nurse: charts, vitals, allergies, medications, notes") \
	X(PROVIDER, "provider", "Provider: nurse's work plus problems, signing")  \
	X(HIM, "him", "HIM clerk: lookup, coding, record management")            \
	X(PRIVACY, "privacy", "Privacy officer: audit and disclosures review")   \
	X(ADMIN, "admin", "Administrator: users, roles, keys, configuration")

typedef enum {
#define ROLE_ENUM(id, name, desc) ROLE_##id,
	PERM_ROLES(ROLE_ENUM)
#undef ROLE_ENUM
	ROLE_COUNT
} role_t;

#define R_F (1u << ROLE_FRONTDESK)
#define R_N (1u << ROLE_NURSE)
#define R_P (1u << ROLE_PROVIDER)
#define R_H (1u << ROLE_HIM)
#define R_V (1u << ROLE_PRIVACY)
#define R_A (1u << ROLE_ADMIN)
#define K_DEMO 1u /* DOMAIN_BIT(DOMAIN_DEMO) */
#define K_CLIN 2u /* DOMAIN_BIT(DOMAIN_CLIN) */
#define K_ALL 7u  /* every domain key */

/* X(ID, "config-name", default roles, key domains needed, "description") */
#define PERM_ACTIONS(X)                                                                        \
	X(PATIENT_SEARCH, "patient_search", R_F | R_N | R_P | R_H, K_DEMO, "Search for patients") \
	X(PATIENT_VIEW, "patient_view", R_F | R_N | R_P | R_H, K_DEMO,                            \
	  "Open a chart's banner and demographics")                                               \
	X(PATIENT_REGISTER, "patient_register", R_F | R_H, K_DEMO, "Register new patients")       \
	X(PATIENT_EDIT, "patient_edit", R_F | R_H, K_DEMO, "Edit demographics")                  \
	X(PATIENT_IMPORT, "patient_import", R_H, K_DEMO, "Import patients from a file")           \
	X(VIEW_CONFIDENTIAL, "view_confidential", R_P | R_H, K_DEMO,                             \
	  "Open confidential charts without break-the-glass")                                      \
	X(ENCOUNTER_CHECKIN, "encounter_checkin", R_F, K_DEMO,                                   \
	  "Check patients in (create encounters)")                                                \
	X(ENCOUNTER_CLOSE, "encounter_close", R_N | R_P, K_DEMO, "Close encounters")             \
	X(CLINICAL_VIEW, "clinical_view", R_N | R_P | R_H, K_DEMO | K_CLIN,                      \
	  "View clinical sections of a chart")                                                    \
	X(VITALS_RECORD, "vitals_record", R_N | R_P, K_DEMO | K_CLIN, "Record vitals")           \
	X(ALLERGY_RECORD, "allergy_record", R_N | R_P, K_DEMO | K_CLIN, "Record allergies")      \
	X(MEDICATION_RECORD, "medication_record", R_N | R_P, K_DEMO | K_CLIN,                    \
	  "Record medications")                                                                   \
	X(PROBLEM_RECORD, "problem_record", R_P, K_DEMO | K_CLIN, "Maintain the problem list")   \
	X(NOTE_WRITE, "note_write", R_N | R_P, K_DEMO | K_CLIN, "Write notes and addenda")       \
	X(NOTE_SIGN, "note_sign", R_P, K_DEMO | K_CLIN, "Sign notes")                            \
	X(CODING_EDIT, "coding_edit", R_P | R_H, K_DEMO | K_CLIN, "Code encounters")             \
	X(CODING_QUEUE, "coding_queue", R_H, K_DEMO, "Work the coding queue")                    \
	X(CODING_FINALIZE, "coding_finalize", R_H, K_DEMO, "Verify and finalise coding")         \
	X(CODESET_MANAGE, "codeset_manage", R_H | R_A, 0, "Import code sets")                    \
	X(HIM_RECORDS, "him_records", R_H, K_DEMO | K_CLIN,                                      \
	  "Deficiencies, merges, release of information")                                         \
	X(AUDIT_VIEW, "audit_view", R_V | R_A, K_DEMO, "Review the audit trail")                  \
	X(AUDIT_VERIFY, "audit_verify", R_V | R_A, 0, "Verify and anchor the audit chain")       \
	X(PRIVACY_REVIEW, "privacy_review", R_V, K_DEMO,                                          \
	  "Review break-the-glass and disclosures")                                               \
	X(AUDIT_REVIEW, "audit_review", R_V | R_H, K_DEMO,                                        \
	  "See who opened a chart, and the charts a user opened")                                 \
	X(BTG_REVIEW, "btg_review", R_V, K_DEMO, "Record findings on break-the-glass accesses")  \
	X(REPORTS_VIEW, "reports_view", R_H | R_V | R_A, K_DEMO, "Run reports")                     \
	X(USER_MANAGE, "user_manage", R_A, K_DEMO, "Add, disable and change users and roles")    \
	X(POLICY_MANAGE, "policy_manage", R_A, 0,                                                 \
	  "Change the permission matrix and policy settings")                                     \
	X(KEY_MANAGE, "key_manage", R_A, 0, "Key rotation")                                      \
	X(BACKUP, "backup", R_A, 0, "Take, check and restore backups")                          \
	X(EXPORT_FHIR, "export_fhir", R_H, K_DEMO | K_CLIN,                                      \
	  "Export charts as FHIR R4 (a disclosure)")                                              \
	X(EXPORT_DEID, "export_deid", R_V | R_A, K_DEMO,                                         \
	  "Export de-identified data (HIPAA Safe Harbor)")                                        \
	X(ROI_MANAGE, "roi_manage", R_H, K_DEMO, "Log and release release-of-information requests") \
	X(DISCLOSURE_ADD, "disclosure_add", R_H | R_V, K_DEMO,                                    \
	  "Record disclosures made outside Chartroom")                                            \
	X(DISCLOSURE_VIEW, "disclosure_view", R_H | R_V, K_DEMO,                                  \
	  "Print a patient's accounting of disclosures")                                          \
	X(AMENDMENT_MANAGE, "amendment_manage", R_H | R_V, K_DEMO,                                \
	  "Log amendment requests, extensions, disagreements, rebuttals")                         \
	X(AMENDMENT_DECIDE, "amendment_decide", R_V, K_DEMO, "Accept or deny amendment requests") \
	X(CHART_MERGE, "chart_merge", R_H, K_DEMO,                                                \
	  "Find duplicate charts, mark pairs not the same person")                               \
	X(RETENTION_PROPOSE, "retention_propose", R_H, K_DEMO,                                   \
	  "List charts past retention and propose their destruction")                             \
	X(RETENTION_APPROVE, "retention_approve", R_V, K_DEMO,                                   \
	  "Approve (carry out) or reject a proposed destruction")                                 \
	X(LEGAL_HOLD, "legal_hold", R_H | R_V, K_DEMO, "Place and release legal holds on charts")

typedef enum {
#define ACTION_ENUM(id, name, roles, keys, desc) ACT_##id,
	PERM_ACTIONS(ACTION_ENUM)
#undef ACTION_ENUM
	ACT_COUNT
} action_t;

/* The role x action matrix. Plain data; config owns one. */
typedef struct perm_matrix {
	unsigned long long allowed[ROLE_COUNT]; /* bit a set: role may do action a */
} perm_matrix_t;

/* Fill with the defaults from PERM_ACTIONS. */
void perm_defaults(perm_matrix_t *pm);

/* Change one role's actions from a config value: a list of action names
 * separated by commas or spaces. Names prefixed with '+' or '-' add to or
 * take from the default; a list of bare names replaces it. "none" empties.
 * Unknown names fail with a message naming them. */
status_t perm_apply_override(perm_matrix_t *pm, role_t role, const char *list, msg_t *m);

/* Change one role's actions relative to what it holds now in pm (not the
 * defaults): "+a -b" adds and removes, a bare list replaces, "none"
 * empties. Errors as perm_apply_override. */
status_t perm_apply_change(perm_matrix_t *pm, role_t role, const char *list, msg_t *m);

/* A role's actions as a canonical list: names in PERM_ACTIONS order,
 * separated by ", ", or "none". */
void perm_role_list(const perm_matrix_t *pm, role_t role, char *buf, size_t size);

int perm_allowed(const perm_matrix_t *pm, role_t role, action_t a);

/* The key domains (DOMAIN_BIT mask) a role needs: the audit key always,
 * plus what its actions need. */
unsigned perm_role_domains(const perm_matrix_t *pm, role_t role);

const char *perm_role_name(role_t r);
const char *perm_role_desc(role_t r);
/* ROLE_COUNT for an unknown name. */
role_t perm_role_from_name(const char *name);

const char *perm_action_name(action_t a);
const char *perm_action_desc(action_t a);
/* ACT_COUNT for an unknown name. */
action_t perm_action_from_name(const char *name);

#endif
