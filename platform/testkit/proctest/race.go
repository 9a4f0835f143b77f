//go:build race

package proctest

// raceEnabled reports whether this test binary was built with -race; Build then builds
// the project's binaries with -race too.
const raceEnabled = true
