import TallyCLI
import TallyStandardPlugins

// The plugins this `tally` is built with are listed in one place: TallyStandardPlugins.
TallyCommandLine.main(plugins: TallyStandardPlugins.all)
