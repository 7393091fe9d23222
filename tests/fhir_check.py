#!/usr/bin/env python3
"""fhir_check.py - helpers for tests/e2e/test_fhir.sh.

  fhir_check.py validate SCHEMA FILE...   every resource in the files (a Bundle,
                                          or NDJSON) against the FHIR R4 JSON
                                          schema: one validator built once, each
                                          resource checked against
                                          {"$ref": "#/definitions/<resourceType>"}.
                                          Prints "N resources valid" or each
                                          failure; exit 1 on any.
  fhir_check.py normal FILE...            the resources with ids, meta and the
                                          references' targets' ids taken out
                                          (references become the target's
                                          position among its type), sorted
                                          within each type: what a round trip
                                          must keep equal. MRN identifiers are
                                          dropped too (a receiving clinic
                                          assigns its own).
  fhir_check.py count FILE TYPE           how many resources of TYPE.
"""
import json
import sys


def resources(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stripped = text.lstrip()
    first = stripped.split("\n", 1)[0]
    try:
        one = json.loads(first)
    except ValueError:
        one = None
    if isinstance(one, dict) and one.get("resourceType") != "Bundle":
        for n, line in enumerate(text.split("\n"), 1):
            if line.strip():
                yield "%s:%d" % (path, n), json.loads(line)
        return
    bundle = json.loads(text)
    assert bundle.get("resourceType") == "Bundle", path
    for i, e in enumerate(bundle.get("entry", [])):
        yield "%s entry[%d]" % (path, i), e["resource"]


def validate(schema_path, files):
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    defs = schema["definitions"]
    cls = jsonschema.Draft6Validator
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT6
        res = Resource(contents=schema, specification=DRAFT6)
        registry = Registry().with_resource("urn:fhir-schema", res)
        make = lambda t: cls({"$ref": "urn:fhir-schema#/definitions/" + t},
                             registry=registry)
    except ImportError:  # jsonschema before 4.18: a RefResolver
        resolver = jsonschema.RefResolver("urn:fhir-schema", schema)
        make = lambda t: cls({"$ref": "urn:fhir-schema#/definitions/" + t},
                             resolver=resolver)
    validators = {}
    n = bad = 0
    for path in files:
        for where, r in resources(path):
            n += 1
            t = r.get("resourceType")
            if t not in defs:
                print("%s: unknown resourceType %r" % (where, t))
                bad += 1
                continue
            if t not in validators:
                validators[t] = make(t)
            errs = list(validators[t].iter_errors(r))
            for e in errs[:3]:
                print("%s (%s): %s at %s" % (where, t, e.message[:200],
                                             "/".join(str(p) for p in e.absolute_path)))
            bad += bool(errs)
    print("%d resources, %d invalid" % (n, bad))
    return 1 if bad or not n else 0


def normal(files):
    rs = [r for path in files for _, r in resources(path)]
    # A reference names its target by type and position among that type.
    pos = {}
    for r in rs:
        t = r["resourceType"]
        pos["%s/%s" % (t, r["id"])] = "%s#%d" % (t, sum(1 for k in pos if k.startswith(t + "/")))

    def walk(x):
        if isinstance(x, dict):
            out = {}
            for k, v in x.items():
                if k in ("id", "meta") and "resourceType" in x:
                    continue
                if k == "reference" and isinstance(v, str):
                    out[k] = pos.get(v, "dangling:" + v)
                    continue
                out[k] = walk(v)
            if x.get("resourceType") == "Patient":
                out["identifier"] = [i for i in out.get("identifier", [])
                                     if i.get("system") != "urn:chartroom:mrn"]
                if not out["identifier"]:
                    del out["identifier"]
                sec = [s.get("code") for s in x.get("meta", {}).get("security", [])]
                out["confidential"] = "R" in sec
            return out
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    by = {}
    for r in rs:
        by.setdefault(r["resourceType"], []).append(walk(r))
    print(json.dumps(by, indent=1, sort_keys=True, ensure_ascii=False))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "validate":
        return validate(argv[2], argv[3:])
    if len(argv) >= 2 and argv[1] == "normal":
        return normal(argv[2:])
    if len(argv) == 4 and argv[1] == "count":
        print(sum(1 for _, r in resources(argv[2]) if r.get("resourceType") == argv[3]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
