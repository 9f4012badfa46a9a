package stix

import (
	"fmt"

	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

const maxPattern = 1 << 20

// checkPattern parses a STIX pattern with the full 2.1 grammar; the error
// names the position and the expected token.
func checkPattern(p string) error {
	if len(p) > maxPattern {
		return fmt.Errorf("pattern of %d bytes is over the %d limit", len(p), maxPattern)
	}
	_, err := stixpattern.Parse(p)
	return err
}
