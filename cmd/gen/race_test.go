//go:build race

package main

// raceEnabled: this test binary was built with -race, so the copy's tests are too.
const raceEnabled = true
