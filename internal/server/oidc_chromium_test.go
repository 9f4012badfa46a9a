package server

import (
	"strings"
	"testing"
)

// TestOIDCInChromium signs in through the provider's own login form in a
// real headless Chromium: the provider's redirect back is a cross-site
// navigation, and the session cookie (SameSite=Strict) must still be
// sent on the page after it. Then sign-out, and a person whose groups
// give no role reads why.
func TestOIDCInChromium(t *testing.T) {
	b := newBrowser(t)
	f := newOIDCFixture(t, openSQLite(t), nil)
	b.open(f.ts.URL + "/hosts")
	b.waitURL(func(u string) bool { return strings.Contains(u, "/login") })
	b.click("#oidc-signin")
	b.waitURL(func(u string) bool { return strings.HasPrefix(u, f.idp.URL+"/login/username") })
	b.typeInto("#username", "root")
	b.typeInto("#password", idpPassword)
	b.click("#idp-submit")
	b.waitURL(func(u string) bool { return u == f.ts.URL+"/hosts" })
	b.waitText("header", "root@example.com (admin)")
	b.open(f.ts.URL + "/alerts")
	b.waitText("header", "root@example.com (admin)")

	b.click("#logout")
	b.waitURL(func(u string) bool { return strings.Contains(u, "/login") })
	b.open(f.ts.URL + "/hosts")
	b.waitURL(func(u string) bool { return strings.Contains(u, "/login") })

	b.click("#oidc-signin")
	b.waitURL(func(u string) bool { return strings.HasPrefix(u, f.idp.URL+"/login/username") })
	b.typeInto("#username", "eve")
	b.typeInto("#password", idpPassword)
	b.click("#idp-submit")
	b.waitText("#login-error", "none of your groups gives a role")
	if got := b.text("#login-error"); !strings.Contains(got, "marketing") {
		t.Fatalf("refusal does not name eve's groups: %s", got)
	}
}
