// swift-tools-version:6.0
import PackageDescription

// Release builds leave out the run-time exclusivity checks (debug builds and the tests keep them).
let release: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "TallyLanguage", targets: ["TallyLanguage"]),
        .library(name: "TallyEngine", targets: ["TallyEngine"]),
        .library(name: "TallyCLI", targets: ["TallyCLI"]),
        .library(name: "TallyStandardPlugins", targets: ["TallyStandardPlugins"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // libedit through pkg-config; see Sources/CEditLine/module.modulemap.
        .systemLibrary(
            name: "CEditLine",
            path: "Sources/CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // The measure language: lexer, parser, checker, compiler. Knows nothing of FHIR or claims.
        .target(name: "TallyLanguage", path: "Sources/TallyLanguage", swiftSettings: release, linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        // The engine and the plugin API: canonical record schema, value sets, registry.
        .target(name: "TallyEngine", dependencies: ["TallyLanguage"], path: "Sources/TallyEngine", swiftSettings: release),
        // Plugins depend on the plugin API only.
        .target(name: "ValueSetsPlugin", dependencies: ["TallyEngine"], path: "Plugins/ValueSets", swiftSettings: release),
        .target(name: "ReportsPlugin", dependencies: ["TallyEngine"], path: "Plugins/Reports", swiftSettings: release),
        .target(name: "FHIRPlugin", dependencies: ["TallyEngine"], path: "Plugins/FHIR", swiftSettings: release),
        .target(name: "ClaimsCSVPlugin", dependencies: ["TallyEngine"], path: "Plugins/ClaimsCSV", swiftSettings: release),
        .target(name: "SynthPlugin", dependencies: ["TallyEngine"], path: "Plugins/Synth", swiftSettings: release),
        .target(name: "TestCasesPlugin", dependencies: ["TallyEngine", .product(name: "Yams", package: "Yams")], path: "Plugins/TestCases"),
        .target(name: "PanelCachePlugin", dependencies: ["TallyEngine"], path: "Plugins/PanelCache", swiftSettings: release),
        // The command line as a library: `Tally.main(plugins:)`.
        .target(
            name: "TallyCLI",
            dependencies: [
                "TallyEngine", "TallyLanguage", "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/TallyCLI"
        ),
        // Tally's standard plugins, listed once for the executable and for custom builds.
        .target(
            name: "TallyStandardPlugins",
            dependencies: ["TallyEngine", "ValueSetsPlugin", "ReportsPlugin", "FHIRPlugin", "ClaimsCSVPlugin", "SynthPlugin", "TestCasesPlugin", "PanelCachePlugin"],
            path: "Sources/TallyStandardPlugins"
        ),
        .executableTarget(
            name: "tally",
            dependencies: ["TallyCLI", "TallyStandardPlugins"],
            path: "Sources/tally"
        ),
        .executableTarget(
            name: "tally-bench",
            dependencies: ["TallyLanguage", "TallyEngine"],
            path: "Benchmarks/TallyBench"
        ),
        // What several test targets share: a seeded random generator, a temporary-folder test case,
        // golden-file assertions, expected-error checks and a process runner.
        .target(name: "TallyTestSupport", path: "Tests/TallyTestSupport"),
        .testTarget(name: "TallyLanguageTests", dependencies: ["TallyLanguage", "TallyTestSupport"], path: "Tests/TallyLanguageTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TallyEngineTests", dependencies: ["TallyEngine", "ValueSetsPlugin", "TallyTestSupport"], path: "Tests/TallyEngineTests"),
        .testTarget(name: "TallyCLITests", dependencies: ["TallyCLI", "tally", "TallyTestSupport"], path: "Tests/TallyCLITests", exclude: ["Golden"]),
        .testTarget(name: "FHIRPluginTests", dependencies: ["FHIRPlugin", "TallyEngine", "TallyTestSupport"], path: "Tests/FHIRPluginTests"),
        .testTarget(name: "ClaimsCSVPluginTests", dependencies: ["ClaimsCSVPlugin", "TallyEngine", "ValueSetsPlugin", "TallyTestSupport"], path: "Tests/ClaimsCSVPluginTests"),
        .testTarget(name: "SynthPluginTests", dependencies: ["SynthPlugin", "TallyEngine"], path: "Tests/SynthPluginTests"),
        .testTarget(name: "TestCasesPluginTests", dependencies: ["TestCasesPlugin", "TallyEngine", "TallyTestSupport"], path: "Tests/TestCasesPluginTests"),
        .testTarget(name: "PanelCacheTests", dependencies: ["PanelCachePlugin", "ClaimsCSVPlugin", "TallyEngine", "TallyTestSupport"], path: "Tests/PanelCacheTests"),
        .testTarget(name: "ReportsPluginTests", dependencies: ["ReportsPlugin", "TallyEngine", "TallyTestSupport"], path: "Tests/ReportsPluginTests",
                    exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5]
)
