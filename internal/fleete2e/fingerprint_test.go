package fleete2e

import (
	"crypto/sha256"
	"encoding/hex"
)

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
