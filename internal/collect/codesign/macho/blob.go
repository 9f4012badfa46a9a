package macho

import (
	"encoding/binary"
	"fmt"
)

// Blob magics and superblob slots.
const (
	magicEmbedded       = 0xfade0cc0
	magicCodeDirectory  = 0xfade0c02
	magicWrapper        = 0xfade0b01
	slotCodeDirectory   = 0
	slotRequirements    = 2
	slotEntitlements    = 5
	slotEntitlementsDER = 7
	slotAlternateFirst  = 0x1000
	slotAlternateLast   = 0x1004
	slotSignature       = 0x10000
	maxBlobs            = 64
)

// superBlob maps slot types to their blob bytes (header included).
type superBlob map[uint32][]byte

// parseSuperBlob reads the embedded-signature superblob b.
func parseSuperBlob(b []byte) (superBlob, error) {
	be := binary.BigEndian
	if len(b) < 12 || be.Uint32(b) != magicEmbedded {
		return nil, fmt.Errorf("code signature does not start with an embedded-signature superblob")
	}
	length, count := int64(be.Uint32(b[4:])), be.Uint32(b[8:])
	if length > int64(len(b)) || length < 12 {
		return nil, fmt.Errorf("superblob length %d outside the %d-byte signature", length, len(b))
	}
	if count > maxBlobs || 12+8*int64(count) > length {
		return nil, fmt.Errorf("superblob declares %d blobs", count)
	}
	sb := superBlob{}
	for i := uint32(0); i < count; i++ {
		typ, off := be.Uint32(b[12+8*i:]), int64(be.Uint32(b[16+8*i:]))
		if off+8 > length {
			return nil, fmt.Errorf("blob %d (slot %#x) at %d outside the superblob", i, typ, off)
		}
		n := int64(be.Uint32(b[off+4:]))
		if n < 8 || off+n > length {
			return nil, fmt.Errorf("blob %d (slot %#x): length %d invalid", i, typ, n)
		}
		if _, dup := sb[typ]; dup {
			return nil, fmt.Errorf("slot %#x appears twice", typ)
		}
		sb[typ] = b[off : off+n]
	}
	return sb, nil
}
