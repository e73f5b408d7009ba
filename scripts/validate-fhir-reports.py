#!/usr/bin/env python3
"""Validates the FHIR reports Tally writes (`tally run --format fhir`) against the FHIR R4
models of the `fhir.resources` package (PyPI), plus the rules the models do not check.

Usage:
    scripts/validate-fhir-reports.py DIR     check the FHIR reports among the *.json and *.ndjson
                                             files of DIR (measurereport-* files, and any other
                                             file holding FHIR resources; other reports are skipped)
    scripts/validate-fhir-reports.py --check-import
                                             exit 0 when fhir.resources is importable

Every Bundle, and every MeasureReport in it or in an NDJSON file, is validated by the models
(required elements, types, no unknown elements). Then: the report type and status; population
codes from the measure-population code system with non-negative integer counts; for
subject-list reports, each population's `subjectResults` resolves to a contained List with as
many entries as the count; individual reports name their subject; ids are unique.

Exit codes: 0 all valid, 1 invalid reports, 2 usage errors, 3 fhir.resources is not installed
(`python3 -m pip install 'fhir.resources>=8,<9'`).

fhir.resources 7 and later model R5 at the top level and R4B in `fhir.resources.R4B`; R4B's
MeasureReport, Bundle and List are R4's (4.0.1) for every element Tally writes. Versions before
7 model R4 at the top level.
"""

import json
import os
import sys

POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
POPULATION_CODES = {
    "initial-population", "numerator", "numerator-exclusion", "denominator", "denominator-exclusion",
    "denominator-exception", "measure-population", "measure-population-exclusion", "measure-observation",
}
REPORT_TYPES = {"individual", "subject-list", "summary", "data-collection"}


def load_models():
    """The MeasureReport and Bundle model classes for FHIR R4, or None when not installed."""
    try:
        from fhir.resources.R4B.bundle import Bundle
        from fhir.resources.R4B.measurereport import MeasureReport
        return MeasureReport, Bundle
    except ImportError:
        pass
    try:
        import fhir.resources as fr
        if str(getattr(fr, "__fhir_version__", "")).startswith("4.0"):
            from fhir.resources.bundle import Bundle
            from fhir.resources.measurereport import MeasureReport
            return MeasureReport, Bundle
    except ImportError:
        pass
    return None


def looks_like_fhir(text):
    """Whether a JSON file (or the first line of an NDJSON file) is a FHIR resource."""
    for candidate in (text, text.lstrip().split("\n", 1)[0]):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        return isinstance(data, dict) and "resourceType" in data
    return False


def validate_model(cls, data):
    """Raises when the model rejects the data (pydantic 2 and 1 APIs)."""
    if hasattr(cls, "model_validate"):
        cls.model_validate(data)
    else:
        cls.parse_obj(data)


