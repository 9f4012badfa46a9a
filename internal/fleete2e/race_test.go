//go:build race

package fleete2e

// raceEnabled: the race detector multiplies a process's memory, so
// memory bounds are not checked under it.
const raceEnabled = true
