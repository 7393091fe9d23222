/* cli_export.c - the export command and its verbs: `export fhir` (FHIR R4,
 * cli_fhir.c: cli_export_fhir; README "FHIR") and `export deid` (core/deid.h;
 * README "De-identified export": what was written goes to standard output,
 * one line per file, then the re-identification warning). */
#include <stdio.h>
#include <string.h>

#include "core/deid.h"
#include "ui/cli_internal.h"

static const char export_usage[] = "[--user ACTOR] export fhir MRN [--out FILE] [--category C]\n"
				   "           [--disclosure FILE|-]\n"
				   "       export fhir --all --out DIR [--category C] [--disclosure FILE|-]\n"
				   "       export deid [--from D] [--to D] --out DIR";

static const cli_optspec_t export_opts[] = {{"from", 0, 1, "deid"},
                                            {"to", 0, 1, "deid"},
                                            {"out", 'o', 1, NULL},
                                            {"all", 0, 0, "fhir"},
                                            {"category", 0, 1, "fhir"},
                                            {"disclosure", 0, 1, "fhir"},
                                            {NULL, 0, 0, NULL}};

static int cmd_export_deid(cli_t *c)
{
	const char *out = cli_val(c, "out");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	deid_report_t rep;
	msg_t m;
	status_t st;

	if (c->argc > 2)
		return cli_usage_error(export_usage, "unexpected argument");
	if (!out || !*out)
		return cli_usage_error(export_usage, "--out DIR is required (a new directory)");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = deid_export(s, cli_val(c, "from"), cli_val(c, "to"), out, &rep, &m);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	cli_printf("patients.csv\t%ld\n", rep.patients);
	cli_printf("encounters.csv\t%ld\n", rep.encounters);
	cli_printf("diagnoses.csv\t%ld\n", rep.diagnoses);
	cli_printf("procedures.csv\t%ld\n", rep.procedures);
	cli_printf("vitals.csv\t%ld\n", rep.vitals);
	cli_printf("medications.csv\t%ld\n", rep.medications);
	cli_printf("allergies.csv\t%ld\n", rep.allergies);
	cli_say(m.text);
	if (rep.over89)
		fprintf(stderr, "%ld patients over 89 exported as 90+ with no birth year.\n",
			rep.over89);
	if (rep.withheld)
		fprintf(stderr, "%ld values left blank: not the shape of a code or number.\n",
			rep.withheld);
	fprintf(stderr,
		"Re-identification warning: the smallest group of patients sharing birth year, "
		"sex and ZIP3 has %ld patient%s (%ld group%s of %ld, %ld of fewer than %d).\n",
		rep.smallest_group, rep.smallest_group == 1 ? "" : "s", rep.groups,
		rep.groups == 1 ? "" : "s", rep.groups, rep.small_groups, DEID_SMALL_GROUP);
	if (rep.small_groups)
		fprintf(stderr, "A patient in a group that small may be recognised by someone who "
				"knows them: share these files only under a data use agreement.\n");
	return 0;
}

static int cmd_export(cli_t *c)
{
	const char *verb = c->argc > 1 ? c->argv[1] : NULL;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "fhir: FHIR R4. One chart (by MRN) as a Bundle of type collection: Patient,\n"
		       "Encounter, Condition (problems and encounter diagnoses, ICD-10-CM),\n"
		       "AllergyIntolerance (and 'no known allergy'), MedicationStatement,\n"
		       "Observation (vital signs, LOINC and UCUM), Procedure (HCPCS/CPT) and\n"
		       "DocumentReference (signed notes), to FILE (mode 0600) or standard output.\n"
		       "  --all --out DIR   every chart, one NDJSON file per resource type in DIR\n"
		       "                    (Patient.ndjson, ...: the Bulk Data layout), with a\n"
		       "                    progress bar when standard error is a terminal.\n"
		       "An export is a disclosure: it needs the export_fhir permission (HIM by\n"
		       "default), each chart exported is audited and recorded in the patient's\n"
		       "accounting of disclosures ('chartroom disclosures MRN --all'):\n"
		       "  --category C      its kind (see 'chartroom disclosure categories');\n"
		       "                    default other, which the accounting shows: say\n"
		       "                    treatment, to_patient, ... when it is one of those\n"
		       "  --disclosure FILE|-  CSV (a header row and one row) with the columns\n"
		       "                    recipient_name, recipient_address, purpose; what is\n"
		       "                    left out is recorded as 'Not stated at export'\n"
		       "Import with 'chartroom import fhir FILE'.\n\n"
		       "deid: a de-identified copy of the clinic's data (HIPAA Safe Harbor,\n"
		       "45 CFR 164.514(b)(2)) as CSV files in a new directory, each mode 0600:\n"
		       "patients, encounters, diagnoses, procedures, vitals, medications and\n"
		       "allergies. No names, addresses below the state, full dates, phones,\n"
		       "email, SSN, MRN, insurance or free text; ZIP3 (000 for the restricted\n"
		       "areas), years only, ages over 89 as 90+ with no birth year; study ids\n"
		       "random for each export and kept nowhere. Prints the smallest group of\n"
		       "patients sharing birth year, sex and ZIP3.\n"
		       "  --from D, --to D  encounters with a date of service in that range\n"
		       "                    (inclusive) and their patients; default: everything\n"
		       "  -o, --out DIR     the new directory (never overwritten)\n"
		       "Needs the export_deid permission (privacy officer, administrator); audited.\n",
		       export_usage);
		return 0;
	}
	if (!verb)
		return cli_usage_error(export_usage, "name what to export: fhir or deid");
	if (strcmp(verb, "fhir") == 0)
		return cli_export_fhir(c);
	if (strcmp(verb, "deid") == 0)
		return cmd_export_deid(c);
	return cli_usage_error(export_usage, "unknown export (fhir or deid)");
}

const cli_command_t cli_export_command = {"export",
                                          cmd_export,
                                          "charts as FHIR R4; a de-identified (Safe Harbor) CSV export",
                                          export_usage,
                                          export_opts,
                                          NULL,
                                          0,
                                          NULL};
