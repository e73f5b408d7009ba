// Tally's micro-benchmarks for the language core. Run in release:
//   swift run -c release tally-bench [--measures DIR] [--valuesets DIR]
// Prints figures; it asserts nothing about time (machines are noisy).
import Foundation
import TallyEngine
import TallyLanguage

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

var measuresDir = "Measures"
var tallyBinary = ".build/release/tally"
var valueSetDirs: [String] = []
var args = Array(CommandLine.arguments.dropFirst())
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--measures": measuresDir = args.removeFirst()
    case "--valuesets": valueSetDirs.append(args.removeFirst())
    case "--tally": tallyBinary = args.removeFirst()
    default: FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8)); exit(2)
    }
}

// 1. Checking the whole measure library, in process, steady state.
let (files, _) = MeasureWorkspace.measureFiles([measuresDir])
let sources = files.compactMap(MeasureWorkspace.readSource)
let valueSetsJSON = valueSetDirs.flatMap { filesUnder($0) }.filter { $0.hasSuffix(".json") }
print("tally-bench: \(sources.count) measure files, \(sources.reduce(0) { $0 + $1.bytes.count }) bytes")

func checkAll(_ ws: MeasureWorkspace) -> Int {
    var errors = 0
    for s in sources {
        // Re-read nothing: sources are in memory, libraries are read through the workspace.
        errors += ws.compile(s).diagnostics.filter { $0.severity == .error }.count
    }
    return errors
}

let workspace = MeasureWorkspace(functions: FunctionTable())
var checkTimes: [Double] = []
var errorCount = 0
for i in 0..<25 {
    let t0 = now()
    errorCount = checkAll(workspace)
    let ms = Double(now() - t0) / 1e6
    if i >= 5 { checkTimes.append(ms) }
}
print(String(format: "check Measures/ (in process, steady state): median %.2f ms, min %.2f ms over %d runs (%d errors)",
             median(checkTimes), checkTimes.min() ?? 0, checkTimes.count, errorCount))
_ = valueSetsJSON

// 1b. The same through the `tally check` process, as a user runs it (process start included).
if FileManager.default.isExecutableFile(atPath: tallyBinary) {
    func runCheck() -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tallyBinary)
        p.arguments = ["check", measuresDir] + valueSetDirs.flatMap { ["--valuesets", $0] }
        p.standardOutput = FileHandle.nullDevice
        let t0 = now()
        try? p.run()
        p.waitUntilExit()
        return Double(now() - t0) / 1e6
    }
    _ = runCheck()
    let walls = (0..<15).map { _ in runCheck() }
    print(String(format: "tally check %@%@ (process wall): median %.1f ms, min %.1f ms over %d runs", measuresDir,
                 valueSetDirs.isEmpty ? "" : " --valuesets ...", median(walls), walls.min() ?? 0, walls.count))
} else {
    print("tally check (process wall): skipped, \(tallyBinary) not built (swift build -c release --product tally)")
}

// 2. A compiled `where` with two predicates over a 30-record list.
let schema = CanonicalSchema.schema
let text = """
library bench
parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
define filtered = encounters as e where e.status = "finished" and e.period during day of period
define kept = count(filtered)
"""
let result = Compilation.compile(CompilationInput(file: SourceFile(path: "bench.measure", text: text), schema: schema))
guard let program = result.program else {
    print(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
    exit(1)
}
let encounterKind = schema.index(of: "Encounter")!
let encounterFields = schema.kind("Encounter")!.fields
func encounter(_ i: Int) -> Value {
    var fields = [Value](repeating: .null, count: encounterFields.count)
    fields[schema.kind("Encounter")!.slot(of: "status")!] = .string(i % 3 == 0 ? "cancelled" : "finished")
    let start = Temporal(year: 2024 + i % 2, month: 1 + i % 12, day: 1 + i % 28, hour: 9)
    fields[schema.kind("Encounter")!.slot(of: "period")!] = .interval(IntervalValue(low: .temporal(start), high: .temporal(start.adding(1, .hour))))
    return .record(Record.make(kind: encounterKind, fields: fields))
}
let root = schema.root
var memberFields = [Value](repeating: .null, count: root.fields.count)
memberFields[root.slot(of: "encounters")!] = .list((0..<30).map(encounter))
let member = Record.make(kind: schema.index(of: "Member")!, fields: memberFields)
let define = program.defineIndex("filtered")!
var sink = 0
let iterations = 200_000
var samples: [Double] = []
for _ in 0..<5 {
    let t0 = now()
    for _ in 0..<iterations {
        let ctx = program.evaluation(member: member)
        if case .list(let xs) = ctx.value(ofDefine: define) { sink &+= xs.count }
    }
    samples.append(Double(now() - t0) / Double(iterations))
}
print(String(format: "where with two predicates over 30 records: median %.0f ns per evaluation (%.1f ns per record), kept %d of 30",
             median(samples), median(samples) / 30, sink / (iterations * 5)))
