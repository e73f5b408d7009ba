import ClaimsCSVPlugin
import FHIRPlugin
import ReportsPlugin
import SynthPlugin
import TallyCLI
import TestCasesPlugin
import ValueSetsPlugin

// The one place that lists the plugins this `tally` is built with.
TallyCommandLine.main(plugins: [ValueSetsPlugin(), ReportsPlugin(), FHIRPlugin(), ClaimsCSVPlugin(), SynthPlugin(), TestCasesPlugin()])
