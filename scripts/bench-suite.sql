-- DuckDB SQL mirroring five Tally measures on a claims-CSV panel (Tuva input layer), for
-- scripts/bench and scripts/bench-suite. {panel} and {valuesets} are replaced by the script with
-- folder paths. Statements are separated by a line that ends with a semicolon.
--
-- The file is cut into sections by lines `-- @section NAME`; a script runs only the sections its
-- measures need (scripts/benchlib.py, MEASURES) and then reads one result table per measure:
--   result_bcs      Measures/hedis/BCS.measure              sections loader, hedis, bcs
--   result_gsd      Measures/hedis/GSD.measure              sections loader, hedis, gsd
--   result_tcoc     Measures/cost/TotalCostOfCare.measure   sections loader, months, tcoc
--   result_ed       Measures/utilization/EDVisits.measure   sections loader, months, stays, ed
--   result_readmit  Measures/utilization/Readmissions.measure  sections loader, stays, readmit
-- (with Measures/lib/common, enrollment, hedis and claims), measurement year 2025. Each result
-- table is one row whose columns are named after Tally's counts in summary.json (initial,
-- denominator, ...) or after the observation sums the script derives from it (paid_sum, ...).
--
-- Value-set membership is tested on the code alone (the value-set CSVs' code systems are not
-- compared with the record's system; the codes of the lists used here do not collide across
-- systems). Claim header fields take min() over the claim's lines where the loader takes the
-- first line (in file order) that has them, and "first-listed diagnosis" is the lowest-numbered
-- diagnosis column of the lowest-numbered line where the loader takes the first row in file
-- order: the same on panels whose lines agree on their header fields (as `tally synth` writes
-- them).
--
-- Every CSV column is read as text (all_varchar) and cast where the measures need a type, so
-- that codes keep their leading zeros, as Tally's loader keeps them.

-- @section loader
-- ------------------------------------------------------------------------------------------
-- Loader mirror (docs/data-model.md, "Claims CSV"): members, enrollment spans, claim lines
-- grouped into claims, claim-derived encounters, conditions and procedures, observations.

CREATE TEMP TABLE vs AS
SELECT value_set_id, code FROM read_csv('{valuesets}/*.csv', header=true, all_varchar=true);

-- Members: anyone named by patient.csv or eligibility.csv; demographics from patient first.
CREATE TEMP TABLE member AS
WITH p AS (
  SELECT person_id, min(lower(sex)) AS sex, min(birth_date)::DATE AS birth_date, min(death_date)::DATE AS death_date
  FROM read_csv('{panel}/patient.csv', header=true, all_varchar=true) GROUP BY person_id),
e AS (
  SELECT person_id, min(lower(gender)) AS sex, min(birth_date)::DATE AS birth_date, min(death_date)::DATE AS death_date
  FROM read_csv('{panel}/eligibility.csv', header=true, all_varchar=true) GROUP BY person_id)
SELECT coalesce(p.person_id, e.person_id) AS person_id,
       CASE coalesce(p.sex, e.sex) WHEN 'female' THEN 'female' WHEN 'f' THEN 'female'
            WHEN 'male' THEN 'male' WHEN 'm' THEN 'male' ELSE 'other' END AS sex,
       coalesce(p.birth_date, e.birth_date) AS birth_date,
       coalesce(p.death_date, e.death_date) AS death_date,
       -- lib/common age_at_end_of_period: whole years from birth to 2025-12-31.
       date_part('year', age(DATE '2025-12-31', coalesce(p.birth_date, e.birth_date))) AS age
FROM p FULL OUTER JOIN e ON p.person_id = e.person_id;

-- Enrollment spans (eligibility rows), both ends inclusive; no end date = ongoing.
CREATE TEMP TABLE enrollment AS
SELECT person_id, enrollment_start_date::DATE AS s, coalesce(enrollment_end_date::DATE, DATE '9999-12-31') AS e,
       lower(hospice_flag) IN ('1','true','t','yes','y') AS hospice,
       lower(institutional_snp_flag) IN ('1','true','t','yes','y') AS institutional,
       lower(long_term_institutional_flag) IN ('1','true','t','yes','y') AS long_term_institutional
FROM read_csv('{panel}/eligibility.csv', header=true, all_varchar=true);

