//go:build !race

package sigbase

const raceEnabled = false
