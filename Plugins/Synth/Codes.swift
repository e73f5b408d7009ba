/// The codes the generator writes. Where a measure looks for a concept, the code is taken from
/// that measure's value set (/work/shared/ecqm/valuesets, named in the comments), so the
/// generated data hits it. Other codes (DRGs, NDCs, most RxNorm codes, revenue codes) are
/// representative of what real files carry; docs/synth.md lists them.

enum System {
    static let icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
    static let icd10pcs = "http://www.cms.gov/Medicare/Coding/ICD10"
    static let cpt = "http://www.ama-assn.org/go/cpt"
    static let hcpcs = "http://www.nlm.nih.gov/research/umls/hcpcs"
    static let loinc = "http://loinc.org"
    static let snomed = "http://snomed.info/sct"
    static let rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    static let ucum = "http://unitsofmeasure.org"
    static let sopt = "https://nahdo.org/sopt"
    static let ombRace = "urn:oid:2.16.840.1.113883.6.238"
    static let obsCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
    static let conditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category"
    static let conditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    static let conditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    static let actCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    static let dischargeDisposition = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
    static let dataAbsent = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
    static let coverageClass = "http://terminology.hl7.org/CodeSystem/coverage-class"
    static let subscriberRelationship = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
}

// MARK: - Diagnoses (ICD-10-CM)

/// Diagnoses, with the value set that each measure-relevant one comes from.
enum DX: UInt8 {
    // Diabetes (Diabetes 2.16.840.1.113883.3.464.1003.103.12.1001)
    case t2dm, t2dmHyperglycemia, t2dmCKD, t1dm
    // Essential Hypertension (…104.12.1011)
    case hypertension
    case hyperlipidemia, obesity
    // CKD; stage 5 (…526.3.1002), ESRD (…526.3.353), kidney transplant recipient (…109.12.1029)
    case ckd3, ckd4, ckd5, esrd, dialysisStatus, kidneyTransplantStatus
    // COPD; emphysema and heart failure are Advanced Illness (…110.12.1082)
    case copd, copdExacerbation, emphysema
    case chf, chfSystolic, chfDiastolic
    case cad, afib
    case depression, depressionRecurrent
    case asthma, asthmaExacerbation
    // Advanced Illness (…110.12.1082)
    case alzheimers, dementia
    // Preventive and screening encounters
    case adultExam, childExam, screeningMammogram, screeningColon
    // Acute
    case uri, uti, lowBackPain, headache, pharyngitis, chestPain, abdominalPain, ankleSprain
    case hipFracture, fall, pneumonia, sepsis, nstemi, stroke, kneeOA, giBleed
    // Pregnancy (…526.3.378)
    case delivery, singleLiveBirth, pregnancySupervision
    // Malignant Neoplasm of Colon (…108.12.1001)
    case colonCancer
    case breastCancer, breastCancerHistory
    // History of bilateral mastectomy (…198.12.1068), status post right (…1070) / left (…1069)
    case bilateralMastectomyStatus, rightMastectomyStatus, leftMastectomyStatus
    // Unilateral Mastectomy, Unspecified Laterality (…198.12.1071), with a body site
    case unspecifiedMastectomyStatus
    // Frailty Diagnosis (…113.12.1074)
    case reducedMobility, muscleWeakness, oxygenDependence, bedConfinement
    // Frailty Symptom (…113.12.1075), written as an Observation in FHIR
    case debility
    // Palliative Care Diagnosis (…1167)
    case palliative
    case rheumatoid, psoriasis, crohns, lungCancer
    case cataract, actinicKeratosis, inguinalHernia, gallstones, carpalTunnel, gerd, meniscusTear

    var code: String {
        switch self {
        case .t2dm: return "E11.9"
        case .t2dmHyperglycemia: return "E11.65"
        case .t2dmCKD: return "E11.22"
        case .t1dm: return "E10.9"
        case .hypertension: return "I10"
        case .hyperlipidemia: return "E78.5"
        case .obesity: return "E66.9"
        case .ckd3: return "N18.30"
        case .ckd4: return "N18.4"
        case .ckd5: return "N18.5"
        case .esrd: return "N18.6"
        case .dialysisStatus: return "Z99.2"
        case .kidneyTransplantStatus: return "Z94.0"
        case .copd: return "J44.9"
        case .copdExacerbation: return "J44.1"
        case .emphysema: return "J43.9"
        case .chf: return "I50.9"
        case .chfSystolic: return "I50.22"
        case .chfDiastolic: return "I50.32"
        case .cad: return "I25.10"
        case .afib: return "I48.91"
        case .depression: return "F32.9"
        case .depressionRecurrent: return "F33.1"
        case .asthma: return "J45.909"
        case .asthmaExacerbation: return "J45.901"
        case .alzheimers: return "G30.9"
        case .dementia: return "F03.90"
        case .adultExam: return "Z00.00"
        case .childExam: return "Z00.129"
        case .screeningMammogram: return "Z12.31"
        case .screeningColon: return "Z12.11"
        case .uri: return "J06.9"
        case .uti: return "N39.0"
        case .lowBackPain: return "M54.50"
        case .headache: return "R51.9"
        case .pharyngitis: return "J02.9"
        case .chestPain: return "R07.9"
        case .abdominalPain: return "R10.9"
        case .ankleSprain: return "S93.401A"
        case .hipFracture: return "S72.001A"
        case .fall: return "W19.XXXA"
        case .pneumonia: return "J18.9"
        case .sepsis: return "A41.9"
        case .nstemi: return "I21.4"
        case .stroke: return "I63.9"
        case .kneeOA: return "M17.11"
        case .giBleed: return "K92.2"
        case .delivery: return "O80"
        case .singleLiveBirth: return "Z37.0"
        case .pregnancySupervision: return "Z34.90"
        case .colonCancer: return "C18.9"
        case .breastCancer: return "C50.911"
        case .breastCancerHistory: return "Z85.3"
        case .bilateralMastectomyStatus: return "Z90.13"
        case .rightMastectomyStatus: return "Z90.11"
        case .leftMastectomyStatus: return "Z90.12"
        case .unspecifiedMastectomyStatus: return "Z90.10"
        case .reducedMobility: return "Z74.09"
        case .muscleWeakness: return "M62.81"
        case .oxygenDependence: return "Z99.81"
        case .bedConfinement: return "Z74.01"
        case .debility: return "R54"
        case .palliative: return "Z51.5"
        case .rheumatoid: return "M06.9"
        case .psoriasis: return "L40.0"
        case .crohns: return "K50.90"
        case .lungCancer: return "C34.90"
        case .cataract: return "H26.9"
        case .actinicKeratosis: return "L57.0"
        case .inguinalHernia: return "K40.90"
        case .gallstones: return "K80.20"
        case .carpalTunnel: return "G56.01"
        case .gerd: return "K21.9"
        case .meniscusTear: return "S83.241A"
        }
    }

