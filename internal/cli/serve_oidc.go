package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/server"
)

// oidcOptions are cascade serve's flags for sign-in with the company's
// identity provider (OpenID Connect).
type oidcOptions struct {
	publicURL   string
	issuer      string
	clientID    string
	secretFile  string
	redirectURL string
	groupsClaim string
	roles       stringList
	scopes      string
	name        string
	timeout     time.Duration
}

func addOIDCFlags(fs *flag.FlagSet, o *oidcOptions) {
	fs.StringVar(&o.publicURL, "public-url", "", "the URL people and agents reach this server at (https://cascade.example.com); alert links and the OIDC redirect URL derive from it")
	fs.StringVar(&o.issuer, "oidc-issuer", "", "OpenID Connect issuer URL of the company's identity provider; turns on \"Sign in with …\" in the web UI")
	fs.StringVar(&o.clientID, "oidc-client-id", "", "client id registered for cascade at the identity provider")
	fs.StringVar(&o.secretFile, "oidc-client-secret-file", "", "file holding the client secret (never on the command line)")
	fs.StringVar(&o.redirectURL, "oidc-redirect-url", "", "redirect URL registered at the provider; default: --public-url + /oidc/callback")
	fs.StringVar(&o.groupsClaim, "oidc-groups-claim", "groups", "ID token claim listing the person's groups (a dotted path reaches into objects, e.g. realm_access.roles)")
	fs.Var(&o.roles, "oidc-role", "GROUP=ROLE: members of GROUP sign in with ROLE (admin or analyst); repeatable; people in no mapped group are refused")
	fs.StringVar(&o.scopes, "oidc-scopes", "openid email profile", "scopes asked for, space-separated (add the one your provider needs to send groups, e.g. groups)")
	fs.StringVar(&o.name, "oidc-name", "", "provider name on the sign-in button (default: the issuer's host)")
	fs.DurationVar(&o.timeout, "oidc-timeout", 10*time.Second, "time limit for each call to the identity provider")
}

// config turns the flags into the server's configuration; nil when
// --oidc-issuer is not set.
func (o *oidcOptions) config() (*server.OIDCConfig, error) {
	if o.issuer == "" {
		if o.clientID != "" || len(o.roles) > 0 || o.secretFile != "" {
			return nil, usagef("--oidc-client-id, --oidc-client-secret-file and --oidc-role need --oidc-issuer")
		}
		return nil, nil
	}
	c := &server.OIDCConfig{Issuer: o.issuer, ClientID: o.clientID, RedirectURL: o.redirectURL, GroupsClaim: o.groupsClaim,
		Scopes: strings.Fields(o.scopes), Name: o.name, Timeout: o.timeout, Roles: map[string]string{}}
	if o.secretFile != "" {
		b, err := os.ReadFile(o.secretFile)
		if err != nil {
			return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
		}
		c.ClientSecret = strings.TrimSpace(string(b))
		if c.ClientSecret == "" {
			return nil, usagef("--oidc-client-secret-file: %s is empty", o.secretFile)
		}
	}
	for _, r := range o.roles {
		g, role, ok := strings.Cut(r, "=")
		if !ok || g == "" || (role != "admin" && role != "analyst") {
			return nil, usagef("--oidc-role %q: want GROUP=admin or GROUP=analyst", r)
		}
		c.Roles[g] = role
	}
	if len(c.Roles) == 0 {
		return nil, usagef("--oidc-issuer needs at least one --oidc-role GROUP=ROLE")
	}
	return c, nil
}
