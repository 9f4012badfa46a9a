package stix

import (
	"errors"
	"fmt"
)

// checkPattern rejects a STIX pattern that cannot be well formed: empty,
// or with unbalanced brackets or quotes. The full grammar is checked by
// the pattern evaluator's parser.
func checkPattern(p string) error {
	if len(p) > maxPattern {
		return fmt.Errorf("pattern of %d bytes is over the %d limit", len(p), maxPattern)
	}
	depth, sawBracket := 0, false
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\'':
			j, err := skipString(p, i)
			if err != nil {
				return err
			}
			i = j
		case '[':
			depth++
			sawBracket = true
		case ']':
			if depth--; depth < 0 {
				return fmt.Errorf("unbalanced ']' at offset %d", i)
			}
		}
	}
	switch {
	case !sawBracket:
		return errors.New("no observation expression ([...])")
	case depth != 0:
		return errors.New("unbalanced '['")
	}
	return nil
}

const maxPattern = 1 << 20

func skipString(p string, i int) (int, error) {
	for j := i + 1; j < len(p); j++ {
		switch p[j] {
		case '\\':
			j++
		case '\'':
			return j, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at offset %d", i)
}