    var display: String {
        switch self {
        case .t2dm: return "Type 2 diabetes mellitus without complications"
        case .t2dmHyperglycemia: return "Type 2 diabetes mellitus with hyperglycemia"
        case .t2dmCKD: return "Type 2 diabetes mellitus with diabetic chronic kidney disease"
        case .t1dm: return "Type 1 diabetes mellitus without complications"
        case .hypertension: return "Essential (primary) hypertension"
        case .hyperlipidemia: return "Hyperlipidemia, unspecified"
        case .obesity: return "Obesity, unspecified"
        case .ckd3: return "Chronic kidney disease, stage 3 unspecified"
        case .ckd4: return "Chronic kidney disease, stage 4 (severe)"
        case .ckd5: return "Chronic kidney disease, stage 5"
        case .esrd: return "End stage renal disease"
        case .dialysisStatus: return "Dependence on renal dialysis"
        case .kidneyTransplantStatus: return "Kidney transplant status"
        case .copd: return "Chronic obstructive pulmonary disease, unspecified"
        case .copdExacerbation: return "Chronic obstructive pulmonary disease with (acute) exacerbation"
        case .emphysema: return "Emphysema, unspecified"
        case .chf: return "Heart failure, unspecified"
        case .chfSystolic: return "Chronic systolic (congestive) heart failure"
        case .chfDiastolic: return "Chronic diastolic (congestive) heart failure"
        case .cad: return "Atherosclerotic heart disease of native coronary artery without angina pectoris"
        case .afib: return "Unspecified atrial fibrillation"
        case .depression: return "Major depressive disorder, single episode, unspecified"
        case .depressionRecurrent: return "Major depressive disorder, recurrent, moderate"
        case .asthma: return "Unspecified asthma, uncomplicated"
        case .asthmaExacerbation: return "Unspecified asthma with (acute) exacerbation"
        case .alzheimers: return "Alzheimer's disease, unspecified"
        case .dementia: return "Unspecified dementia, unspecified severity, without behavioral disturbance, psychotic disturbance, mood disturbance, and anxiety"
        case .adultExam: return "Encounter for general adult medical examination without abnormal findings"
        case .childExam: return "Encounter for routine child health examination without abnormal findings"
        case .screeningMammogram: return "Encounter for screening mammogram for malignant neoplasm of breast"
        case .screeningColon: return "Encounter for screening for malignant neoplasm of colon"
        case .uri: return "Acute upper respiratory infection, unspecified"
        case .uti: return "Urinary tract infection, site not specified"
        case .lowBackPain: return "Low back pain, unspecified"
        case .headache: return "Headache, unspecified"
        case .pharyngitis: return "Acute pharyngitis, unspecified"
        case .chestPain: return "Chest pain, unspecified"
        case .abdominalPain: return "Unspecified abdominal pain"
        case .ankleSprain: return "Sprain of unspecified ligament of right ankle, initial encounter"
        case .hipFracture: return "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"
        case .fall: return "Unspecified fall, initial encounter"
        case .pneumonia: return "Pneumonia, unspecified organism"
        case .sepsis: return "Sepsis, unspecified organism"
        case .nstemi: return "Non-ST elevation (NSTEMI) myocardial infarction"
        case .stroke: return "Cerebral infarction, unspecified"
        case .kneeOA: return "Unilateral primary osteoarthritis, right knee"
        case .giBleed: return "Gastrointestinal hemorrhage, unspecified"
        case .delivery: return "Encounter for full-term uncomplicated delivery"
        case .singleLiveBirth: return "Single live birth"
        case .pregnancySupervision: return "Encounter for supervision of normal pregnancy, unspecified, unspecified trimester"
        case .colonCancer: return "Malignant neoplasm of colon, unspecified"
        case .breastCancer: return "Malignant neoplasm of unspecified site of right female breast"
        case .breastCancerHistory: return "Personal history of malignant neoplasm of breast"
        case .bilateralMastectomyStatus: return "Acquired absence of bilateral breasts and nipples"
        case .rightMastectomyStatus: return "Acquired absence of right breast and nipple"
        case .leftMastectomyStatus: return "Acquired absence of left breast and nipple"
        case .unspecifiedMastectomyStatus: return "Acquired absence of unspecified breast and nipple"
        case .reducedMobility: return "Other reduced mobility"
        case .muscleWeakness: return "Muscle weakness (generalized)"
        case .oxygenDependence: return "Dependence on supplemental oxygen"
        case .bedConfinement: return "Bed confinement status"
        case .debility: return "Age-related physical debility"
        case .palliative: return "Encounter for palliative care"
        case .rheumatoid: return "Rheumatoid arthritis, unspecified"
        case .psoriasis: return "Psoriasis vulgaris"
        case .crohns: return "Crohn's disease, unspecified, without complications"
        case .lungCancer: return "Malignant neoplasm of unspecified part of unspecified bronchus or lung"
        case .cataract: return "Unspecified cataract"
        case .actinicKeratosis: return "Actinic keratosis"
        case .inguinalHernia: return "Unilateral inguinal hernia, without obstruction or gangrene, not specified as recurrent"
        case .gallstones: return "Calculus of gallbladder without cholecystitis without obstruction"
        case .carpalTunnel: return "Carpal tunnel syndrome, right upper limb"
        case .gerd: return "Gastro-esophageal reflux disease without esophagitis"
        case .meniscusTear: return "Other tear of medial meniscus, current injury, right knee, initial encounter"
        }
    }
}

