package stage

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"
)

// A light pass is the resync of a Ready object between its full passes: each stage runs
// only the steps of its checklist that check what drifts most and matters most, from the
// IDs in status, and reads no tags. It never writes: whatever it would repair or create,
// wait for or note as drift, and any ID it misses in status, sends the stage to a full
// pass at once (Journal.Run), which starts again from the same status, proves ownership
// and repairs as always. The orchestrator decides which passes are light.

type lightKey struct{}

// WithLight marks the pass of ctx as light.
func WithLight(ctx context.Context) context.Context {
	return context.WithValue(ctx, lightKey{}, true)
}

// withFull marks the pass of ctx as full again.
func withFull(ctx context.Context) context.Context {
	return context.WithValue(ctx, lightKey{}, false)
}

// Light reports whether the pass of ctx is light.
func Light(ctx context.Context) bool {
	light, _ := ctx.Value(lightKey{}).(bool)
	return light
}

// FullOnly marks a step of a checklist that light passes skip.
func FullOnly(step func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if Light(ctx) {
			return nil
		}
		return step(ctx)
	}
}

// Light reports whether the pass is light.
func (j *Journal) Light() bool { return j.light }

// ReadsTags reports whether the pass reads the tags of what it finds when they take a
// call of their own (load balancers, listeners, log groups, repositories): a full pass
// does, for the ownership check before any write; a light pass writes nothing and does not.
func (j *Journal) ReadsTags() bool { return !j.light }

// Known reports whether the pass may use a resource it found by a lookup that proves
// nothing by itself (a name, a port), id: always in a full pass, which reads its tags next;
// in a light pass, which does not, only when status names it (statusID). Anything else
// sends a light pass to a full pass.
func (j *Journal) Known(statusID, id string) bool {
	if j.light && id != statusID {
		j.NeedFull("found %s, status names %q", id, statusID)
		return false
	}
	return true
}

// NeedFull sends a light pass to a full pass of the stage, saying why; in a full pass it
// does nothing.
func (j *Journal) NeedFull(format string, args ...any) {
	if j.light && j.fullBecause == "" {
		j.fullBecause = fmt.Sprintf(format, args...)
	}
}

// NeedIDs sends a light pass to a full pass when status lacks one of ids (name, ID
// pairs): a light pass works only from the IDs in status.
func (j *Journal) NeedIDs(pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			j.NeedFull("status has no %s", pairs[i])
			return
		}
	}
}

// fallBack starts the full pass a light pass asked for: the checklist runs again from the
// top, on the status the light pass started from.
func (j *Journal) fallBack(ctx context.Context) context.Context {
	log.FromContext(ctx).V(1).Info("Light pass falls back to a full pass", "reason", j.fullBecause)
	j.fd.Status = *j.before
	j.light, j.fullBecause, j.before, j.stopped, j.waits = false, "", nil, false, nil
	return withFull(ctx)
}
