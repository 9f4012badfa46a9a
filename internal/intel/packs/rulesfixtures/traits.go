package rulesfixtures

import (
	"encoding/binary"
	"strings"
)

var feedface = []byte{0xFE, 0xED, 0xFA, 0xCE}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// d3d imitates the 3CX d3dcompiler_47.dll: a signed PE whose certificate
// table holds, after the PKCS#7 blob, the marker and "encrypted" bytes.
func d3d() []Fixture {
	payload := noise(7, 600)
	signed := func(pe32 bool, inTable, text, overlay []byte) []byte {
		return peSpec{pe32: pe32, signed: true, blobBody: blob(1, 900), inTable: inTable, text: text, overlay: overlay}.build()
	}
	return []Fixture{
		{"3cx/d3dcompiler_47.dll", signed(false, cat(feedface, payload), nil, nil), []string{D3D}},
		{"3cx/d3dcompiler_47-pe32.dll", signed(true, cat(feedface, payload), nil, nil), []string{D3D}},
		{"3cx/d3d-after-padding.dll", signed(false, cat(make([]byte, 8), feedface, payload), nil, nil), []string{D3D}},
		// Decoys.
		{"decoy/signed-normal.dll", signed(false, nil, nil, nil), nil},
		{"decoy/signed-marker-in-text.dll", signed(false, nil, cat(noise(2, 64), feedface, noise(3, 64)), nil), nil},
		{"decoy/signed-marker-inside-blob.dll", peSpec{signed: true, blobBody: blob(4, 900, feedface)}.build(), nil},
		{"decoy/signed-marker-after-table.dll", signed(false, nil, nil, cat(feedface, payload)), nil},
		{"decoy/marker-no-payload.dll", signed(false, feedface, nil, nil), nil},
		{"decoy/unsigned-marker-at-end.dll", peSpec{overlay: cat(feedface, payload)}.build(), nil},
		{"decoy/not-pe-marker.bin", cat([]byte("MZ"), noise(5, 100), feedface, payload), nil},
	}
}

// rc4Key imitates the 3CX ffmpeg.dll's static RC4 key in a PE.
func rc4Key() []Fixture {
	pe := func(s string) []byte {
		return peSpec{text: cat(noise(8, 100), []byte(s+"\x00"), noise(9, 100))}.build()
	}
	return []Fixture{
		{"3cx/ffmpeg.dll", pe("3jB(2bsG#@c7"), []string{RC4Key}},
		{"decoy/ffmpeg-one-byte-off.dll", pe("3jB(2bsG#@c8"), nil},
		{"decoy/ffmpeg-case.dll", pe("3JB(2bsG#@c7"), nil},
		{"decoy/key-in-text.txt", []byte("the published RC4 key is 3jB(2bsG#@c7\n"), nil},
	}
}

// ttCert imitates an X_TRADER installer signed with the abused TT
// certificate: serial, subject and issuer inside the certificate table.
func ttCert() []Fixture {
	serial := []byte{0x02, 0x09, 0x00, 0x85, 0x38, 0xA6, 0xC5, 0x01, 0x8F, 0x50, 0xFC}
	subject := []byte("\x0c\x22Trading Technologies International, Inc")
	issuer := []byte("\x0c\x2aGo Daddy Secure Certificate Authority - G2")
	signedWith := func(parts ...[]byte) []byte {
		return peSpec{signed: true, blobBody: blob(10, 700, parts...)}.build()
	}
	badSerial := append([]byte{}, serial...)
	badSerial[len(badSerial)-1] = 0xFD
	return []Fixture{
		{"xtrader/X_TRADER_r7.17.90p608.exe", signedWith(issuer, serial, subject), []string{TTCert}},
		{"decoy/tt-other-serial.exe", signedWith(issuer, badSerial, subject), nil},
		{"decoy/tt-strings-outside-table.exe", peSpec{text: cat(serial, subject, issuer), signed: true, blobBody: blob(11, 300)}.build(), nil},
		{"decoy/tt-other-subject.exe", signedWith(issuer, serial, []byte("Trading Technologies Internationa1")), nil},
	}
}

