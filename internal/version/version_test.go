package version

import (
	"os/exec"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"18.12.416", "18.12.422", -1},
		{"18.12.422", "18.12.416", 1},
		{"18.12.416", "18.12.416.0", 0},
		{"18.12.416", "v18.12.416", 0},
		{"18.11.1213", "18.12.402", -1},
		{"5.6.1", "5.6.0", 1},
		{"5.4.5", "5.6.0", -1},
		{"1.0~rc1", "1.0", -1},
		{"7.17.90p608", "7.17.90p609", -1},
		{"7.17.90p608", "7.17.90", 1},
		{"7.17.90p608", "7.17.91", -1},
		{"10", "9", 1},
		{"0010", "10", 0},
		{"1.2a", "1.2b", -1},
		{"", "", 0},
		{"1.0", "", 1},
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestUpstream(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"dpkg", "5.6.1-1", "5.6.1"},
		{"dpkg", "5.6.1+really5.4.5-1", "5.4.5"},
		{"dpkg", "1:2.3-4ubuntu1", "2.3"},
		{"dpkg", "2.36", "2.36"},
		{"rpm", "5.6.0-1.fc40", "5.6.0"},
		{"rpm", "1:5.6.0-2.fc40", "5.6.0"},
		{"apk", "5.6.1-r0", "5.6.1"},
		{"apk", "5.6.1-rc1", "5.6.1-rc1"},
		{"windows", " 18.12.416 ", "18.12.416"},
		{"npm", "0.7.29", "0.7.29"},
	}
	for _, tt := range tests {
		if got := Upstream(tt.eco, tt.in); got != tt.want {
			t.Errorf("Upstream(%s, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}

func FuzzCompare(f *testing.F) {
	f.Add("18.12.416", "18.12.422")
	f.Add("1.0~rc1", "1.0")
	f.Fuzz(func(t *testing.T, a, b string) {
		if Compare(a, b) != -Compare(b, a) {
			t.Fatalf("Compare not antisymmetric for %q, %q", a, b)
		}
		if Compare(a, a) != 0 {
			t.Fatalf("Compare(%q, itself) != 0", a)
		}
		if CompareIn("dpkg", a, b) != -CompareIn("dpkg", b, a) {
			t.Fatalf("CompareIn(dpkg) not antisymmetric for %q, %q", a, b)
		}
	})
}

// TestCompareIn pins what "equal" means per ecosystem: trailing zero
// components count in the Linux package managers (as dpkg
// --compare-versions and rpm.vercmp say) and nowhere else.
func TestCompareIn(t *testing.T) {
	tests := []struct {
		eco, a, b string
		want      int
	}{
		{"windows", "1", "1.0", 0},
		{"windows", "1.0", "1", 0},
		{"windows", "1", "1.0.0", 0},
		{"windows", "2.0", "2.00", 0},
		{"windows", "18.12.422", "18.12.422.0", 0},
		{"pypi", "1.0", "1.0.0", 0},
		{"npm", "v1", "1.0.0", 0},
		{"macos-app", "10.0", "10", 0},
		{"windows", "1.10", "1.1", 1},
		{"windows", "1.0.1", "1", 1},
		{"windows", "1.0~rc1", "1", -1},
		{"dpkg", "1", "1.0", -1},
		{"rpm", "1", "1.0", -1},
		{"apk", "5.6", "5.6.0", -1},
		{"dpkg", "5.6.1", "5.6.1", 0},
		{"dpkg", "v5.6.1", "5.6.1", 0},
	}
	for _, tt := range tests {
		if got := CompareIn(tt.eco, tt.a, tt.b); got != tt.want {
			t.Errorf("CompareIn(%s, %q, %q) = %d, want %d", tt.eco, tt.a, tt.b, got, tt.want)
		}
		if got := CompareIn(tt.eco, tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareIn(%s, %q, %q) = %d, want %d", tt.eco, tt.b, tt.a, got, -tt.want)
		}
	}
}

// TestCompareInAgreesWithDpkg checks the packaged order against dpkg
// itself, when it is installed.
func TestCompareInAgreesWithDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed")
	}
	pairs := [][2]string{{"1", "1.0"}, {"5.6", "5.6.0"}, {"1.0~rc1", "1.0"}, {"7.17.90p608", "7.17.90"},
		{"1.2a", "1.2+b"}, {"0010", "10"}, {"2.36", "2.36.0"}, {"1.0", "1.0"}}
	for _, p := range pairs {
		want := 0
		for _, op := range []struct {
			op string
			c  int
		}{{"lt", -1}, {"gt", 1}} {
			if exec.Command(dpkg, "--compare-versions", p[0], op.op, p[1]).Run() == nil {
				want = op.c
			}
		}
		if got := CompareIn("dpkg", p[0], p[1]); got != want {
			t.Errorf("CompareIn(dpkg, %q, %q) = %d, dpkg says %d", p[0], p[1], got, want)
		}
	}
}