// MARK: - Services (CPT / HCPCS)

/// Billable services with their commercial allowed price in cents (professional, and facility
/// where a facility bills the same code).
enum Svc: UInt8 {
    // Office Visit (…101.12.1001)
    case newLow, newModerate, estStraightforward, estLow, estModerate, estHigh
    // Preventive Care Services, Initial / Established Office Visit, 18 and Up (…1023 / …1025)
    case prevInitial18, prevInitial40, prevInitial65, prevEst18, prevEst40, prevEst65
    case prevChild1, prevChild5, prevChild12
    // Annual Wellness Visit (…526.3.1240)
    case awvInitial, awvSubsequent
    // Telephone Visits (…1080), Virtual Encounter (…1089)
    case telephone, virtualCheckIn
    // Home Healthcare Services (…1016)
    case homeVisit
    // Emergency department (…101.12.1010)
    case ed3, ed4, ed5
    case hospitalInitial, hospitalSubsequent, hospitalDischarge
    // Labs; FOBT / FIT is billed as 82274, sDNA-FIT (Cologuard) as 81528
    case hba1c, lipidPanel, cmp, cbc, venipuncture, creatinine, fit, sdna
    // Imaging
    case mammogram, chestXray, ctAbdomen, mriKnee, echo, ecg, ctColonography
    // Colonoscopy (…108.12.1020), Flexible Sigmoidoscopy (…198.12.1010)
    case colonoscopy, colonoscopyBiopsy, colonoscopySnare, colonoscopyHighRisk, sigmoidoscopy
    case psychotherapy, therapeuticExercise
    // ESRD Monthly Outpatient Services (…109.12.1014), Dialysis Services (…109.12.1013)
    case esrdMonthly, dialysisUnlisted, hemodialysis
    // Hospice Encounter (…1003.1003)
    case hospiceRoutineHome, hospiceNursingFacility, hospiceFacility
    // Frailty Encounter (…101.12.1088): skilled nursing visit in the home
    case homeHealthNurse
    case chemoAdmin, pembrolizumab
    case walker, wheelchair, oxygenConcentrator
    case kneeArthroscopy, cataractSurgery, upperEndoscopy, herniaRepair, cholecystectomy, carpalTunnelRelease, mriBrain, skinDestruction
    case snfDay, inpatientRoom, inpatientPharmacy, inpatientLab, operatingRoom, edFacility

    var code: String {
        switch self {
        case .newLow: return "99203"
        case .newModerate: return "99204"
        case .estStraightforward: return "99212"
        case .estLow: return "99213"
        case .estModerate: return "99214"
        case .estHigh: return "99215"
        case .prevInitial18: return "99385"
        case .prevInitial40: return "99386"
        case .prevInitial65: return "99387"
        case .prevEst18: return "99395"
        case .prevEst40: return "99396"
        case .prevEst65: return "99397"
        case .prevChild1: return "99392"
        case .prevChild5: return "99393"
        case .prevChild12: return "99394"
        case .awvInitial: return "G0438"
        case .awvSubsequent: return "G0439"
        case .telephone: return "98967"
        case .virtualCheckIn: return "G2012"
        case .homeVisit: return "99349"
        case .ed3: return "99283"
        case .ed4: return "99284"
        case .ed5: return "99285"
        case .hospitalInitial: return "99223"
        case .hospitalSubsequent: return "99232"
        case .hospitalDischarge: return "99239"
        case .hba1c: return "83036"
        case .lipidPanel: return "80061"
        case .cmp: return "80053"
        case .cbc: return "85025"
        case .venipuncture: return "36415"
        case .creatinine: return "82565"
        case .fit: return "82274"
        case .sdna: return "81528"
        case .mammogram: return "77067"
        case .chestXray: return "71046"
        case .ctAbdomen: return "74177"
        case .mriKnee: return "73721"
        case .echo: return "93306"
        case .ecg: return "93000"
        case .ctColonography: return "74263"
        case .colonoscopy: return "45378"
        case .colonoscopyBiopsy: return "45380"
        case .colonoscopySnare: return "45385"
        case .colonoscopyHighRisk: return "G0105"
        case .sigmoidoscopy: return "45330"
        case .psychotherapy: return "90834"
        case .therapeuticExercise: return "97110"
        case .esrdMonthly: return "90960"
        case .dialysisUnlisted: return "90999"
        case .hemodialysis: return "90935"
        case .hospiceRoutineHome: return "T2042"
        case .hospiceNursingFacility: return "Q5003"
        case .hospiceFacility: return "Q5010"
        case .homeHealthNurse: return "G0299"
        case .chemoAdmin: return "96413"
        case .pembrolizumab: return "J9271"
        case .walker: return "E0143"
        case .wheelchair: return "K0001"
        case .oxygenConcentrator: return "E1390"
        case .kneeArthroscopy: return "29881"
        case .cataractSurgery: return "66984"
        case .upperEndoscopy: return "43239"
        case .herniaRepair: return "49505"
        case .cholecystectomy: return "47562"
        case .carpalTunnelRelease: return "64721"
        case .mriBrain: return "70551"
        case .skinDestruction: return "17000"
        case .snfDay, .inpatientRoom, .inpatientPharmacy, .inpatientLab, .operatingRoom: return ""
        case .edFacility: return "99284"
        }
    }

