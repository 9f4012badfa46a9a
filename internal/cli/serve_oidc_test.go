package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOIDCFlags(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct {
		name string
		o    oidcOptions
		err  string
	}{
		{"off", oidcOptions{}, ""},
		{"good", oidcOptions{issuer: "https://idp", clientID: "c", secretFile: secret, roles: stringList{"soc=analyst", "root=admin"}, scopes: "openid email"}, ""},
		{"no roles", oidcOptions{issuer: "https://idp", clientID: "c"}, "at least one --oidc-role"},
		{"bad role", oidcOptions{issuer: "https://idp", clientID: "c", roles: stringList{"soc=agent"}}, "GROUP=admin"},
		{"no equals", oidcOptions{issuer: "https://idp", clientID: "c", roles: stringList{"soc"}}, "GROUP=admin"},
		{"empty secret", oidcOptions{issuer: "https://idp", clientID: "c", secretFile: empty, roles: stringList{"a=admin"}}, "is empty"},
		{"missing secret", oidcOptions{issuer: "https://idp", clientID: "c", secretFile: filepath.Join(dir, "nope"), roles: stringList{"a=admin"}}, "no such file"},
		{"roles without issuer", oidcOptions{roles: stringList{"a=admin"}}, "need --oidc-issuer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.o.config()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.o.issuer == "" {
				if c != nil {
					t.Fatal("config without an issuer")
				}
				return
			}
			if c.ClientSecret != "s3cret" || c.Roles["soc"] != "analyst" || c.Roles["root"] != "admin" || strings.Join(c.Scopes, " ") != "openid email" {
				t.Fatalf("config = %+v", c)
			}
		})
	}
}
