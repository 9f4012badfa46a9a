package collect

import (
	"context"

	"github.com/cascade-ir/cascade/internal/guard"
)

// PathFinisher is implemented by a PathCollector whose records need facts
// from more than one file, met in whatever order the walk takes (BAM
// entries in SYSTEM name users by SID; SOFTWARE's ProfileList names the
// SIDs). The engine calls FinishPaths once after the walk, with the same
// Env, so that the collector can emit what it held back. It must not
// hold back more than a bounded number of records.
type PathFinisher interface {
	FinishPaths(ctx context.Context, env *Env, sink Sink) error
}

// finishPaths calls the path collectors' FinishPaths, recovering panics.
func (c *collection) finishPaths(ctx context.Context) {
	for _, pc := range c.opt.PathCollectors {
		pf, ok := pc.(PathFinisher)
		if !ok {
			continue
		}
		err := func() (err error) {
			defer guard.Recover(&err, pc.Name()+" collector", "finish")
			return pf.FinishPaths(ctx, c.env, c)
		}()
		if err != nil {
			c.AddError("", "finish:"+pc.Name(), err)
		}
	}
}
