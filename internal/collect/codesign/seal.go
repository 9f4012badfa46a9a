package codesign

import (
	"context"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/macho"
)

// sealSuffix ends the path of an app bundle's seal.
const sealSuffix = ".app/Contents/_CodeSignature/CodeResources"

// SealCollector checks macOS app bundle seals. It is a collect.PathCollector
// on <bundle>.app/Contents/_CodeSignature/CodeResources: the seal needs the
// bundle's other files, which it reads through Env.FS (never outside the
// source root, never executing anything). Broken seals are attached to the
// bundle's main executable through collect.AnomalySink when the sink
// implements it, else reported with AddError so they are never lost.
type SealCollector struct {
	Limits macho.SealLimits
}

var _ collect.PathCollector = SealCollector{}

// Name implements collect.PathCollector.
func (SealCollector) Name() string { return "codesign-seal" }

// WantsPath implements collect.PathCollector.
func (SealCollector) WantsPath(_ *collect.Env, rel string) bool {
	return strings.HasSuffix(rel, sealSuffix) && len(rel) > len(sealSuffix)
}

// CollectPath implements collect.PathCollector.
func (s SealCollector) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	bundle := strings.TrimSuffix(rel, "/Contents/_CodeSignature/CodeResources")
	rep, err := macho.Seal(ctx, env.FS, bundle, s.Limits)
	if err != nil {
		return fmt.Errorf("bundle seal of %s: %w", bundle, err)
	}
	as, ok := sink.(collect.AnomalySink)
	for _, a := range rep.Anomalies {
		if ok {
			as.AddAnomaly(rep.Executable, a)
		} else {
			sink.AddError(rep.Executable, "parse:"+s.Name(), fmt.Errorf("%s: %s", a.Kind, a.Detail))
		}
	}
	return nil
}
