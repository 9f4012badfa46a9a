package ident

import "testing"

func TestProductKey(t *testing.T) {
	for in, want := range map[string]string{
		"3CX Desktop App": "3cxdesktopapp", "3CXDesktopApp": "3cxdesktopapp", "xz-utils": "xzutils", "": "", "Ünïcode 7": "ncode7",
	} {
		if got := ProductKey(in); got != want {
			t.Errorf("ProductKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecordDomain(t *testing.T) {
	tests := []struct{ domain, url, want string }{
		{"Evil.COM.", "", "evil.com"},
		{"evil.com..", "https://other.example/x", "evil.com"},
		{"", "https://User@Sub.Evil.com:8443/x?q#f", "sub.evil.com"},
		{"", "sub.evil.com/path", "sub.evil.com"},
		{"", "http://[2001:DB8::1]:80/", "2001:db8::1"},
		{"", "", ""},
		{"", "http://%zz/", ""}, // unparsable: no host, as the matcher sees it
	}
	for _, tt := range tests {
		if got := RecordDomain(tt.domain, tt.url); got != tt.want {
			t.Errorf("RecordDomain(%q, %q) = %q, want %q", tt.domain, tt.url, got, tt.want)
		}
	}
}

func TestSplitURL(t *testing.T) {
	host, path, ok := SplitURL("HTTPS://Raw.GitHubUserContent.com/IconStorages/images/main/icon%200.ico")
	if !ok || host != "raw.githubusercontent.com" || path != "/IconStorages/images/main/icon%200.ico" {
		t.Errorf("SplitURL = %q %q %v", host, path, ok)
	}
	if _, _, ok := SplitURL("file:///etc/hosts"); ok {
		t.Error("a URL without a host split")
	}
}
