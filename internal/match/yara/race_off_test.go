//go:build !race

package yara

const raceEnabled = false
