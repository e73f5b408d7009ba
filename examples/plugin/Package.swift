// swift-tools-version:6.0
// A `tally` built outside the core: Tally's standard plugins plus this package's own plugin,
// which adds a function, a loader and a reporter. Depends on Tally by path.
import PackageDescription

let package = Package(
    name: "MyTally",
    dependencies: [
        .package(name: "Tally", path: "../.."),
    ],
    targets: [
        // The plugin depends on Tally's plugin API only.
        .target(
            name: "JSONLinesPlugin",
            dependencies: [.product(name: "TallyEngine", package: "Tally"), .product(name: "TallyLanguage", package: "Tally")],
            path: "Sources/JSONLinesPlugin"
        ),
        // The executable: Tally's command line with the standard plugins and this one.
        .executableTarget(
            name: "my-tally",
            dependencies: [
                "JSONLinesPlugin",
                .product(name: "TallyCLI", package: "Tally"),
                .product(name: "TallyStandardPlugins", package: "Tally"),
            ],
            path: "Sources/MyTally"
        ),
    ],
    swiftLanguageModes: [.v5]
)
