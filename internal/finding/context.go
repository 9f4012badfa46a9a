package finding

// Corroborated is the score a finding's own (non-context) reasons must
// reach for context evidence to join it: a notice or more.
const Corroborated = 40

// JoinContext folds context-only findings into the corroborated finding of
// the same host and incident: an affected version, a known digest, a
// signature anomaly. A context-only finding that nothing corroborates is
// kept as it is (its score stays below a notice). The joined finding's
// exposure start becomes the earliest of its own and its context's. The
// order of the remaining findings is kept.
func JoinContext(fs []Finding) []Finding {
	best := map[[2]string]int{}
	for i := range fs {
		f := &fs[i]
		if !f.Corroborates() {
			continue
		}
		k := [2]string{f.Host, f.Incident.ID}
		if j, ok := best[k]; !ok || f.OwnScore() > fs[j].OwnScore() {
			best[k] = i
		}
	}
	joined := make([]bool, len(fs))
	for i := range fs {
		f := &fs[i]
		if f.Incident == nil || !f.ContextOnly() {
			continue
		}
		j, ok := best[[2]string{f.Host, f.Incident.ID}]
		if !ok {
			continue
		}
		fs[j].AddContext(f)
		joined[i] = true
	}
	out := fs[:0]
	for i := range fs {
		if !joined[i] {
			out = append(out, fs[i])
		}
	}
	return out
}

// AddContext joins the context-only finding c to f: its evidence and
// reasons as a context entry, and its exposure start if earlier.
func (f *Finding) AddContext(c *Finding) {
	f.Context = append(f.Context, Context{Evidence: c.Evidence, Reasons: c.Reasons,
		ExposedSince: c.ExposedSince, ExposedBy: c.ExposedBy})
	f.Expose(c.ExposedSince, c.ExposedBy)
}

// Corroborates reports whether context of f's incident may join f: it has
// an incident and its own (non-context) reasons reach Corroborated.
func (f *Finding) Corroborates() bool {
	return f.Incident != nil && f.OwnScore() >= Corroborated
}

// OwnScore is the strongest score among the finding's non-context reasons.
func (f *Finding) OwnScore() int {
	s := 0
	for _, r := range f.Reasons {
		if !r.Context {
			s = max(s, r.Score)
		}
	}
	return s
}
