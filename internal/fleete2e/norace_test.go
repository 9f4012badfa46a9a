//go:build !race

package fleete2e

const raceEnabled = false
