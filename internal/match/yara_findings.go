package match

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// YARADefaultScore is a matching rule's score when neither the rule (its
// `score` metadata) nor its indicator gives one: Loki's default.
const YARADefaultScore = 70

// matchYARA turns the YARA rules that matched a file (evaluated during
// collection, see internal/match/yara) into reasons, one per rule. The
// rule's indicator gives the source, references and incident; a rule
// whose indicator this intel lacks (an agent's hunt the server no longer
// holds) is still reported, under its namespace.
func (s *Set) matchYARA(rs *reasons, f *snapshot.File, at time.Time) {
	for i := range f.YARA {
		m := &f.YARA[i]
		key := "yara:" + m.Namespace + ":" + m.Rule
		if rs.seen[key] {
			continue
		}
		ind := s.yaraIndicator(m.Indicator)
		if ind != nil && !ind.ActiveAt(at) {
			continue
		}
		if rs.seen == nil {
			rs.seen = map[string]bool{}
		}
		rs.seen[key] = true
		r, incident := yaraReason(m, ind)
		rs.list = append(rs.list, r)
		rs.ctx = append(rs.ctx, reasonCtx{incident: incident, title: "YARA rule " + m.Rule + ": " + r.Description})
	}
}

func (s *Set) yaraIndicator(id string) *intel.Indicator {
	if i, ok := s.yara[id]; ok {
		return &s.in.Indicators[i]
	}
	return nil
}

// yaraReason describes one matching rule: its score is the rule's score
// metadata, else its indicator's score, else YARADefaultScore.
func yaraReason(m *snapshot.YARAMatch, ind *intel.Indicator) (finding.Reason, string) {
	r := finding.Reason{Kind: string(intel.YARA), IndicatorID: m.Indicator, Matched: YARAMatched(m),
		Description: m.Description, Score: m.Score, Source: m.Namespace}
	incident := ""
	if ind != nil {
		r.Source = strings.Join(ind.Sources, ", ")
		r.References = append(r.References, ind.References...)
		if r.Description == "" {
			r.Description = ind.Description
		}
		if r.Score == 0 {
			r.Score = ind.Score
		}
		incident = ind.Incident
	}
	if m.Reference != "" && !slices.Contains(r.References, m.Reference) {
		r.References = append(r.References, m.Reference)
	}
	if r.Score == 0 {
		r.Score = YARADefaultScore
	}
	if r.Description == "" {
		r.Description = "YARA rule " + m.Rule
	}
	return r, incident
}

// YARAMatched renders a rule match as a finding shows it: the rule
// (namespace:rule) and its string matches as yara -s prints them
// (0xOFFSET:$name: data), separated by "; ".
func YARAMatched(m *snapshot.YARAMatch) string {
	var b strings.Builder
	b.WriteString(m.Namespace + ":" + m.Rule)
	for i, s := range m.Strings {
		sep := "; "
		if i == 0 {
			sep = " "
		}
		fmt.Fprintf(&b, "%s0x%x:%s: %s", sep, s.Offset, s.Name, s.Data)
	}
	if m.StringsCapped {
		b.WriteString("; …")
	}
	return b.String()
}
