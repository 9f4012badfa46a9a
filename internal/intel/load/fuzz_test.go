package load

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

// FuzzDetect feeds the detector and the loaders it picks arbitrary bytes:
// no panic, a known format, the fast and the token-by-token pass agree,
// and every error names the file; a syntax error's place lies within the
// input.
func FuzzDetect(f *testing.F) {
	for _, name := range []string{"testdata/realworld/warninglist-akamai.json", "testdata/realworld/pymisp-bare-event.json",
		"testdata/realworld/indicator-for-c2-ip-address.json", "../misp/testdata/3cx-event.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("x.json", data)
		f.Add("c2-iocs.txt", data[:len(data)/2])
	}
	for _, s := range []string{"", "{", "[", "[{", `{"list":[`, `{"type":"bundle"`, "\xef\xbb\xbf{}", `[{"Event":{}}]`,
		`{"response":{"Attribute":[]}}`, `{"schema":"cascade.intel/v1"}`, "# c2\n1.2.3.4\n", "[a-z]\\.exe;80\n"} {
		f.Add("c2-iocs.txt", []byte(s))
		f.Add("x.json", []byte(s))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if strings.ContainsAny(name, "/\\\x00") || name == "" || name == "." || name == ".." {
			return
		}
		format, err := detect(name, bytesOpener(data))
		switch format {
		case FormatNative, FormatSigbase, FormatSTIX, FormatMISP, FormatWarninglist, FormatUnknown, "":
		default:
			t.Fatalf("format %q", format)
		}
		var se *jsonSyntaxError
		if errors.As(err, &se) && (se.Offset < 0 || se.Offset > int64(len(data))) {
			t.Fatalf("syntax error at %d of %d bytes", se.Offset, len(data))
		}
		if Detect(name, data) != format && err == nil {
			t.Fatalf("Detect and detect disagree")
		}
		fast, ferr := detectPass(name, bytesOpener(data), true)
		slow, serr := detectPass(name, bytesOpener(data), false)
		if fast != slow || (ferr == nil) != (serr == nil) {
			t.Fatalf("fast pass %q, %v; token pass %q, %v", fast, ferr, slow, serr)
		}
		if _, err := Bytes(name, data); err != nil && !strings.Contains(err.Error(), name) {
			var le *intel.LoadError
			if !errors.As(err, &le) || le.File != name {
				t.Fatalf("error %q does not name the file", err)
			}
		}
	})
}
