package stage

import "context"

type checkpointKey struct{}

// CheckpointFunc persists the FlaskDeployment's status now.
type CheckpointFunc func(ctx context.Context) error

// WithCheckpoint returns a context whose Checkpoint calls fn. The orchestrator installs it
// so that stages can save a freshly created resource's ID before they make the next call
// that depends on it: a crash in between must not leave an AWS resource status forgot.
func WithCheckpoint(ctx context.Context, fn CheckpointFunc) context.Context {
	return context.WithValue(ctx, checkpointKey{}, fn)
}

// Checkpoint persists the status through the function the orchestrator installed; without
// one (stage unit tests) it does nothing.
func Checkpoint(ctx context.Context) error {
	if fn, ok := ctx.Value(checkpointKey{}).(CheckpointFunc); ok {
		return fn(ctx)
	}
	return nil
}
