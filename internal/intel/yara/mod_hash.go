package yara

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
)

// hashModule is yara's hash module over the scanned data or a string.
func hashModule() *module {
	m := &module{funcs: map[string][]moduleFunc{}}
	over := func(name string, ret typ, f func(b []byte) value) {
		m.funcs[name] = []moduleFunc{
			{"ii", ret, func(e *evalCtx, _ mobj, a []value) value {
				b, ok := dataRange(e.in.Data, a[0].i, a[1].i)
				if !ok {
					return undef
				}
				return f(b)
			}},
			{"s", ret, func(_ *evalCtx, _ mobj, a []value) value { return f([]byte(a[0].s)) }},
		}
	}
	over("md5", tStr, func(b []byte) value { h := md5.Sum(b); return vStr(hex.EncodeToString(h[:])) })
	over("sha1", tStr, func(b []byte) value { h := sha1.Sum(b); return vStr(hex.EncodeToString(h[:])) })
	over("sha256", tStr, func(b []byte) value { h := sha256.Sum256(b); return vStr(hex.EncodeToString(h[:])) })
	over("crc32", tInt, func(b []byte) value { return vInt(int64(crc32.ChecksumIEEE(b))) })
	over("checksum32", tInt, func(b []byte) value {
		var s uint32
		for _, c := range b {
			s += uint32(c)
		}
		return vInt(int64(s))
	})
	return m
}
