//go:build race

package yara

// raceEnabled shortens the property test under the race detector (CI
// runs every package with -race).
const raceEnabled = true