    var isHCPCS: Bool { code.first.map { $0 >= "A" && $0 <= "Z" } ?? false }
    var system: String { isHCPCS ? System.hcpcs : System.cpt }

    var display: String {
        switch self {
        case .newLow: return "Office or other outpatient visit, new patient, low medical decision making"
        case .newModerate: return "Office or other outpatient visit, new patient, moderate medical decision making"
        case .estStraightforward: return "Office or other outpatient visit, established patient, straightforward medical decision making"
        case .estLow: return "Office or other outpatient visit, established patient, low medical decision making"
        case .estModerate: return "Office or other outpatient visit, established patient, moderate medical decision making"
        case .estHigh: return "Office or other outpatient visit, established patient, high medical decision making"
        case .prevInitial18: return "Initial comprehensive preventive medicine evaluation, new patient; 18-39 years"
        case .prevInitial40: return "Initial comprehensive preventive medicine evaluation, new patient; 40-64 years"
        case .prevInitial65: return "Initial comprehensive preventive medicine evaluation, new patient; 65 years and older"
        case .prevEst18: return "Periodic comprehensive preventive medicine reevaluation, established patient; 18-39 years"
        case .prevEst40: return "Periodic comprehensive preventive medicine reevaluation, established patient; 40-64 years"
        case .prevEst65: return "Periodic comprehensive preventive medicine reevaluation, established patient; 65 years and older"
        case .prevChild1: return "Periodic comprehensive preventive medicine reevaluation, established patient; early childhood (age 1 through 4 years)"
        case .prevChild5: return "Periodic comprehensive preventive medicine reevaluation, established patient; late childhood (age 5 through 11 years)"
        case .prevChild12: return "Periodic comprehensive preventive medicine reevaluation, established patient; adolescent (age 12 through 17 years)"
        case .awvInitial: return "Annual wellness visit; includes a personalized prevention plan of service (PPS), initial visit"
        case .awvSubsequent: return "Annual wellness visit, includes a personalized prevention plan of service (PPS), subsequent visit"
        case .telephone: return "Telephone assessment and management service, 11-20 minutes of medical discussion"
        case .virtualCheckIn: return "Brief communication technology-based service, e.g. virtual check-in, 5-10 minutes"
        case .homeVisit: return "Home or residence visit, established patient, moderate medical decision making"
        case .ed3: return "Emergency department visit, moderate medical decision making"
        case .ed4: return "Emergency department visit, moderate to high medical decision making"
        case .ed5: return "Emergency department visit, high medical decision making"
        case .hospitalInitial: return "Initial hospital inpatient or observation care, high medical decision making"
        case .hospitalSubsequent: return "Subsequent hospital inpatient or observation care, moderate medical decision making"
        case .hospitalDischarge: return "Hospital inpatient or observation discharge day management; more than 30 minutes"
        case .hba1c: return "Hemoglobin; glycosylated (A1C)"
        case .lipidPanel: return "Lipid panel"
        case .cmp: return "Comprehensive metabolic panel"
        case .cbc: return "Blood count; complete (CBC), automated, with automated differential WBC count"
        case .venipuncture: return "Collection of venous blood by venipuncture"
        case .creatinine: return "Creatinine; blood"
        case .fit: return "Blood, occult, by fecal hemoglobin determination by immunoassay, qualitative, feces, 1-3 simultaneous determinations"
        case .sdna: return "Oncology (colorectal) screening, quantitative real-time target and signal amplification of 10 DNA markers, with fecal hemoglobin"
        case .mammogram: return "Screening mammography, bilateral (2-view study of each breast), including computer-aided detection"
        case .chestXray: return "Radiologic examination, chest; 2 views"
        case .ctAbdomen: return "Computed tomography, abdomen and pelvis; with contrast material(s)"
        case .mriKnee: return "Magnetic resonance imaging, any joint of lower extremity; without contrast material"
        case .echo: return "Echocardiography, transthoracic, complete, with spectral and color flow Doppler"
        case .ecg: return "Electrocardiogram, routine ECG with at least 12 leads; with interpretation and report"
        case .ctColonography: return "Computed tomographic (CT) colonography, screening, including image postprocessing"
        case .colonoscopy: return "Colonoscopy, flexible; diagnostic, including collection of specimen(s) by brushing or washing, when performed"
        case .colonoscopyBiopsy: return "Colonoscopy, flexible; with biopsy, single or multiple"
        case .colonoscopySnare: return "Colonoscopy, flexible; with removal of tumor(s), polyp(s), or other lesion(s) by snare technique"
        case .colonoscopyHighRisk: return "Colorectal cancer screening; colonoscopy on individual at high risk"
        case .sigmoidoscopy: return "Sigmoidoscopy, flexible; diagnostic, including collection of specimen(s) by brushing or washing, when performed"
        case .psychotherapy: return "Psychotherapy, 45 minutes with patient"
        case .therapeuticExercise: return "Therapeutic procedure, 1 or more areas, each 15 minutes; therapeutic exercises"
        case .esrdMonthly: return "End-stage renal disease (ESRD) related services monthly, for patients 20 years of age and older; with 4 or more face-to-face visits"
        case .dialysisUnlisted: return "Unlisted dialysis procedure, inpatient or outpatient"
        case .hemodialysis: return "Hemodialysis procedure with single evaluation by a physician or other qualified health care professional"
        case .hospiceRoutineHome: return "Hospice routine home care; per diem"
        case .hospiceNursingFacility: return "Hospice care provided in nursing long term care facility (LTC) or non-skilled nursing facility (NF)"
        case .hospiceFacility: return "Hospice home care provided in a hospice facility"
        case .homeHealthNurse: return "Direct skilled nursing services of a registered nurse (RN) in the home health or hospice setting, each 15 minutes"
        case .chemoAdmin: return "Chemotherapy administration, intravenous infusion technique; up to 1 hour, single or initial substance/drug"
        case .pembrolizumab: return "Injection, pembrolizumab, 1 mg"
        case .walker: return "Walker, folding, wheeled, adjustable or fixed height"
        case .wheelchair: return "Standard wheelchair, fixed full length arms, fixed or swing away detachable footrests"
        case .oxygenConcentrator: return "Oxygen concentrator, single delivery port, capable of delivering 85 percent or greater oxygen concentration"
        case .kneeArthroscopy: return "Arthroscopy, knee, surgical; with meniscectomy (medial OR lateral, including any meniscal shaving)"
        case .cataractSurgery: return "Extracapsular cataract removal with insertion of intraocular lens prosthesis (1 stage procedure)"
        case .upperEndoscopy: return "Esophagogastroduodenoscopy, flexible, transoral; with biopsy, single or multiple"
        case .herniaRepair: return "Repair initial inguinal hernia, age 5 years or older; reducible"
        case .cholecystectomy: return "Laparoscopy, surgical; cholecystectomy"
        case .carpalTunnelRelease: return "Neuroplasty and/or transposition; median nerve at carpal tunnel"
        case .mriBrain: return "Magnetic resonance imaging, brain (including brain stem); without contrast material"
        case .skinDestruction: return "Destruction (eg, laser surgery, electrosurgery, cryosurgery), premalignant lesions; first lesion"
        case .snfDay: return "Skilled nursing facility room and board"
        case .inpatientRoom: return "Room and board, semi-private"
        case .inpatientPharmacy: return "Pharmacy"
        case .inpatientLab: return "Laboratory"
        case .operatingRoom: return "Operating room services"
        case .edFacility: return "Emergency room"
        }
    }

