package sigbase

import (
	"errors"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

// TestPublishedFilenameLines runs lines in the shapes found in published
// signature-base filename lists through the loader.
func TestPublishedFilenameLines(t *testing.T) {
	cases := []struct {
		line, hit string
		ok        bool
	}{
		{`[\s]{7,}\.(exe|com|dll|bat|scr|vbs);45`, `C:\x\invoice.pdf        .exe`, true},
		{`\\\.tmp$;45`, `C:\Temp\.tmp`, true},
		{`\\sv±hest\.exe;45`, `C:\x\sv±hest.exe`, true},
		{`\\st#host\.exe;45`, `C:\x\st#host.exe`, true},
		{`\\cmd[0-9]{,3}\\cmd\.jsp`, `D:\web\cmd12\cmd.jsp`, true},
		{`\\Program Files\(x86\)\\Google\\GoogleUpdate\.exe;80`, `C:\Program Files(x86)\Google\GoogleUpdate.exe`, true},
		{`:\\MSO10\\LATIN\.SHP;70`, `C:\MSO10\LATIN.SHP`, true},
		{`/Library/LaunchDaemons/com.adobe\.update\.plist;70`, `/Library/LaunchDaemons/com.adobe.update.plist`, true},
		{`\\regsys.\exe ;60`, "", false}, // \e is not an escape in Python either
	}
	for _, c := range cases {
		in, err := Load("published-filename-iocs.txt", strings.NewReader(c.line+"\n"), Options{})
		if !c.ok {
			var le *intel.LoadError
			if !errors.As(err, &le) || le.Line != 1 || errors.Is(err, ErrUnsupported) {
				t.Errorf("%q: %v, want an invalid-regex error at line 1", c.line, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		re, err := intel.CompileFilenameRegex(in.Indicators[0].Value)
		if err != nil || !re.MatchString(c.hit) {
			t.Errorf("%q -> %q does not match %q (%v)", c.line, in.Indicators[0].Value, c.hit, err)
		}
	}
}