// poolRAT puts the boundary string in an ELF, a wide one in a PE, and
// decoys beside them.
func poolRAT() []Fixture {
	s := "--N9dLfqxHNUUw8qaUPqggVTpX-"
	wide := func(s string) []byte {
		b := make([]byte, 0, 2*len(s))
		for _, c := range []byte(s) {
			b = append(b, c, 0)
		}
		return b
	}
	return []Fixture{
		{"xtrader/poolrat.elf", elf(cat(noise(12, 200), []byte(s), noise(13, 50))), []string{PoolRAT}},
		{"xtrader/poolrat-wide.exe", peSpec{text: cat(noise(14, 40), wide(s))}.build(), []string{PoolRAT}},
		{"xtrader/poolrat.macho", cat([]byte{0xCF, 0xFA, 0xED, 0xFE}, noise(15, 60), []byte(s)), []string{PoolRAT}},
		{"decoy/poolrat-in-text.txt", []byte("boundary " + s + "\n"), nil},
		{"decoy/poolrat-one-byte-off.elf", elf([]byte(strings.Replace(s, "qxH", "qXH", 1))), nil},
	}
}

// elf is a minimal little-endian ELF64 header followed by body.
func elf(body []byte) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 1) // ET_REL
	binary.LittleEndian.PutUint16(h[18:], 0x3E)
	return cat(h, body)
}

// xz imitates the xz 5.6.x backdoor's carriers: the test file with its
// cover marker stored raw, the stage-0 m4 lines, the hook symbol.
func xz() []Fixture {
	xzFile := func(at int, marker string) []byte {
		b := cat([]byte{0xFD, '7', 'z', 'X', 'Z', 0x00, 0x00, 0x04, 0xE6, 0xD6, 0xB4, 0x46}, noise(20, 512))
		copy(b[at:], marker+"\n")
		return b[:512]
	}
	m4 := func(lines ...string) []byte {
		return []byte("# build-to-host.m4 serial 3\n" + strings.Join(lines, "\n") + "\n")
	}
	grep := "    gl_am_configmake=`grep -aErls \"#{4}[[:alnum:]]{5}#{4}$\" $srcdir/ 2>/dev/null`"
	pathMap := "    gl_path_map='tr \"\\t \\-_\" \" \\t_\\-\"'"
	strtab := func(names ...string) []byte {
		return elf(cat(noise(21, 300), []byte("\x00"+strings.Join(names, "\x00")+"\x00")))
	}
	return []Fixture{
		{"xz/tests/files/bad-3-corrupt_lzma2.xz", xzFile(24, "####Hello####"), []string{XZTest}},
		{"xz/m4/build-to-host.m4", m4(grep, pathMap), []string{XZM4}},
		{"xz/liblzma_la-crc64-fast.o", strtab("lzma_crc64", "_get_cpuid", "crc64_resolve"), []string{XZHook}},
		{"decoy/good.xz", xzFile(24, "\x01\x02\x03"), nil},
		{"decoy/hellp.xz", xzFile(24, "####Hellp####"), nil},
		{"decoy/hello-late.xz", xzFile(200, "####Hello####"), nil},
		{"decoy/hello.txt", []byte("xx\n####Hello####\n####World####\n"), nil},
		{"decoy/build-to-host-grep-only.m4", m4("    gl_am_configmake=`grep -aErls \"#{4}[[:alnum:]]{5}#{4}$\" $srcdir/`"), nil},
		{"decoy/liblzma-clean.o", strtab("lzma_crc64", "__get_cpuid", "crc64_resolve"), nil},
		{"decoy/get-cpuid-not-elf.txt", []byte("lzma_crc64 x_get_cpuid\x00"), nil},
	}
}