-- lib/enrollment "spans merged": islands of the union of spans (abutting spans join).
CREATE TEMP TABLE island AS
WITH o AS (
  SELECT person_id, s, e, max(e) OVER (PARTITION BY person_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
  FROM enrollment),
g AS (
  SELECT *, sum(CASE WHEN prev_e IS NULL OR s > prev_e + 1 THEN 1 ELSE 0 END) OVER (PARTITION BY person_id ORDER BY s, e) AS grp FROM o)
SELECT person_id, min(s) AS s, max(e) AS e FROM g GROUP BY person_id, grp;

-- Claim lines (medical_claim.csv), only the columns used; a three-digit revenue code gets a
-- leading zero (`450` is `0450`), as the loader pads it.
CREATE TEMP TABLE line AS
SELECT claim_id, claim_line_number::INTEGER AS n, lower(claim_type) AS claim_type, person_id,
       claim_start_date::DATE AS claim_start, claim_end_date::DATE AS claim_end,
       claim_line_start_date::DATE AS line_start, claim_line_end_date::DATE AS line_end,
       admission_date::DATE AS admission, discharge_date::DATE AS discharge,
       discharge_disposition_code AS disposition,
       TRY_CAST(place_of_service_code AS INTEGER) AS pos, bill_type_code AS bill_type,
       CASE WHEN regexp_full_match(revenue_center_code, '[0-9]{3}') THEN '0' || revenue_center_code
            ELSE revenue_center_code END AS rev,
       upper(hcpcs_code) AS hcpcs,
       [hcpcs_modifier_1, hcpcs_modifier_2, hcpcs_modifier_3, hcpcs_modifier_4, hcpcs_modifier_5] AS modifiers,
       paid_amount::DECIMAL(18,4) AS paid, allowed_amount::DECIMAL(18,4) AS allowed
FROM read_csv('{panel}/medical_claim.csv', header=true, all_varchar=true)
WHERE person_id IN (SELECT person_id FROM member);

-- Claim (one per claim_id): header fields from the lines, paid/allowed summed, and the
-- loader's setting (CareSetting.derive, first matching rule wins; place of service of any line).
-- btc is lib/claims bill_type_class and setting_of is lib/claims setting_of (the bill type
-- deciding for SNF, home health and hospice facility claims).
CREATE TEMP TABLE claim AS
WITH h AS (
  SELECT claim_id, min(person_id) AS person_id, min(claim_type) AS claim_type,
         coalesce(min(claim_start), min(line_start)) AS cs,
         coalesce(min(claim_end), max(coalesce(line_end, line_start)), min(claim_start), min(line_start)) AS ce,
         min(admission) AS admission, min(discharge) AS discharge, min(disposition) AS disposition,
         min(bill_type) AS bill_type,
         sum(paid) AS paid, sum(allowed) AS allowed,
         bool_or(pos IN (21, 51, 61)) AS pos_ip, bool_or(pos = 31) AS pos_snf, bool_or(pos = 34) AS pos_hospice,
         bool_or(pos = 12) AS pos_hh, bool_or(pos = 23) AS pos_ed, bool_or(pos IN (2, 10)) AS pos_tele,
         bool_or(pos = 20) AS pos_urgent, bool_or(pos IN (41, 42)) AS pos_amb,
         bool_or(pos IN (11, 49, 50, 71, 72)) AS pos_office, bool_or(pos = 81) AS pos_lab,
         bool_or(pos IN (19, 22, 24)) AS pos_outpatient,
         bool_or(TRY_CAST(rev AS INTEGER) BETWEEN 100 AND 219) AS rev_room_board,
         bool_or(TRY_CAST(rev AS INTEGER) BETWEEN 450 AND 459 AND TRY_CAST(rev AS INTEGER) <> 456
                 OR TRY_CAST(rev AS INTEGER) = 981 OR hcpcs IN ('99281', '99282', '99283', '99284', '99285')) AS ed_code,
         bool_or(list_has_any(list_transform(modifiers, lambda x: upper(x)), ['95', 'GT', 'GQ', '93'])) AS tele_mod,
         bool_or(TRY_CAST(rev AS INTEGER) = 456) AS rev_urgent, bool_or(TRY_CAST(rev AS INTEGER) BETWEEN 540 AND 549) AS rev_amb,
         bool_or(rev IN (SELECT code FROM vs WHERE value_set_id = 'tally-inpatient-rehab-revenue')) AS rehab,
         bool_or(rev IN (SELECT code FROM vs WHERE value_set_id = 'tally-hospice-revenue')) AS hospice_rev,
         bool_or(rev IN (SELECT code FROM vs WHERE value_set_id = 'tally-ed-revenue')
                 OR hcpcs IN (SELECT code FROM vs WHERE value_set_id = 'tally-ed-visit')) AS ed_line
  FROM line GROUP BY claim_id),
b AS (
  SELECT *, CASE WHEN length(bill_type) = 4 AND bill_type LIKE '0%' THEN substr(bill_type, 2, 2)
                 ELSE substr(bill_type, 1, 2) END AS btc FROM h),
s AS (
  SELECT *,
    CASE WHEN btc IN ('11', '12') OR (rev_room_board AND admission IS NOT NULL) OR pos_ip THEN 'inpatient'
         WHEN btc = '21' OR pos_snf THEN 'snf'
         WHEN btc IN ('81', '82') OR pos_hospice THEN 'hospice'
         WHEN btc IN ('32', '33', '34') OR pos_hh THEN 'home_health'
         WHEN ed_code OR pos_ed THEN 'emergency'
         WHEN pos_tele OR tele_mod THEN 'telehealth'
         WHEN rev_urgent OR pos_urgent THEN 'urgent_care'
         WHEN rev_amb OR pos_amb THEN 'ambulance'
         WHEN pos_office THEN 'office'
         WHEN pos_lab THEN 'lab'
         WHEN claim_type = 'institutional' OR bill_type IS NOT NULL OR pos_outpatient THEN 'outpatient'
         ELSE 'other' END AS setting
  FROM b)
SELECT *,
  CASE WHEN btc = '21' THEN 'snf' WHEN btc IN ('32', '33', '34') THEN 'home_health'
       WHEN btc IN ('81', '82') THEN 'hospice' ELSE setting END AS setting_of
FROM s;

-- Claim diagnoses (diagnosis_code_N): per line and column, then each distinct code of a claim,
-- and the claim's first-listed diagnosis (lib/claims `first(c.diagnoses)`).
CREATE TEMP TABLE claim_dx_line AS
SELECT claim_id, person_id, claim_line_number::INTEGER AS n, upper(code) AS code,
       CAST(regexp_extract(col, '(\d+)$', 1) AS INTEGER) AS ord
FROM (UNPIVOT (SELECT claim_id, person_id, claim_line_number, COLUMNS('^diagnosis_code_\d+$')
               FROM read_csv('{panel}/medical_claim.csv', header=true, all_varchar=true))
      ON COLUMNS('^diagnosis_code_\d+$') INTO NAME col VALUE code);

CREATE TEMP TABLE claim_dx AS SELECT DISTINCT claim_id, person_id, code FROM claim_dx_line;

CREATE TEMP TABLE claim_first_dx AS
SELECT claim_id, arg_min(code, n::BIGINT * 1000 + ord) AS code FROM claim_dx_line GROUP BY claim_id;

DROP TABLE claim_dx_line;

-- Claim ICD-10-PCS procedures (procedure_code_N, dated procedure_date_N else the claim start).
CREATE TEMP TABLE claim_px AS
SELECT DISTINCT claim_id, person_id, upper(replace(code, '.', '')) AS code, TRY_CAST(pdate AS DATE) AS pdate FROM (
  SELECT claim_id, person_id,
         unnest([procedure_code_1, procedure_code_2, procedure_code_3, procedure_code_4, procedure_code_5, procedure_code_6, procedure_code_7, procedure_code_8, procedure_code_9, procedure_code_10, procedure_code_11, procedure_code_12, procedure_code_13, procedure_code_14, procedure_code_15, procedure_code_16, procedure_code_17, procedure_code_18, procedure_code_19, procedure_code_20, procedure_code_21, procedure_code_22, procedure_code_23, procedure_code_24, procedure_code_25]) AS code,
         unnest([procedure_date_1, procedure_date_2, procedure_date_3, procedure_date_4, procedure_date_5, procedure_date_6, procedure_date_7, procedure_date_8, procedure_date_9, procedure_date_10, procedure_date_11, procedure_date_12, procedure_date_13, procedure_date_14, procedure_date_15, procedure_date_16, procedure_date_17, procedure_date_18, procedure_date_19, procedure_date_20, procedure_date_21, procedure_date_22, procedure_date_23, procedure_date_24, procedure_date_25]) AS pdate
  FROM read_csv('{panel}/medical_claim.csv', header=true, all_varchar=true))
WHERE code IS NOT NULL;

-- Procedures: claim lines with a HCPCS/CPT code (performed = line dates, else claim dates),
-- claim ICD-10-PCS codes, and procedure.csv rows.
CREATE TEMP TABLE proc AS
SELECT l.person_id, l.hcpcs AS code, coalesce(l.line_start, c.cs) AS ps, coalesce(l.line_end, l.line_start, c.ce) AS pe
FROM line l JOIN claim c USING (claim_id) WHERE l.hcpcs IS NOT NULL
UNION ALL
SELECT x.person_id, x.code, coalesce(x.pdate, c.cs), coalesce(x.pdate, c.cs) FROM claim_px x JOIN claim c USING (claim_id)
UNION ALL
SELECT person_id, upper(coalesce(normalized_code, source_code)), procedure_date::DATE, procedure_date::DATE
FROM read_csv('{panel}/procedure.csv', header=true, all_varchar=true)
WHERE person_id IN (SELECT person_id FROM member);

-- Conditions: one per distinct claim diagnosis (onset = claim start) and condition.csv rows
-- (onset_date else recorded_date).
CREATE TEMP TABLE cond AS
SELECT DISTINCT d.person_id, d.code, c.cs AS onset FROM claim_dx d JOIN claim c USING (claim_id)
UNION ALL
SELECT person_id, upper(coalesce(normalized_code, source_code)), coalesce(onset_date, recorded_date)::DATE
FROM read_csv('{panel}/condition.csv', header=true, all_varchar=true)
WHERE person_id IN (SELECT person_id FROM member);

-- Encounters: one per claim (period admission-discharge when admitted, else the claim period;
-- setting = the loader's setting, not setting_of; diagnoses = the claim's), and encounter.csv
-- rows (setting by the words of encounter_type as CareSetting.fromEncounterType reads them,
-- diagnosis = primary_diagnosis_code).
CREATE TEMP TABLE enc AS
SELECT claim_id AS id, person_id, setting,
       CASE WHEN admission IS NOT NULL THEN admission ELSE cs END AS es,
       CASE WHEN admission IS NOT NULL THEN coalesce(discharge, ce) ELSE ce END AS ee
FROM claim
UNION ALL
SELECT encounter_id, person_id,
       CASE WHEN t LIKE '%skilled nursing%' OR t LIKE '%snf%' THEN 'snf'
            WHEN t LIKE '%hospice%' THEN 'hospice'
            WHEN t LIKE '%home health%' THEN 'home_health'
            WHEN t LIKE '%inpatient%' THEN 'inpatient'
            WHEN t LIKE '%emergency%' OR t = 'ed' THEN 'emergency'
            WHEN t LIKE '%tele%' OR t LIKE '%virtual%' THEN 'telehealth'
            WHEN t LIKE '%urgent%' THEN 'urgent_care'
            WHEN t LIKE '%ambulance%' THEN 'ambulance'
            WHEN t LIKE '%office%' THEN 'office'
            WHEN t LIKE '%lab%' THEN 'lab'
            WHEN t LIKE '%outpatient%' OR t LIKE '%ambulatory%' OR t LIKE '%dialysis%' OR t LIKE '%clinic%' THEN 'outpatient'
            ELSE 'other' END,
       es, ee
FROM (SELECT encounter_id, person_id, lower(coalesce(encounter_type, '')) AS t, encounter_start_date::DATE AS es,
             coalesce(encounter_end_date, encounter_start_date)::DATE AS ee
      FROM read_csv('{panel}/encounter.csv', header=true, all_varchar=true)
      WHERE person_id IN (SELECT person_id FROM member));

CREATE TEMP TABLE enc_dx AS
SELECT claim_id AS id, code FROM claim_dx
UNION ALL
SELECT encounter_id, upper(primary_diagnosis_code)
FROM read_csv('{panel}/encounter.csv', header=true, all_varchar=true) WHERE primary_diagnosis_code IS NOT NULL;

-- Observations: lab_result.csv rows (normalized component code else source; status lower-cased,
-- final when empty; effective = result_datetime else collection_datetime) and observation.csv
-- rows (normalized code else source; status final, Tuva's file has no status column; effective
-- = observation_date). value: the number of `result` when it is one (a leading <, <=, >, >= is
-- the comparator, not part of the value), else null (text).
CREATE TEMP TABLE obs AS
SELECT person_id, code, status, eff,
       CASE WHEN regexp_full_match(num, '[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?') THEN num::DOUBLE END AS value
FROM (
  SELECT person_id, coalesce(normalized_component_code, source_component_code) AS code,
         coalesce(lower(status), 'final') AS status,
         CAST(coalesce(result_datetime, collection_datetime) AS TIMESTAMP) AS eff,
         regexp_replace(trim(result), '^(<=|>=|<|>)\s*', '') AS num
  FROM read_csv('{panel}/lab_result.csv', header=true, all_varchar=true)
  WHERE person_id IN (SELECT person_id FROM member)
  UNION ALL
  SELECT person_id, coalesce(normalized_code, source_code), 'final', CAST(observation_date AS TIMESTAMP),
         regexp_replace(trim(result), '^(<=|>=|<|>)\s*', '')
  FROM read_csv('{panel}/observation.csv', header=true, all_varchar=true)
  WHERE person_id IN (SELECT person_id FROM member));

-- @section hedis
-- ------------------------------------------------------------------------------------------
-- lib/enrollment and lib/hedis: continuous enrollment and the required exclusions shared by
-- BCS and GSD (common_required_exclusions), per member.

-- lib/enrollment continuously_enrolled_in_measurement_year: islands clipped to 2025, gaps =
-- the uncovered runs of days; at most one gap of at most 45 days, and enrolled on 2025-12-31.
CREATE TEMP TABLE ce_dec31 AS
WITH
clip AS (SELECT person_id, greatest(s, DATE '2025-01-01') AS s, least(e, DATE '2025-12-31') AS e
         FROM island WHERE s <= DATE '2025-12-31' AND e >= DATE '2025-01-01'),
gaps AS (
  SELECT person_id, s - coalesce(lag(e) OVER (PARTITION BY person_id ORDER BY s), DATE '2024-12-31') - 1 AS gap FROM clip
  UNION ALL
  SELECT person_id, DATE '2025-12-31' - max(e) FROM clip GROUP BY person_id),
ce AS (
  SELECT person_id FROM gaps GROUP BY person_id
  HAVING count(*) FILTER (WHERE gap > 0) <= 1 AND max(gap) <= 45)
SELECT person_id FROM ce WHERE person_id IN (SELECT person_id FROM island WHERE DATE '2025-12-31' BETWEEN s AND e);

-- lib/hedis common_required_exclusions: the members to whom one applies.
CREATE TEMP TABLE hedis_excluded AS
WITH
-- hospice_in_measurement_year.
hospice AS (
  SELECT person_id FROM enrollment WHERE hospice AND s <= DATE '2025-12-31' AND e >= DATE '2025-01-01'
  UNION SELECT person_id FROM enc WHERE setting = 'hospice' AND es <= DATE '2025-12-31' AND coalesce(ee, es) >= DATE '2025-01-01'
  UNION SELECT person_id FROM proc WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-hospice-services')
        AND ps <= DATE '2025-12-31' AND coalesce(pe, ps) >= DATE '2025-01-01'
  UNION SELECT person_id FROM claim WHERE hospice_rev AND cs <= DATE '2025-12-31' AND ce >= DATE '2025-01-01'),
-- palliative_care_in_measurement_year.
palliative AS (
  SELECT e.person_id FROM enc e JOIN enc_dx d USING (id)
  WHERE d.code IN (SELECT code FROM vs WHERE value_set_id = 'tally-palliative-care') AND e.es <= DATE '2025-12-31' AND coalesce(e.ee, e.es) >= DATE '2025-01-01'
  UNION SELECT person_id FROM cond WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-palliative-care') AND onset BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
  UNION SELECT person_id FROM proc WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-palliative-care')
        AND ps <= DATE '2025-12-31' AND coalesce(pe, ps) >= DATE '2025-01-01'),
-- frailty_dates / has_frailty: two or more distinct dates in 2025.
frailty AS (
  SELECT person_id FROM (
    SELECT person_id, onset AS d FROM cond WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-frailty-diagnosis') AND onset BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
    UNION SELECT person_id, ps FROM proc WHERE code IN (SELECT code FROM vs WHERE value_set_id IN ('tally-frailty-device', 'tally-frailty-encounter'))
          AND ps <= DATE '2025-12-31' AND coalesce(pe, ps) >= DATE '2025-01-01'
    UNION SELECT e.person_id, e.es FROM enc e JOIN enc_dx x USING (id)
          WHERE x.code IN (SELECT code FROM vs WHERE value_set_id = 'tally-frailty-diagnosis') AND e.es <= DATE '2025-12-31' AND coalesce(e.ee, e.es) >= DATE '2025-01-01')
  GROUP BY person_id HAVING count(DISTINCT d) >= 2),
-- advanced_illness_encounters / has_advanced_illness (2024-2025): an inpatient one, or two dates.
ai_enc AS (
  SELECT DISTINCT e.id, e.person_id, e.setting, e.es FROM enc e JOIN enc_dx x USING (id)
  WHERE x.code IN (SELECT code FROM vs WHERE value_set_id = 'tally-advanced-illness') AND e.es <= DATE '2025-12-31' AND coalesce(e.ee, e.es) >= DATE '2024-01-01'),
advanced AS (SELECT person_id FROM ai_enc GROUP BY person_id HAVING bool_or(setting = 'inpatient') OR count(DISTINCT es) >= 2),
-- age_66_or_older_in_isnp_or_long_term_institution (the enrollment part).
isnp AS (SELECT person_id FROM enrollment WHERE (institutional OR long_term_institutional) AND s <= DATE '2025-12-31' AND e >= DATE '2025-01-01')
SELECT person_id FROM member m WHERE
  person_id IN (SELECT person_id FROM hospice) OR person_id IN (SELECT person_id FROM palliative)
  -- died_in_measurement_year.
  OR death_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
  -- age_66_or_older_with_frailty_and_advanced_illness.
  OR (age >= 66 AND person_id IN (SELECT person_id FROM frailty) AND person_id IN (SELECT person_id FROM advanced))
  OR (age >= 66 AND person_id IN (SELECT person_id FROM isnp));

-- @section bcs
-- ------------------------------------------------------------------------------------------
-- BCS (Measures/hedis/BCS.measure)

CREATE TEMP TABLE result_bcs AS
WITH
-- population initial = denominator: 52-74, female, continuously enrolled.
denom AS (SELECT * FROM member WHERE age BETWEEN 52 AND 74 AND sex = 'female' AND person_id IN (SELECT person_id FROM ce_dec31)),
-- BCS bilateral_mastectomy / left_mastectomy / right_mastectomy (through 2025-12-31).
mast AS (
  SELECT person_id, code FROM proc WHERE ps <= DATE '2025-12-31'
  UNION ALL SELECT person_id, code FROM cond WHERE onset <= DATE '2025-12-31'),
mast_vs AS (SELECT DISTINCT m.person_id, v.value_set_id FROM mast m JOIN vs v ON m.code = v.code
            WHERE v.value_set_id IN ('tally-bilateral-mastectomy', 'tally-left-mastectomy', 'tally-right-mastectomy')),
mastectomy AS (SELECT person_id FROM mast_vs GROUP BY person_id
               HAVING bool_or(value_set_id = 'tally-bilateral-mastectomy')
                   OR (bool_or(value_set_id = 'tally-left-mastectomy') AND bool_or(value_set_id = 'tally-right-mastectomy'))),
-- population denominator_exclusion = common_required_exclusions or mastectomy.
excl AS (
  SELECT person_id FROM denom WHERE
    person_id IN (SELECT person_id FROM hedis_excluded) OR person_id IN (SELECT person_id FROM mastectomy)),
-- BCS mammogram_dates in the screening window 2023-10-01 .. 2025-12-31: procedures, and
-- observations with status final/amended/corrected.
mammo AS (
  SELECT person_id FROM proc WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-mammography') AND ps BETWEEN DATE '2023-10-01' AND DATE '2025-12-31'
  UNION SELECT person_id FROM obs
        WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-mammography')
          AND status IN ('final', 'amended', 'corrected')
          AND eff::DATE BETWEEN DATE '2023-10-01' AND DATE '2025-12-31')
SELECT (SELECT count(*) FROM denom) AS initial,
       (SELECT count(*) FROM denom) AS denominator,
       (SELECT count(*) FROM excl) AS denominator_exclusion,
       (SELECT count(*) FROM denom WHERE person_id NOT IN (SELECT person_id FROM excl) AND person_id IN (SELECT person_id FROM mammo)) AS numerator,
       0 AS denominator_exception, 0 AS numerator_exclusion;

-- @section gsd
-- ------------------------------------------------------------------------------------------
-- GSD (Measures/hedis/GSD.measure), the > 9.0% indicator (inverse: the numerator is poor
-- control, a result above 9.0%, no result or no test).

CREATE TEMP TABLE result_gsd AS
WITH
-- diabetes_encounters: encounters with a diabetes diagnosis overlapping 2024-2025.
dm_enc AS (
  SELECT DISTINCT e.id, e.person_id, e.setting, e.es FROM enc e JOIN enc_dx x USING (id)
  WHERE x.code IN (SELECT code FROM vs WHERE value_set_id = 'tally-diabetes')
    AND e.es <= DATE '2025-12-31' AND coalesce(e.ee, e.es) >= DATE '2024-01-01'),
-- has_diabetes: one inpatient encounter, or two distinct service dates.
diabetes AS (SELECT person_id FROM dm_enc GROUP BY person_id HAVING bool_or(setting = 'inpatient') OR count(DISTINCT es) >= 2),
-- population initial = denominator: 18-75, diabetes, continuously enrolled.
denom AS (SELECT * FROM member WHERE age BETWEEN 18 AND 75 AND person_id IN (SELECT person_id FROM diabetes)
          AND person_id IN (SELECT person_id FROM ce_dec31)),
-- population denominator_exclusion = common_required_exclusions.
excl AS (SELECT person_id FROM denom WHERE person_id IN (SELECT person_id FROM hedis_excluded)),
-- lab_tests (HbA1c/GMI, final/amended/corrected, dated in 2025) and cpt_ii_tests (CPT II result
-- codes starting in 2025, valued by cpt_ii_value).
tests AS (
  SELECT person_id, eff::DATE AS d, value FROM obs
  WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-hba1c-lab')
    AND status IN ('final', 'amended', 'corrected') AND eff::DATE BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
  UNION ALL
  SELECT person_id, ps, CASE code WHEN '3044F' THEN 6.9 WHEN '3051F' THEN 7.5 WHEN '3052F' THEN 8.5 WHEN '3046F' THEN 9.1 END
  FROM proc WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-hba1c-cpt2')
    AND ps BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'),
-- most_recent_test_date, and lowest_result_on_most_recent_date (null when no test that day has a result).
latest AS (SELECT person_id, max(d) AS d FROM tests GROUP BY person_id),
lowest AS (SELECT t.person_id, min(t.value) AS v FROM tests t JOIN latest l ON t.person_id = l.person_id AND t.d = l.d GROUP BY t.person_id),
-- numerator: no test, no result on the most recent date, or the lowest result above 9.0.
num AS (
  SELECT d.person_id FROM denom d LEFT JOIN lowest l USING (person_id)
  WHERE d.person_id NOT IN (SELECT person_id FROM excl) AND (l.person_id IS NULL OR l.v IS NULL OR l.v > 9.0))
SELECT (SELECT count(*) FROM denom) AS initial,
       (SELECT count(*) FROM denom) AS denominator,
       (SELECT count(*) FROM excl) AS denominator_exclusion,
       (SELECT count(*) FROM num) AS numerator,
       0 AS denominator_exception, 0 AS numerator_exclusion;

-- @section months
-- ------------------------------------------------------------------------------------------
-- lib/enrollment enrolled_months (the episode basis of TCOC and EDVisits): the calendar months of
-- 2025 that some span overlaps, one episode per member month.
CREATE TEMP TABLE member_month AS
SELECT DISTINCT e.person_id, m.ms FROM enrollment e
JOIN (SELECT unnest(generate_series(DATE '2025-01-01', DATE '2025-12-01', INTERVAL 1 MONTH))::DATE AS ms) m
  ON e.s <= m.ms + INTERVAL 1 MONTH - INTERVAL 1 DAY AND e.e >= m.ms
WHERE e.person_id IN (SELECT person_id FROM member);

-- @section tcoc
-- ------------------------------------------------------------------------------------------
-- TCOC (Measures/cost/TotalCostOfCare.measure)

CREATE TEMP TABLE result_tcoc AS
WITH
-- medical_paid_in / medical_allowed_in: claims whose claim_start is in the month (paid_of: null = 0).
med AS (SELECT person_id, date_trunc('month', cs)::DATE AS ms, sum(coalesce(paid, 0)) AS paid, sum(coalesce(allowed, 0)) AS allowed
        FROM claim WHERE cs BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL),
-- pharmacy_paid_in / pharmacy_allowed_in: fills dispensed in the month.
rx AS (SELECT person_id, date_trunc('month', dispensing_date::DATE)::DATE AS ms,
              sum(coalesce(paid_amount::DECIMAL(18,4), 0)) AS paid, sum(coalesce(allowed_amount::DECIMAL(18,4), 0)) AS allowed
       FROM read_csv('{panel}/pharmacy_claim.csv', header=true, all_varchar=true)
       WHERE dispensing_date::DATE BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL),
-- observations paid_pmpm / allowed_pmpm per member month (their mean is the PMPM).
per_month AS (
  SELECT mm.person_id, mm.ms,
         coalesce(med.paid, 0) + coalesce(rx.paid, 0) AS paid, coalesce(med.allowed, 0) + coalesce(rx.allowed, 0) AS allowed
  FROM member_month mm LEFT JOIN med USING (person_id, ms) LEFT JOIN rx USING (person_id, ms))
SELECT count(*) AS initial, count(*) AS measure_population,
       sum(paid)::DECIMAL(38,4) AS paid_sum, sum(allowed)::DECIMAL(38,4) AS allowed_sum FROM per_month;

-- @section stays
-- ------------------------------------------------------------------------------------------
-- lib/claims acute_inpatient_stays: institutional, setting_of = inpatient, no inpatient-rehab
-- revenue line; admission_date (else the claim start) and discharge_date (else the claim end).
CREATE TEMP TABLE stays AS
SELECT claim_id AS id, person_id, coalesce(admission, cs) AS adm, coalesce(discharge, ce) AS dis, disposition
FROM claim
WHERE claim_type = 'institutional' AND NOT rehab AND setting_of = 'inpatient';

-- @section ed
-- ------------------------------------------------------------------------------------------
-- EDVisits (Measures/utilization/EDVisits.measure, lib/claims)

CREATE TEMP TABLE result_ed AS
WITH
-- is_ed_claim: setting_of emergency, or an ED revenue / ED visit code on a claim whose
-- setting_of is not inpatient.
ed_claims AS (SELECT claim_id, person_id, cs FROM claim WHERE setting_of = 'emergency' OR (setting_of <> 'inpatient' AND ed_line)),
-- ed_visits: one per member per claim_start day (the claim with the smallest id), left out when
-- an acute stay is admitted 0-1 days after that day (ends_in_admission).
visits AS (
  SELECT person_id, cs, min(claim_id) AS id FROM ed_claims GROUP BY person_id, cs),
counted AS (
  SELECT v.* FROM visits v
  WHERE NOT EXISTS (SELECT 1 FROM stays s WHERE s.person_id = v.person_id AND s.adm - v.cs BETWEEN 0 AND 1)),
-- ed_visits_in(month) over the member months: visits whose claim_start is in an enrolled month.
in_months AS (
  SELECT c.* FROM counted c JOIN member_month mm ON mm.person_id = c.person_id AND mm.ms = date_trunc('month', c.cs)::DATE
  WHERE c.cs BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'),
-- is_avoidable_ed_visit: an ED claim of the same day whose first-listed diagnosis is on the list.
avoidable_days AS (
  SELECT DISTINCT e.person_id, e.cs FROM ed_claims e JOIN claim_first_dx f USING (claim_id)
  WHERE f.code IN (SELECT code FROM vs WHERE value_set_id = 'tally-avoidable-ed'))
SELECT (SELECT count(*) FROM member_month) AS initial, (SELECT count(*) FROM member_month) AS measure_population,
       (SELECT count(*) FROM in_months) AS ed_visits,
       (SELECT count(*) FROM in_months i JOIN avoidable_days a USING (person_id, cs)) AS avoidable_ed_visits;

-- @section readmit
-- ------------------------------------------------------------------------------------------
-- Readmit30 (Measures/utilization/Readmissions.measure, lib/claims)

CREATE TEMP TABLE result_readmit AS
WITH
-- planned readmission (is_planned): first-listed diagnosis or any ICD-10-PCS code on the team's lists.
planned AS (
  SELECT claim_id AS id FROM claim_first_dx WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-planned-readmission-diagnosis')
  UNION SELECT claim_id FROM claim_px WHERE code IN (SELECT code FROM vs WHERE value_set_id = 'tally-planned-readmission-procedure')),
-- population initial: discharge in [2025-01-01, 2025-12-01], enrolled with no gap from the
-- discharge to 30 days after it (or to death when earlier): one merged island covers it.
idx AS (
  SELECT s.*, CASE WHEN m.death_date IS NOT NULL AND m.death_date < s.dis + 30 THEN m.death_date ELSE s.dis + 30 END AS fu_end
  FROM stays s JOIN member m USING (person_id)
  WHERE s.dis BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'),
initial AS (SELECT i.* FROM idx i WHERE EXISTS (SELECT 1 FROM island x WHERE x.person_id = i.person_id AND x.s <= i.dis AND x.e >= i.fu_end)),
-- denominator_exclusion: died in hospital (20), transferred (02, 05, or another acute stay
-- admitted 0-1 days after the discharge).
excl AS (
  SELECT i.id FROM initial i WHERE TRY_CAST(i.disposition AS INTEGER) IN (20, 2, 5)
     OR EXISTS (SELECT 1 FROM stays o WHERE o.person_id = i.person_id AND o.id <> i.id AND o.adm - i.dis BETWEEN 0 AND 1)),
-- numerator: an unplanned acute stay admitted 1-30 days after the discharge.
num AS (
  SELECT i.id FROM initial i WHERE i.id NOT IN (SELECT id FROM excl)
    AND EXISTS (SELECT 1 FROM stays o WHERE o.person_id = i.person_id AND o.id <> i.id AND o.adm - i.dis BETWEEN 1 AND 30
                AND o.id NOT IN (SELECT id FROM planned)))
SELECT (SELECT count(*) FROM initial) AS initial, (SELECT count(*) FROM initial) AS denominator,
       (SELECT count(*) FROM excl) AS denominator_exclusion, (SELECT count(*) FROM num) AS numerator,
       0 AS denominator_exception, 0 AS numerator_exclusion;
