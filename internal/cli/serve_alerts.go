package cli

import (
	"net/url"
	"strings"
	"time"
)

// checkAlertFlags validates the alert settings of `cascade serve`.
func (o *serveOptions) checkAlertFlags() error {
	if o.alertTimeout < time.Second || o.alertTimeout > 5*time.Minute {
		return usagef("--alert-timeout %v: want 1s to 5m", o.alertTimeout)
	}
	if o.oidc.publicURL == "" {
		return nil
	}
	u, err := url.Parse(o.oidc.publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return usagef("--public-url %q: want an http(s) URL with a host and no credentials, query or fragment", o.oidc.publicURL)
	}
	o.oidc.publicURL = strings.TrimRight(o.oidc.publicURL, "/")
	return nil
}
