package server

import (
	"net/url"
	"strings"
)

// refURL is a reference as a link target: an absolute http or https URL
// with a host, re-encoded; anything else (a report's title, a javascript:
// or data: URL, text with spaces) is "", and the template shows it as
// text. Intel is written by others: the link opens without a referrer
// or an opener (see the templates).
func refURL(ref string) string {
	ref = strings.TrimSpace(ref)
	if len(ref) > 2048 || strings.ContainsAny(ref, " \t\r\n\"'<>`") {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}