    /// Commercial allowed amount in cents for one unit, billed by a professional.
    var professionalPrice: Int {
        switch self {
        case .newLow: return 14_000
        case .newModerate: return 21_000
        case .estStraightforward: return 7_500
        case .estLow: return 11_000
        case .estModerate: return 16_000
        case .estHigh: return 22_000
        case .prevInitial18, .prevInitial40, .prevInitial65: return 21_500
        case .prevEst18, .prevEst40, .prevEst65: return 19_000
        case .prevChild1, .prevChild5, .prevChild12: return 16_000
        case .awvInitial: return 17_000
        case .awvSubsequent: return 13_000
        case .telephone: return 4_000
        case .virtualCheckIn: return 2_000
        case .homeVisit: return 18_000
        case .ed3: return 14_000
        case .ed4: return 23_000
        case .ed5: return 33_000
        case .hospitalInitial: return 32_000
        case .hospitalSubsequent: return 11_000
        case .hospitalDischarge: return 16_000
        case .hba1c: return 2_200
        case .lipidPanel: return 2_800
        case .cmp: return 2_000
        case .cbc: return 1_500
        case .venipuncture: return 500
        case .creatinine: return 1_000
        case .fit: return 2_200
        case .sdna: return 51_000
        case .mammogram: return 23_000
        case .chestXray: return 6_000
        case .ctAbdomen: return 55_000
        case .mriKnee: return 80_000
        case .echo: return 45_000
        case .ecg: return 3_000
        case .ctColonography: return 50_000
        case .colonoscopy: return 60_000
        case .colonoscopyBiopsy: return 70_000
        case .colonoscopySnare: return 75_000
        case .colonoscopyHighRisk: return 60_000
        case .sigmoidoscopy: return 25_000
        case .psychotherapy: return 12_000
        case .therapeuticExercise: return 4_500
        case .esrdMonthly: return 32_000
        case .dialysisUnlisted, .hemodialysis: return 30_000
        case .hospiceRoutineHome, .hospiceNursingFacility, .hospiceFacility: return 20_000
        case .homeHealthNurse: return 15_000
        case .chemoAdmin: return 30_000
        case .pembrolizumab: return 5_500
        case .walker: return 11_000
        case .wheelchair: return 45_000
        case .oxygenConcentrator: return 20_000
        case .kneeArthroscopy: return 110_000
        case .cataractSurgery: return 80_000
        case .upperEndoscopy: return 45_000
        case .herniaRepair: return 100_000
        case .cholecystectomy: return 130_000
        case .carpalTunnelRelease: return 70_000
        case .mriBrain: return 90_000
        case .skinDestruction: return 9_000
        case .snfDay: return 55_000
        case .inpatientRoom: return 0
        case .inpatientPharmacy, .inpatientLab, .operatingRoom: return 0
        case .edFacility: return 150_000
        }
    }
}

