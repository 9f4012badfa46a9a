package tracegraph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/store"
)

// SharedAccountConfidence is how sure a shared account makes a reaches
// edge: the same account name on two hosts is often one person, and often
// the same password, but it proves no connection.
const SharedAccountConfidence = 0.3

// maxAccountHosts: an account on more hosts than this is a shared or
// service account (a golden image's local admin), not a person: it is
// skipped with a warning rather than joining every pair of them.
const maxAccountHosts = 50

// builtinAccounts are names every machine has; they link nothing.
var builtinAccounts = map[string]bool{"root": true, "administrator": true, "admin": true, "default": true, "default user": true,
	"public": true, "all users": true, "guest": true, "system": true, "local service": true, "network service": true,
	"localservice": true, "networkservice": true, "defaultaccount": true, "wdagutilityaccount": true, "nobody": true}

// profileSpan is when an account's profile is seen on a host.
type profileSpan struct {
	host string
	iv   cascade.Interval
	ref  string
}

// accountKey normalizes an account name; "" when it names no person.
func accountKey(user string) string {
	u := strings.ToLower(strings.TrimSpace(user))
	_, name, ok := strings.Cut(u, `\`)
	if !ok {
		name = u
	}
	if name == "" || builtinAccounts[name] || strings.HasSuffix(name, "$") {
		return ""
	}
	return u
}

// profile notes that an observation puts the account's profile on host
// over iv: from the first observation to the last, open while any is.
func (l *loader) profile(o *store.Obs, user string, iv cascade.Interval) {
	k, host := accountKey(user), l.hosts[o.HostID]
	if k == "" || host == "" {
		return
	}
	if l.accounts == nil {
		l.accounts = map[string]map[string]*profileSpan{}
	}
	hosts := l.accounts[k]
	if hosts == nil {
		hosts = map[string]*profileSpan{}
		l.accounts[k] = hosts
	}
	p := hosts[host]
	if p == nil {
		hosts[host] = &profileSpan{host: host, iv: iv, ref: obsRef(o)}
		return
	}
	p.iv.From, p.iv.Until = min(p.iv.From, iv.From), max(p.iv.Until, iv.Until)
}

// sharedAccounts adds a reaches edge both ways between two hosts where the
// same account has a profile, over the time both profiles exist.
func (l *loader) sharedAccounts(ctx context.Context) error {
	names := make([]string, 0, len(l.accounts))
	for k := range l.accounts {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if len(l.accounts[k]) < 2 {
			continue
		}
		if len(l.accounts[k]) > maxAccountHosts {
			l.b.Warn(fmt.Sprintf("account %q has a profile on %d hosts: taken as a shared or service account, not a person; no shared-account edges", k, len(l.accounts[k])))
			continue
		}
		spans := make([]*profileSpan, 0, len(l.accounts[k]))
		for _, p := range l.accounts[k] {
			spans = append(spans, p)
		}
		slices.SortFunc(spans, func(a, b *profileSpan) int { return cmp.Compare(a.host, b.host) })
		for _, a := range spans {
			for _, b := range spans {
				iv := cascade.Interval{From: max(a.iv.From, b.iv.From), Until: min(a.iv.Until, b.iv.Until)}
				if a == b || !iv.Valid() {
					continue
				}
				l.edgeInto(b.host, a.host)
				err := l.b.AddEdge(cascade.Edge{Kind: cascade.Reaches, From: a.host, To: b.host, Valid: iv, Confidence: SharedAccountConfidence,
					Origin: a.ref, Evidence: &cascade.Evidence{Source: "shared-account", Ref: a.ref + "; " + b.ref,
						Note: fmt.Sprintf("account %q has a profile on both hosts", k)}})
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}
