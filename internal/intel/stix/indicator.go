package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// epoch stands for "no valid_from" in exported bundles: the property is
// required by STIX, and cascade's model may leave it unset.
var epoch = time.Unix(0, 0).UTC()

// Default scores of third-party indicators, by indicator_types.
const (
	scoreMalicious = 80
	scoreAnomalous = 50
)

func (b *builder) addIndicator(o *object, raw json.RawMessage, modified time.Time, start int64) error {
	if i, ok := b.indAt[o.ID]; ok && !modified.After(b.inds[i].modified) {
		return nil // an older or equal version of one already loaded
	}
	ind, err := b.baseIndicator(o)
	if err != nil {
		return b.objErr(start, o.ID, err)
	}
	ind.Custom = customProps(raw)
	out, err := b.convertPattern(o, ind, start)
	if err != nil {
		return b.objErr(start, o.ID, err)
	}
	rec := &indRec{id: o.ID, modified: modified, createdBy: o.CreatedByRef, srcRefs: o.XSourceRefs, own: o.XID != "", out: out, start: start}
	if i, ok := b.indAt[o.ID]; ok {
		b.inds[i] = rec
		return nil
	}
	b.indAt[o.ID] = len(b.inds)
	b.inds = append(b.inds, rec)
	return nil
}

// baseIndicator fills everything but the type and value.
func (b *builder) baseIndicator(o *object) (intel.Indicator, error) {
	from, err := parseTime("valid_from", o.ValidFrom)
	if err != nil {
		return intel.Indicator{}, err
	}
	if from.Equal(epoch) {
		from = time.Time{}
	}
	until, err := parseTime("valid_until", o.ValidUntil)
	if err != nil {
		return intel.Indicator{}, err
	}
	if !until.IsZero() && !from.IsZero() && !until.After(from) {
		return intel.Indicator{}, errors.New("valid_until is not after valid_from")
	}
	if o.Pattern == "" {
		return intel.Indicator{}, errors.New("indicator has no pattern")
	}
	desc := o.Description
	if desc == "" {
		desc = o.Name
	}
	id := o.ID
	if o.XID != "" {
		id = o.XID
	}
	return intel.Indicator{ID: id, Score: indicatorScore(o), Description: desc, References: refsOf(o.ExternalRefs),
		Tags: o.Labels, ValidFrom: from, ValidUntil: until, Revoked: o.Revoked, SameFile: o.XSameFile, FileTypes: o.XFileTypes}, nil
}

func indicatorScore(o *object) int {
	if o.XScore != nil {
		return min(max(*o.XScore, 0), 100)
	}
	switch {
	case slices.Contains(o.IndicatorTypes, "benign"):
		return 0
	case slices.Contains(o.IndicatorTypes, "anomalous-activity"), slices.Contains(o.IndicatorTypes, "anonymization"),
		slices.Contains(o.IndicatorTypes, "unknown"):
		return scoreAnomalous
	}
	return scoreMalicious
}

// convertPattern gives the indicator its type: native indicators for a
// simple pattern, else the pattern kept for its engine.
func (b *builder) convertPattern(o *object, ind intel.Indicator, start int64) ([]intel.Indicator, error) {
	ind.Pattern = o.Pattern
	ind.PatternType = o.PatternType
	switch pt := strings.ToLower(o.PatternType); pt {
	case "stix", "":
		if err := checkPattern(o.Pattern); err != nil {
			return nil, fmt.Errorf("pattern: %w", err)
		}
		ind.PatternType = "stix"
		if natives, ok := simpleIndicators(ind, o.Pattern); ok {
			return natives, nil
		}
		ind.Type = intel.STIX
	case "yara":
		ind.Type = intel.YARA
	case xFilename, xPath, xURL:
		return b.cascadePattern(o, ind, pt)
	case xSigner:
		var spec intel.SignerSpec
		if err := json.Unmarshal([]byte(o.Pattern), &spec); err != nil {
			return nil, fmt.Errorf("%s pattern: %w", xSigner, err)
		}
		ind.Type, ind.Signer, ind.Pattern, ind.PatternType = intel.Signer, &spec, "", ""
	default:
		ind.Type = intel.OtherPattern
		b.warn(start, "indicator %s: pattern_type %q is kept but not evaluated", o.ID, o.PatternType)
	}
	if err := ind.Validate(); err != nil {
		return nil, err
	}
	return []intel.Indicator{ind}, nil
}

// cascadePattern restores cascade's own filename and path indicators.
func (b *builder) cascadePattern(o *object, ind intel.Indicator, pt string) ([]intel.Indicator, error) {
	ind.Type = intel.Filename
	switch pt {
	case xPath:
		ind.Type = intel.Path
	case xURL:
		ind.Type = intel.URL
	}
	ind.Value, ind.Pattern, ind.PatternType = o.Pattern, "", ""
	ind.FalsePositive = o.XFP
	if err := ind.Validate(); err != nil {
		return nil, err
	}
	return []intel.Indicator{ind}, nil
}