// MARK: - Observations (LOINC)

enum LOINC {
    static let systolic = ("8480-6", "Systolic blood pressure")
    static let diastolic = ("8462-4", "Diastolic blood pressure")
    static let bpPanel = ("85354-9", "Blood pressure panel with all children optional")
    // HbA1c Laboratory Test (…198.12.1013)
    static let hba1c = ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")
    static let ldl = ("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation")
    static let creatinine = ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
    // Fecal Occult Blood Test (FOBT) (…198.12.1011)
    static let fit = ("29771-3", "Hemoglobin.gastrointestinal.lower [Presence] in Stool by Immunoassay")
    // sDNA FIT Test (…108.12.1039)
    static let sdna = ("77353-1", "Noninvasive colorectal cancer DNA and occult blood screening [Interpretation] in Stool Narrative")
    // Mammography (…108.12.1018)
    static let mammogram = ("24606-6", "MG Breast Screening")
    // CT Colonography (…108.12.1038)
    static let ctColonography = ("79069-1", "CT Colon and Rectum for screening WO contrast IV and W air contrast PR")
    // Housing status, with SNOMED 160734000 Lives in nursing home (frailty library)
    static let housingStatus = ("71802-3", "Housing status")
    static let livesInNursingHome = ("160734000", "Lives in nursing home (finding)")
    static let medicalEquipment = ("98181-1", "Medical equipment used")
}

// MARK: - Procedures recorded clinically

enum ProcKind: UInt8 {
    case colonoscopy, sigmoidoscopy, totalColectomy, bilateralMastectomy, leftMastectomy, rightMastectomy
    case hemodialysis, kneeReplacement, delivery, palliativeCare

    /// (code type in Tuva terms, code, FHIR system, display)
    var code: (type: String, code: String, system: String, display: String) {
        switch self {
        // Colonoscopy (…108.12.1020)
        case .colonoscopy: return ("hcpcs", "45378", System.cpt, "Colonoscopy, flexible; diagnostic")
        // Flexible Sigmoidoscopy (…198.12.1010)
        case .sigmoidoscopy: return ("hcpcs", "45330", System.cpt, "Sigmoidoscopy, flexible; diagnostic")
        // Total Colectomy (…198.12.1019)
        case .totalColectomy: return ("hcpcs", "44150", System.cpt, "Colectomy, total, abdominal, without proctectomy; with ileostomy or ileoproctostomy")
        // Bilateral Mastectomy (…198.12.1005), Unilateral Mastectomy Left / Right (…1133 / …1134)
        case .bilateralMastectomy: return ("icd-10-pcs", "0HTV0ZZ", System.icd10pcs, "Resection of Bilateral Breast, Open Approach")
        case .leftMastectomy: return ("icd-10-pcs", "0HTU0ZZ", System.icd10pcs, "Resection of Left Breast, Open Approach")
        case .rightMastectomy: return ("icd-10-pcs", "0HTT0ZZ", System.icd10pcs, "Resection of Right Breast, Open Approach")
        // Dialysis Services (…109.12.1013)
        case .hemodialysis: return ("hcpcs", "90935", System.cpt, "Hemodialysis procedure with single evaluation by a physician or other qualified health care professional")
        case .kneeReplacement: return ("icd-10-pcs", "0SRC0JZ", System.icd10pcs, "Replacement of Right Knee Joint with Synthetic Substitute, Open Approach")
        case .delivery: return ("icd-10-pcs", "10E0XZZ", System.icd10pcs, "Delivery of Products of Conception, External Approach")
        // Palliative Care Intervention (…198.12.1135)
        case .palliativeCare: return ("snomed-ct", "103735009", System.snomed, "Palliative care (regime/therapy)")
        }
    }
}

// MARK: - Inpatient reasons and MS-DRGs

enum Admission: UInt8 {
    case heartFailure, heartFailureMCC, copd, pneumonia, sepsis, ami, stroke, hipFracture, kneeReplacement
    case uti, diabetes, giBleed, delivery

    var principal: DX {
        switch self {
        case .heartFailure, .heartFailureMCC: return .chf
        case .copd: return .copdExacerbation
        case .pneumonia: return .pneumonia
        case .sepsis: return .sepsis
        case .ami: return .nstemi
        case .stroke: return .stroke
        case .hipFracture: return .hipFracture
        case .kneeReplacement: return .kneeOA
        case .uti: return .uti
        case .diabetes: return .t2dmHyperglycemia
        case .giBleed: return .giBleed
        case .delivery: return .delivery
        }
    }

