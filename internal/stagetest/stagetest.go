// Package stagetest is the rig the stage packages' tests share: one way to cut a pass short
// after any AWS call (after AWS applied it, before the answer arrived), a stand-in for the
// API server's copy of the status, and passes run the way the orchestrator runs them.
package stagetest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// Fault is what happens at the armed call, after AWS has applied it.
type Fault int

const (
	// Crash: the process dies. The pass's context is cancelled and the call fails with it,
	// so nothing the stage does afterwards (a checkpoint, a status patch) is saved.
	Crash Fault = iota
	// LoseAnswer: the connection resets before the answer arrives; the process lives on
	// and the SDK may retry the call.
	LoseAnswer
)

// Crasher is an SDK HTTP client that counts AWS calls and breaks the k-th one after AWS
// has acted on it: the worst moment, when AWS did the work and the caller cannot know.
type Crasher struct {
	inner  aws.HTTPClient
	mu     sync.Mutex
	n, at  int
	fault  Fault
	cancel context.CancelFunc
	hit    string
}

// NewCrasher wraps inner.
func NewCrasher(inner aws.HTTPClient) *Crasher { return &Crasher{inner: inner} }

// Arm makes the k-th call from now fail with fault (k 0: never). cancel is the pass's
// context's, for Crash.
func (c *Crasher) Arm(k int, fault Fault, cancel context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.at, c.fault, c.cancel, c.hit = 0, k, fault, cancel, ""
}

// Count is the number of calls since the last Arm.
func (c *Crasher) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// CrashedAfter is the operation the armed fault came after ("" before it fired).
func (c *Crasher) CrashedAfter() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hit
}

// Do implements aws.HTTPClient.
func (c *Crasher) Do(req *http.Request) (*http.Response, error) {
	op := Operation(req)
	resp, err := c.inner.Do(req)
	c.mu.Lock()
	c.n++
	hit := c.at > 0 && c.n == c.at
	fault, cancel := c.fault, c.cancel
	if hit {
		c.hit = op
	}
	c.mu.Unlock()
	if !hit || err != nil {
		return resp, err
	}
	_ = resp.Body.Close()
	if fault == LoseAnswer {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	cancel()
	return nil, context.Canceled
}

// Operation names an SDK request's operation for messages: the JSON protocols' target,
// the query protocols' Action, or the REST method and path.
func Operation(req *http.Request) string {
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if a := req.URL.Query().Get("Action"); a != "" {
		return a
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil {
			if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
				return form.Get("Action")
			}
		}
	}
	return req.Method + " " + req.URL.Path
}

// Store stands in for the API server: the status last checkpointed or patched.
type Store struct {
	mu     sync.Mutex
	status v1alpha1.FlaskDeploymentStatus
}

// Checkpoint is the stage.CheckpointFunc of a pass over fd: it saves fd's status unless
// the process is gone.
func (s *Store) Checkpoint(fd *v1alpha1.FlaskDeployment) stage.CheckpointFunc {
	return func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.Save(fd)
		return nil
	}
}

// Save keeps a copy of fd's status.
func (s *Store) Save(fd *v1alpha1.FlaskDeployment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = *fd.Status.DeepCopy()
}

// Load returns a copy of the saved status.
func (s *Store) Load() v1alpha1.FlaskDeploymentStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.status.DeepCopy()
}

// Pass runs one Reconcile of s the way the orchestrator does: checkpoints go to st, the
// stage's condition is recorded, and the status is saved at the end unless the pass
// crashed (its context was cancelled).
func Pass(ctx context.Context, s stage.Stage, fd *v1alpha1.FlaskDeployment, st *Store) (stage.Result, error) {
	res, err := s.Reconcile(stage.WithCheckpoint(ctx, st.Checkpoint(fd)), fd)
	if ctx.Err() == nil {
		if err == nil {
			RecordCondition(fd, s.Condition(), res)
		}
		st.Save(fd)
	}
	return res, err
}

// Restarted is fd as a restarted process reads it back: the spec as it was, the status
// as last saved.
func Restarted(fd *v1alpha1.FlaskDeployment, st *Store) *v1alpha1.FlaskDeployment {
	out := fd.DeepCopy()
	out.Status = st.Load()
	return out
}

// RetryBrokenConnections makes cfg's clients retry a call whose loopback connection broke
// (reset or closed while the answer was read, as happens now and then on a loaded machine)
// up to twice, as the SDK's default retryer does in production. Nothing else is retried:
// an API error a test injects still reaches the stage on the first attempt.
func RetryBrokenConnections(cfg *aws.Config) {
	cfg.RetryMaxAttempts = 0
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		})
	}
}

// Events takes the events rec recorded so far.
func Events(rec *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}
