// Package stage is the contract between the FlaskDeployment orchestrator and its stages
// (network, ecr, ecs, cicd). It is a leaf package so that stages and the orchestrator
// can both import it without importing each other.
package stage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// Stage converges one group of AWS resources toward a FlaskDeployment's spec.
type Stage interface {
	// Name is the stage's short name: log key, tag value and event prefix ("network").
	Name() string
	// Condition is the condition type the stage's result is reported under ("NetworkReady").
	Condition() string
	// Reconcile converges AWS toward fd.Spec as far as its inputs allow. It writes every
	// ID it owns into fd.Status as soon as the resource exists and never blocks on AWS:
	// it returns a Waiting result instead.
	Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (Result, error)
	// Delete removes what the stage created. Done is true only when nothing is left.
	Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (Result, error)
}

// Result is what a stage reports after one pass.
type Result struct {
	// Done means: Reconcile, every resource is ready; Delete, every resource is gone.
	Done bool
	// Reason is a CamelCase condition reason, e.g. "WaitingForNATGateway".
	Reason string
	// Message says what is being waited for, e.g. "waiting for NAT gateway nat-0ab (pending)".
	Message string
	// RequeueAfter is when to look again; zero when nothing is pending.
	RequeueAfter time.Duration
}

// Ready is the result of a stage whose resources are all ready (or all gone, on delete).
func Ready(message string) Result {
	return Result{Done: true, Reason: v1alpha1.ReasonReady, Message: message}
}

// Waiting is the result of a stage that has to look again after a while.
func Waiting(reason string, after time.Duration, format string, args ...any) Result {
	return Result{Reason: reason, Message: fmt.Sprintf(format, args...), RequeueAfter: after}
}

// TerminalError is an error that retrying cannot fix: AWS refused the request as invalid
// or forbidden, or the spec asks for something the stage must not do. The orchestrator
// reports it as Stalled and does not retry until the spec changes.
type TerminalError struct {
	Reason string
	Err    error
}

func (e *TerminalError) Error() string { return e.Err.Error() }
func (e *TerminalError) Unwrap() error { return e.Err }

// Terminal marks err as terminal with a condition reason such as "AWSValidationError".
func Terminal(reason string, err error) error {
	return &TerminalError{Reason: reason, Err: err}
}

// Terminalf builds a terminal error from a message.
func Terminalf(reason, format string, args ...any) error {
	return &TerminalError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// AsTerminal returns the terminal error in err's chain, if any.
func AsTerminal(err error) (*TerminalError, bool) {
	var t *TerminalError
	ok := errors.As(err, &t)
	return t, ok
}