    var drg: (code: String, display: String) {
        switch self {
        case .heartFailureMCC: return ("291", "Heart Failure and Shock with MCC")
        case .heartFailure: return ("292", "Heart Failure and Shock with CC")
        case .copd: return ("191", "Chronic Obstructive Pulmonary Disease with CC")
        case .pneumonia: return ("194", "Simple Pneumonia and Pleurisy with CC")
        case .sepsis: return ("871", "Septicemia or Severe Sepsis without MV >96 Hours with MCC")
        case .ami: return ("281", "Acute Myocardial Infarction, Discharged Alive with CC")
        case .stroke: return ("065", "Intracranial Hemorrhage or Cerebral Infarction with CC or TPA in 24 Hrs")
        case .hipFracture: return ("481", "Hip and Femur Procedures Except Major Joint with CC")
        case .kneeReplacement: return ("470", "Major Hip and Knee Joint Replacement or Reattachment of Lower Extremity without MCC")
        case .uti: return ("690", "Kidney and Urinary Tract Infections without MCC")
        case .diabetes: return ("638", "Diabetes with CC")
        case .giBleed: return ("378", "G.I. Hemorrhage with CC")
        case .delivery: return ("807", "Vaginal Delivery without Sterilization/D&C without CC/MCC")
        }
    }

    /// Commercial allowed amount for the stay, in cents.
    var price: Int {
        switch self {
        case .heartFailureMCC: return 2_400_000
        case .heartFailure: return 1_600_000
        case .copd: return 1_500_000
        case .pneumonia: return 1_500_000
        case .sepsis: return 3_500_000
        case .ami: return 2_600_000
        case .stroke: return 1_900_000
        case .hipFracture: return 3_300_000
        case .kneeReplacement: return 3_000_000
        case .uti: return 1_000_000
        case .diabetes: return 1_200_000
        case .giBleed: return 1_400_000
        case .delivery: return 1_300_000
        }
    }

    /// Length of stay range in days.
    var stay: ClosedRange<Int> {
        switch self {
        case .heartFailureMCC: return 4...9
        case .heartFailure, .copd, .pneumonia, .stroke, .giBleed: return 2...6
        case .sepsis: return 4...12
        case .ami: return 2...5
        case .hipFracture: return 3...7
        case .kneeReplacement: return 1...3
        case .uti, .diabetes: return 2...4
        case .delivery: return 1...3
        }
    }

    var elective: Bool { self == .kneeReplacement }
    var surgical: Bool { self == .kneeReplacement || self == .hipFracture }

    var procedure: ProcKind? {
        switch self {
        case .kneeReplacement: return .kneeReplacement
        case .delivery: return .delivery
        default: return nil
        }
    }

    /// Chance that a discharge is followed by a readmission within 30 days.
    var readmissionRate: Double {
        switch self {
        case .heartFailure, .heartFailureMCC: return 0.22
        case .copd: return 0.20
        case .sepsis, .pneumonia: return 0.17
        case .ami, .stroke, .giBleed, .diabetes, .uti, .hipFracture: return 0.14
        case .kneeReplacement: return 0.05
        case .delivery: return 0.03
        }
    }
}

/// UB-04 discharge status codes with their FHIR discharge-disposition equivalents.
enum Disposition: UInt8 {
    case home, transfer, snf, homeHealth, leftAMA, expired, hospiceHome, hospiceFacility

    var ub04: String {
        switch self {
        case .home: return "01"
        case .transfer: return "02"
        case .snf: return "03"
        case .homeHealth: return "06"
        case .leftAMA: return "07"
        case .expired: return "20"
        case .hospiceHome: return "50"
        case .hospiceFacility: return "51"
        }
    }

    var display: String {
        switch self {
        case .home: return "Discharged to home or self care"
        case .transfer: return "Discharged/transferred to a short-term general hospital for inpatient care"
        case .snf: return "Discharged/transferred to a skilled nursing facility"
        case .homeHealth: return "Discharged/transferred to home under care of organized home health service"
        case .leftAMA: return "Left against medical advice"
        case .expired: return "Expired"
        case .hospiceHome: return "Hospice - home"
        case .hospiceFacility: return "Hospice - medical facility"
        }
    }

    /// The FHIR code (discharge-disposition), and for hospice the SNOMED code the eCQM hospice
    /// logic looks for.
    var fhir: (code: String, display: String, snomed: (String, String)?) {
        switch self {
        case .home: return ("home", "Home", nil)
        case .transfer: return ("other-hcf", "Other healthcare facility", nil)
        case .snf: return ("snf", "Skilled nursing facility", nil)
        case .homeHealth: return ("home", "Home", nil)
        case .leftAMA: return ("aadvice", "Left against advice", nil)
        case .expired: return ("exp", "Expired", nil)
        case .hospiceHome: return ("hosp", "Hospice", ("428361000124107", "Discharge to home for hospice care (procedure)"))
        case .hospiceFacility: return ("hosp", "Hospice", ("428371000124100", "Discharge to healthcare facility for hospice care (procedure)"))
        }
    }
}

// MARK: - Drugs

/// Outpatient drugs: RxNorm (for FHIR), NDC (for pharmacy claims), units per day and the
/// commercial allowed amount for 30 days in cents.
enum Drug: UInt8 {
    case metformin, insulinGlargine, empagliflozin, semaglutide
    case lisinopril, amlodipine, losartan, hydrochlorothiazide, atorvastatin
    case furosemide, carvedilol, sacubitrilValsartan, apixaban, tiotropium, albuterol, fluticasone
    case sertraline, escitalopram
    // Dementia Medications (…196.12.1510)
    case donepezil, memantine
    case amoxicillin, azithromycin, adalimumab

