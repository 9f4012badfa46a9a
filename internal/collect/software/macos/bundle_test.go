package macos

import "testing"

func TestBundleOf(t *testing.T) {
	tests := []struct {
		rel, bundle string
	}{
		{"Applications/Firefox.app/Contents/Info.plist", "Applications/Firefox.app"},
		{"Applications/3CX Desktop App.app/Contents/Info.plist", "Applications/3CX Desktop App.app"},
		{"Applications/Utilities/XQuartz.app/Contents/Info.plist", "Applications/Utilities/XQuartz.app"},
		{"Users/carol/Applications/Slack.app/Contents/Info.plist", "Users/carol/Applications/Slack.app"},
		{"Users/carol/Applications/Games/X.app/Contents/Info.plist", "Users/carol/Applications/Games/X.app"},
		{"applications/firefox.APP/contents/info.plist", "applications/firefox.APP"},
		// Refused: nested bundles, too deep, other places, odd names.
		{"Applications/3CX Desktop App.app/Contents/Frameworks/H.app/Contents/Info.plist", ""},
		{"Applications/Outer.app/Inner.app/Contents/Info.plist", ""},
		{"Applications/A/B/X.app/Contents/Info.plist", ""},
		{"Users/carol/Applications/A/B/X.app/Contents/Info.plist", ""},
		{"Users/Applications/X.app/Contents/Info.plist", ""},
		{"Users//Applications/X.app/Contents/Info.plist", ""},
		{"System/Applications/Safari.app/Contents/Info.plist", ""},
		{"Library/Applications/X.app/Contents/Info.plist", ""},
		{"Applications/.app/Contents/Info.plist", ""},
		{"Applications/Sub/.app/Contents/Info.plist", ""},
		{"Applications/Firefox/Contents/Info.plist", ""},
		{"Applications/Firefox.app/Info.plist", ""},
		{"Applications/Firefox.app/Contents/Info.plist.bak", ""},
		{"/Contents/Info.plist", ""},
		{"Contents/Info.plist", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := bundleOf(tt.rel)
		if got != tt.bundle || ok != (tt.bundle != "") {
			t.Errorf("bundleOf(%q) = %q, %v; want %q", tt.rel, got, ok, tt.bundle)
		}
	}
}

func TestBundleName(t *testing.T) {
	if got := bundleName("Applications/Utilities/XQuartz.app"); got != "XQuartz" {
		t.Errorf("bundleName = %q", got)
	}
}
