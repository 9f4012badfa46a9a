package collect

import "testing"

func TestUserFromPath(t *testing.T) {
	tests := []struct{ os, rel, want string }{
		{"windows", "Users/alice/AppData/x", "alice"},
		{"windows", "users/Bob/NTUSER.DAT", "Bob"},
		{"windows", "Users/Public/Desktop/x", ""},
		{"windows", "Users/Default User/x", ""},
		{"windows", "Users", ""},
		{"windows", "Users/", ""},
		{"macos", "Users/carol/Library/x", "carol"},
		{"linux", "home/erin/.mozilla/x", "erin"},
		{"linux", "root/.bashrc", "root"},
		{"linux", "Users/x/y", ""},
		{"windows", "home/x/y", ""},
		{"linux", "etc/hosts", ""},
	}
	for _, tt := range tests {
		if got := UserFromPath(tt.os, tt.rel); got != tt.want {
			t.Errorf("UserFromPath(%s, %q) = %q, want %q", tt.os, tt.rel, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { UserFromPath("windows", "Users/alice/AppData/x") }); n != 0 {
		t.Errorf("UserFromPath allocates %v times", n)
	}
}