    var rxnorm: String {
        switch self {
        case .metformin: return "861007"
        case .insulinGlargine: return "847232"
        case .empagliflozin: return "1545658"
        case .semaglutide: return "1991306"
        case .lisinopril: return "314076"
        case .amlodipine: return "197361"
        case .losartan: return "979480"
        case .hydrochlorothiazide: return "310798"
        case .atorvastatin: return "617310"
        case .furosemide: return "313988"
        case .carvedilol: return "200032"
        case .sacubitrilValsartan: return "1656340"
        case .apixaban: return "1364445"
        case .tiotropium: return "485032"
        case .albuterol: return "745679"
        case .fluticasone: return "896188"
        case .sertraline: return "312941"
        case .escitalopram: return "349332"
        case .donepezil: return "997223"
        case .memantine: return "996561"
        case .amoxicillin: return "308191"
        case .azithromycin: return "308460"
        case .adalimumab: return "1605101"
        }
    }

    var ndc: String {
        switch self {
        case .metformin: return "00093104801"
        case .insulinGlargine: return "00088221905"
        case .empagliflozin: return "00597015230"
        case .semaglutide: return "00169413212"
        case .lisinopril: return "68180051301"
        case .amlodipine: return "00093716798"
        case .losartan: return "00093736598"
        case .hydrochlorothiazide: return "16729018201"
        case .atorvastatin: return "00378395105"
        case .furosemide: return "00054429831"
        case .carvedilol: return "68382009305"
        case .sacubitrilValsartan: return "00078065920"
        case .apixaban: return "00003089421"
        case .tiotropium: return "00597007541"
        case .albuterol: return "00173068220"
        case .fluticasone: return "00173071920"
        case .sertraline: return "16714061204"
        case .escitalopram: return "00093585101"
        case .donepezil: return "00093732056"
        case .memantine: return "00591387860"
        case .amoxicillin: return "65862001705"
        case .azithromycin: return "59762314001"
        case .adalimumab: return "00074055402"
        }
    }

    var display: String {
        switch self {
        case .metformin: return "metformin hydrochloride 500 MG Oral Tablet"
        case .insulinGlargine: return "insulin glargine 100 UNT/ML Pen Injector"
        case .empagliflozin: return "empagliflozin 10 MG Oral Tablet"
        case .semaglutide: return "semaglutide 1.34 MG/ML Pen Injector"
        case .lisinopril: return "lisinopril 10 MG Oral Tablet"
        case .amlodipine: return "amlodipine 5 MG Oral Tablet"
        case .losartan: return "losartan potassium 50 MG Oral Tablet"
        case .hydrochlorothiazide: return "hydrochlorothiazide 25 MG Oral Tablet"
        case .atorvastatin: return "atorvastatin 20 MG Oral Tablet"
        case .furosemide: return "furosemide 40 MG Oral Tablet"
        case .carvedilol: return "carvedilol 12.5 MG Oral Tablet"
        case .sacubitrilValsartan: return "sacubitril 49 MG / valsartan 51 MG Oral Tablet"
        case .apixaban: return "apixaban 5 MG Oral Tablet"
        case .tiotropium: return "tiotropium 0.018 MG Inhalation Powder"
        case .albuterol: return "albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"
        case .fluticasone: return "fluticasone propionate 0.11 MG/ACTUAT Metered Dose Inhaler"
        case .sertraline: return "sertraline 50 MG Oral Tablet"
        case .escitalopram: return "escitalopram 10 MG Oral Tablet"
        case .donepezil: return "donepezil hydrochloride 10 MG Oral Tablet"
        case .memantine: return "memantine hydrochloride 10 MG Oral Tablet"
        case .amoxicillin: return "amoxicillin 500 MG Oral Capsule"
        case .azithromycin: return "azithromycin 250 MG Oral Tablet"
        case .adalimumab: return "adalimumab 40 MG/0.4ML Auto-Injector"
        }
    }

    /// Dispensed units per day (tablets, or packages spread over the supply).
    var unitsPerDay: Int {
        switch self {
        case .metformin, .carvedilol, .sacubitrilValsartan, .apixaban, .memantine: return 2
        case .amoxicillin: return 3
        default: return 1
        }
    }

    /// Units for a 30-day supply of drugs dispensed as packages (pens, inhalers).
    var packageUnits: Int? {
        switch self {
        case .insulinGlargine: return 15   // mL (five 3 mL pens)
        case .semaglutide: return 3        // mL (one pen)
        case .albuterol, .fluticasone: return 1  // inhaler
        case .tiotropium: return 30        // capsules
        case .adalimumab: return 2         // pens
        default: return nil
        }
    }

    var costPer30Days: Int {
        switch self {
        case .metformin: return 800
        case .insulinGlargine: return 33_000
        case .empagliflozin: return 56_000
        case .semaglutide: return 95_000
        case .lisinopril, .amlodipine: return 600
        case .losartan: return 900
        case .hydrochlorothiazide: return 500
        case .atorvastatin: return 900
        case .furosemide: return 500
        case .carvedilol: return 800
        case .apixaban: return 56_000
        case .sacubitrilValsartan: return 65_000
        case .tiotropium: return 48_000
        case .albuterol: return 5_500
        case .fluticasone: return 12_000
        case .sertraline: return 700
        case .escitalopram: return 800
        case .donepezil: return 1_200
        case .memantine: return 1_500
        case .amoxicillin: return 1_200
        case .azithromycin: return 1_000
        case .adalimumab: return 690_000
        }
    }

    var isBrand: Bool { costPer30Days >= 10_000 }
    var isAcute: Bool { self == .amoxicillin || self == .azithromycin }
}