class Checker:
    def __init__(self, models):
        self.MeasureReport, self.Bundle = models
        self.errors = []
        self.reports = 0
        self.ids = {}
        self.skipped = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    def check_file(self, path):
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.error(name, f"cannot read: {e}")
            return
        if not name.startswith("measurereport") and not looks_like_fhir(text):
            # Other reports written into the same folder (summary.json, members.json, ...).
            self.skipped.append(name)
            return
        if path.endswith(".ndjson"):
            for i, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    self.error(f"{name}:{i}", "blank line in NDJSON")
                    continue
                self.check_resource(f"{name}:{i}", self.parse(f"{name}:{i}", line), name)
        else:
            self.check_resource(name, self.parse(name, text), name)

    def parse(self, where, text):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            self.error(where, f"not JSON: {e}")
            return None

    def check_resource(self, where, data, scope):
        if data is None:
            return
        if not isinstance(data, dict):
            self.error(where, "not a JSON object")
            return
        kind = data.get("resourceType")
        if kind == "Bundle":
            self.model(where, self.Bundle, data)
            if data.get("type") != "collection":
                self.error(where, f"Bundle type is {data.get('type')!r}, expected 'collection'")
            for i, entry in enumerate(data.get("entry", [])):
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if resource is None:
                    self.error(f"{where} entry[{i}]", "entry without a resource")
                else:
                    self.check_resource(f"{where} entry[{i}]", resource, scope)
        elif kind == "MeasureReport":
            self.check_report(where, data, scope)
        else:
            self.error(where, f"unexpected resourceType {kind!r}")

    def model(self, where, cls, data):
        try:
            validate_model(cls, data)
            return True
        except Exception as e:  # pydantic.ValidationError, or ValueError from older versions
            self.error(where, f"{cls.__name__} is not valid FHIR:\n  " + str(e).replace("\n", "\n  "))
            return False

    def check_report(self, where, r, scope):
        self.reports += 1
        rid = r.get("id")
        if rid:
            where = f"{where} MeasureReport/{rid}"
            key = (scope, rid)
            if key in self.ids:
                self.error(where, f"duplicate id (also at {self.ids[key]})")
            self.ids[key] = where
        self.model(where, self.MeasureReport, r)
        if r.get("status") != "complete":
            self.error(where, f"status {r.get('status')!r}, expected 'complete'")
        rtype = r.get("type")
        if rtype not in REPORT_TYPES:
            self.error(where, f"type {rtype!r} is not one of {sorted(REPORT_TYPES)}")
        measure = r.get("measure", "")
        if not (isinstance(measure, str) and measure.startswith(("http://", "https://"))):
            self.error(where, f"measure {measure!r} is not an absolute canonical URL")
        period = r.get("period", {})
        if "start" in period and "end" in period and str(period["start"]) > str(period["end"]):
            self.error(where, f"period starts after it ends: {period}")
        if rtype == "individual" and not r.get("subject"):
            self.error(where, "an individual report needs a subject")
        contained = {c.get("id"): c for c in r.get("contained", []) if isinstance(c, dict)}
        referenced = set()
        for g, group in enumerate(r.get("group", [])):
            self.check_populations(f"{where} group[{g}]", group.get("population", []), rtype, contained, referenced)
            for s, stratifier in enumerate(group.get("stratifier", [])):
                for t, stratum in enumerate(stratifier.get("stratum", [])):
                    self.check_populations(f"{where} group[{g}].stratifier[{s}].stratum[{t}]", stratum.get("population", []),
                                           rtype, contained, referenced)
        for cid in contained:
            if cid not in referenced:
                self.error(where, f"contained resource #{cid} is not referenced (dom-3)")

    def check_populations(self, where, populations, rtype, contained, referenced):
        seen = set()
        for i, p in enumerate(populations):
            at = f"{where}.population[{i}]"
            codings = p.get("code", {}).get("coding", [])
            codes = [c.get("code") for c in codings if c.get("system") == POPULATION_SYSTEM]
            if len(codes) != 1 or codes[0] not in POPULATION_CODES:
                self.error(at, f"needs one code from {POPULATION_SYSTEM}, has {codings}")
            elif codes[0] in seen:
                self.error(at, f"population {codes[0]} appears twice")
            else:
                seen.add(codes[0])
            count = p.get("count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                self.error(at, f"count {count!r} is not a non-negative integer")
            ref = p.get("subjectResults", {}).get("reference")
            if rtype == "subject-list":
                if not (isinstance(ref, str) and ref.startswith("#")):
                    self.error(at, "a subject-list population needs subjectResults referencing a contained List")
                    continue
                lst = contained.get(ref[1:])
                referenced.add(ref[1:])
                if lst is None or lst.get("resourceType") != "List":
                    self.error(at, f"subjectResults {ref} is not a contained List")
                elif isinstance(count, int) and len(lst.get("entry", [])) != count:
                    self.error(at, f"count {count} but List {ref} has {len(lst.get('entry', []))} entries")
                else:
                    for e in lst.get("entry", []):
                        item = e.get("item", {})
                        if not (str(item.get("reference", "")).startswith("Patient/") or item.get("type") == "Patient"):
                            self.error(at, f"List {ref} entry is not a Patient reference: {item}")
                            break
            elif ref is not None:
                self.error(at, f"subjectResults in a {rtype} report")


def main(argv):
    if len(argv) == 2 and argv[1] == "--check-import":
        return 0 if load_models() else 3
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    models = load_models()
    if not models:
        print("fhir.resources is not installed: python3 -m pip install 'fhir.resources>=8,<9'", file=sys.stderr)
        return 3
    folder = argv[1]
    if not os.path.isdir(folder):
        print(f"no such folder: {folder}", file=sys.stderr)
        return 2
    files = sorted(f for f in os.listdir(folder) if f.endswith((".json", ".ndjson")))
    if not files:
        print(f"no .json or .ndjson files in {folder}", file=sys.stderr)
        return 1
    checker = Checker(models)
    for f in files:
        checker.check_file(os.path.join(folder, f))
    for e in checker.errors:
        print(e, file=sys.stderr)
    if checker.errors:
        print(f"{len(checker.errors)} problem(s) in {checker.reports} MeasureReport(s), {len(files) - len(checker.skipped)} file(s)",
              file=sys.stderr)
        return 1
    checked = len(files) - len(checker.skipped)
    if checked == 0:
        print(f"no FHIR reports in {folder} (measurereport-*.json, measurereport-*.ndjson)", file=sys.stderr)
        return 1
    skipped = f" (skipped, not FHIR: {', '.join(checker.skipped)})" if checker.skipped else ""
    print(f"{checker.reports} MeasureReport(s) in {checked} file(s): valid FHIR R4{skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
