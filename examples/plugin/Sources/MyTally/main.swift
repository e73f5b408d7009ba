import JSONLinesPlugin
import TallyCLI
import TallyStandardPlugins

// Tally's own plugins, plus ours: that is all it takes to build a custom `tally`.
TallyCommandLine.main(plugins: TallyStandardPlugins.all + [JSONLinesPlugin()])
