package peinfo

import (
	"encoding/binary"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// WIN_CERTIFICATE wCertificateType values.
const (
	certTypePKCS7 = 0x0002
	maxEntries    = 16
)

// certTable is what walking the certificate table found.
type certTable struct {
	sigs      []*authenticode.Parsed
	anomalies []snapshot.Anomaly
	errs      []error
}

// walkCertTable reads the WIN_CERTIFICATE entries of the certificate table
// b, found at file offset base, and reports padding and size anomalies.
func walkCertTable(b []byte, base int64, lim authenticode.Limits) certTable {
	var t certTable
	end, size := int64(len(b)), int64(len(b))
	pos := int64(0)
	for n := 0; pos+8 <= end; n++ {
		if n == maxEntries {
			t.errs = append(t.errs, fmt.Errorf("certificate table at %#x: more than %d entries", base, maxEntries))
			break
		}
		length := int64(binary.LittleEndian.Uint32(b[pos:]))
		typ := binary.LittleEndian.Uint16(b[pos+6:])
		if length < 8 || pos+length > end {
			break // leftover bytes that are no entry: reported below
		}
		if typ == certTypePKCS7 {
			t.entry(b[pos+8:pos+length], base+pos+8, lim)
		}
		pos += (length + 7) &^ 7
	}
	if pos < end {
		t.anomalies = append(t.anomalies, anomaly.At(anomaly.SecurityDirectorySize,
			fmt.Sprintf("the security directory declares %d bytes at %#x but its WIN_CERTIFICATE entries account for %d; "+
				"%d bytes inside the directory belong to no entry", size, base, pos, end-pos),
			base+pos, end-pos))
	}
	return t
}

// entry parses one PKCS#7 entry whose content starts at file offset at.
func (t *certTable) entry(content []byte, at int64, lim authenticode.Limits) {
	sigs, _, err := authenticode.Parse(content, snapshot.SigAuthenticode, lim)
	if err != nil {
		t.errs = append(t.errs, fmt.Errorf("WIN_CERTIFICATE at %#x: %w", at-8, err))
		return
	}
	t.sigs = append(t.sigs, sigs...)
	n, err := cms.ObjectLen(content)
	if err != nil {
		return // Parse decoded it, so this cannot happen for DER
	}
	rest := content[n:]
	if len(rest) > 7 || !cms.IsZero(rest) {
		t.anomalies = append(t.anomalies, paddingAnomaly(rest, at+int64(n)))
	}
}

func paddingAnomaly(rest []byte, at int64) snapshot.Anomaly {
	nonZero := 0
	for _, c := range rest {
		if c != 0 {
			nonZero++
		}
	}
	head := rest[:min(len(rest), 8)]
	return anomaly.At(anomaly.SignaturePadding,
		fmt.Sprintf("%d bytes (%d non-zero, starting % x) follow the PKCS#7 signature inside its WIN_CERTIFICATE at %#x; "+
			"a signer writes at most 7 zero bytes of alignment there, and verifiers ignore the rest "+
			"(the CVE-2013-3900 padding trick used to hide a payload in a validly signed file)",
			len(rest), nonZero, head, at),
		at, int64(len(rest)))
}
