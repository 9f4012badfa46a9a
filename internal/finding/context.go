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
		if f.Incident == nil || f.ContextOnly() || ownScore(f) < Corroborated {
			continue
		}
		k := [2]string{f.Host, f.Incident.ID}
		if j, ok := best[k]; !ok || ownScore(f) > ownScore(&fs[j]) {
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
		to := &fs[j]
		to.Context = append(to.Context, Context{Evidence: f.Evidence, Reasons: f.Reasons,
			ExposedSince: f.ExposedSince, ExposedBy: f.ExposedBy})
		to.Expose(f.ExposedSince, f.ExposedBy)
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

// ownScore is the strongest score among the finding's non-context reasons.
func ownScore(f *Finding) int {
	s := 0
	for _, r := range f.Reasons {
		if !r.Context {
			s = max(s, r.Score)
		}
	}
	return s
}
