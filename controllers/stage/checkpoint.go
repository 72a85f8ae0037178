package stage

import (
	"context"
	"fmt"
)

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

// CheckpointCreated persists the status right after a stage created what and wrote its ID:
// nothing may depend on the ID before it is saved.
func CheckpointCreated(ctx context.Context, what string) error {
	if err := Checkpoint(ctx); err != nil {
		return fmt.Errorf("save status after creating %s: %w", what, err)
	}
	return nil
}
