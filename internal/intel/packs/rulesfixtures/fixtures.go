// Package rulesfixtures generates the files the packs' YARA rules are
// tested on: imitations of each public trait (never real malware; no
// payload is real, and the "encrypted" data is random bytes) and decoys
// that must not match. Each fixture names the rules it must match.
package rulesfixtures

import "math/rand/v2"

// Fixture is one generated file and the rules that must match it (none
// for a decoy).
type Fixture struct {
	Name  string
	Data  []byte
	Match []string
}

// Rule names, as the rule files spell them.
const (
	D3D     = "CASCADE_3CX_D3DCompiler_Payload_After_Signature"
	RC4Key  = "CASCADE_3CX_FFmpeg_RC4_Key"
	TTCert  = "CASCADE_XTRADER_TT_Signing_Certificate"
	PoolRAT = "CASCADE_XTRADER_POOLRAT_Boundary_String"
	XZTest  = "CASCADE_XZ_Test_File_Stage1_Carrier"
	XZM4    = "CASCADE_XZ_BuildToHost_M4_Stage0"
	XZHook  = "CASCADE_XZ_GetCPUID_IFUNC_Hook"
)

// All returns every fixture, trait imitations and decoys.
func All() []Fixture {
	var out []Fixture
	out = append(out, d3d()...)
	out = append(out, rc4Key()...)
	out = append(out, ttCert()...)
	out = append(out, poolRAT()...)
	out = append(out, xz()...)
	return out
}

// noise is deterministic filler standing in for code and encrypted data.
func noise(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x3c))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
		// Keep the filler free of the bytes the rules look for.
		if b[i] == 0xFE || b[i] == '#' || b[i] == '_' {
			b[i] = 0x90
		}
	}
	return b
}
