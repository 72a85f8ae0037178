package cloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Default AWS request budgets: a share of what AWS grants an account (EC2 refills 20
// non-mutating and 5 mutating requests per second), leaving the rest to the account's
// other tenants.
const (
	DefaultReadQPS    = 20
	DefaultReadBurst  = 40
	DefaultWriteQPS   = 5
	DefaultWriteBurst = 10
	// DefaultHoldBack is how long a call may wait for its budget before the pass that made
	// it is reported as throttled.
	DefaultHoldBack = time.Second
)

// recoverAfter is how long the rate of a budget takes to climb from zero back to its
// configured rate once AWS stops throttling: a halved rate recovers in half of it.
const recoverAfter = 20 * time.Second

// floorShare is the least share of its configured rate a budget keeps however often AWS
// throttles, so that a throttling storm slows the operator down without stopping it.
const floorShare = 1.0 / 64

// ErrRateBudget is returned, wrapped, for a call whose budget could not grant it a
// request before its context's deadline. IsThrottled reports it: the pass is retried later.
var ErrRateBudget = errors.New("AWS request budget exhausted")

// RateLimitOptions are the request budgets of one AWS account. A rate of zero leaves that
// kind of call unlimited.
type RateLimitOptions struct {
	// ReadQPS and ReadBurst budget the calls that only read (Describe, List, Get, ...),
	// per region and service.
	ReadQPS   float64
	ReadBurst int
	// WriteQPS and WriteBurst budget every other call, per region and service.
	WriteQPS   float64
	WriteBurst int
	// HoldBack is how long a call may wait for a request before HeldBack reports it;
	// default DefaultHoldBack.
	HoldBack time.Duration
}

// RateLimits are the AWS request budgets of one AWS account: a token bucket per region,
// service and kind of call (read or write), shared by every client built by the Clients
// they are given to (WithRateLimits), and so by every reconcile of the manager. Each
// request, retries included, takes a token. When AWS throttles a request, its budget's
// rate is halved, then climbs back to the configured rate over recoverAfter.
type RateLimits struct {
	opts    RateLimitOptions
	mu      sync.Mutex
	buckets map[budgetKey]*bucket
}

type budgetKey struct {
	region, service string
	write           bool
}

// NewRateLimits returns the budgets of opts.
func NewRateLimits(opts RateLimitOptions) *RateLimits {
	if opts.HoldBack <= 0 {
		opts.HoldBack = DefaultHoldBack
	}
	return &RateLimits{opts: opts, buckets: map[budgetKey]*bucket{}}
}

// WithRateLimits makes every client of the Clients spend from l's budgets.
func WithRateLimits(l *RateLimits) ClientOption {
	return func(c *Clients) { c.limits = l }
}

// globalServices have one endpoint for every region: their budget is the account's.
var globalServices = map[string]bool{"iam": true}

// apiOption adds the budget of service in region to a client's middleware stack, after the
// retry middleware, so that every attempt is budgeted and every throttled answer is seen.
func (l *RateLimits) apiOption(service, region string) func(*middleware.Stack) error {
	if globalServices[service] {
		region = ""
	}
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(&limitMiddleware{limits: l, region: region, service: service}, "Retry", middleware.After)
	}
}

// bucket returns the budget of key, or nil when that kind of call is unlimited.
func (l *RateLimits) bucket(key budgetKey) *bucket {
	qps, burst := l.opts.ReadQPS, l.opts.ReadBurst
	if key.write {
		qps, burst = l.opts.WriteQPS, l.opts.WriteBurst
	}
	if qps <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = newBucket(qps, burst, time.Now())
		l.buckets[key] = b
	}
	return b
}

type limitMiddleware struct {
	limits          *RateLimits
	region, service string
}

func (*limitMiddleware) ID() string { return "FlaskopsRateLimit" }

func (m *limitMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	key := budgetKey{region: m.region, service: m.service, write: !readOnly(awsmiddleware.GetOperationName(ctx))}
	b := m.limits.bucket(key)
	if b == nil {
		return next.HandleFinalize(ctx, in)
	}
	sent, err := m.limits.wait(ctx, b, key)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	out, md, err := next.HandleFinalize(ctx, in)
	if IsThrottled(err) {
		b.throttled(sent, time.Now())
	}
	return out, md, err
}

// wait takes a token from b, sleeping until it is due, and returns when the request goes
// out. A wait longer than the hold-back threshold is reported to HeldBack at once; one
// that would outlast ctx's deadline fails at once with ErrRateBudget.
func (l *RateLimits) wait(ctx context.Context, b *bucket, key budgetKey) (time.Time, error) {
	now := time.Now()
	d := b.take(now)
	if d <= 0 {
		return now, nil
	}
	if d >= l.opts.HoldBack {
		recordHoldBack(ctx, HoldBack{Service: key.service, Region: key.region, Write: key.write, Wait: d})
	}
	if deadline, ok := ctx.Deadline(); ok && now.Add(d).After(deadline) {
		b.giveBack(now)
		return now, fmt.Errorf("%s %s: %w: the next request is due in %s, after the deadline", key.service, kindOf(key.write), ErrRateBudget, d.Round(time.Millisecond))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return now.Add(d), nil
	case <-ctx.Done():
		b.giveBack(time.Now())
		return now, ctx.Err()
	}
}

// readOnly reports whether an operation only reads, by AWS's naming of operations.
func readOnly(op string) bool {
	for _, p := range []string{"Describe", "List", "Get", "BatchGet", "Head", "Lookup"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

func kindOf(write bool) string {
	if write {
		return "writes"
	}
	return "reads"
}

// bucket is a token bucket whose refill rate adapts to AWS: halved on a throttled answer,
// then raised linearly back to the configured rate. Tokens go negative when callers queue:
// each caller waits for its own token.
type bucket struct {
	mu     sync.Mutex
	max    float64 // configured rate, tokens per second
	rate   float64 // current rate
	burst  float64
	tokens float64
	last   time.Time // when tokens and rate were last brought up to date
	cut    time.Time // when the rate was last halved
}

func newBucket(qps float64, burst int, now time.Time) *bucket {
	b := float64(max(burst, 1))
	return &bucket{max: qps, rate: qps, burst: b, tokens: b, last: now}
}

// advance refills the tokens and recovers the rate up to now.
func (b *bucket) advance(now time.Time) {
	dt := now.Sub(b.last).Seconds()
	if dt <= 0 {
		return
	}
	b.tokens = min(b.burst, b.tokens+dt*b.rate)
	b.rate = min(b.max, b.rate+dt*b.max/recoverAfter.Seconds())
	b.last = now
}

// take reserves a token and returns how long the caller must wait for it.
func (b *bucket) take(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// giveBack returns the token of a caller that stopped waiting.
func (b *bucket) giveBack(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	b.tokens = min(b.burst, b.tokens+1)
}

// throttled halves the rate after AWS throttled a request sent at sent. A request sent
// before the last halving went out at the old rate and says nothing about the new one,
// so the answers of one burst halve the rate once. The burst left is dropped: AWS has
// just said there is none.
func (b *bucket) throttled(sent, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if sent.Before(b.cut) {
		return
	}
	b.advance(now)
	b.rate = max(b.max*floorShare, b.rate/2)
	b.tokens = min(b.tokens, 0)
	b.cut = now
}

// HoldBack is a call that waited for its budget longer than the hold-back threshold.
type HoldBack struct {
	Service string
	// Region is empty for a global service (IAM).
	Region string
	Write  bool
	Wait   time.Duration
}

func (h HoldBack) String() string {
	where := ""
	if h.Region != "" {
		where = " in " + h.Region
	}
	return fmt.Sprintf("%s %s%s waited %s for the operator's AWS request budget", h.Service, kindOf(h.Write), where, h.Wait.Round(time.Millisecond))
}

type holdBackKey struct{}

type holdBackLog struct {
	mu      sync.Mutex
	longest HoldBack
	held    bool
}

// TrackHoldBack returns a context under which HeldBack reports the calls the budgets held
// back.
func TrackHoldBack(ctx context.Context) context.Context {
	return context.WithValue(ctx, holdBackKey{}, &holdBackLog{})
}

// HeldBack returns the longest wait for a budget of a call made under ctx (see
// TrackHoldBack) that waited longer than the hold-back threshold, including one that
// is still waiting.
func HeldBack(ctx context.Context) (HoldBack, bool) {
	log, ok := ctx.Value(holdBackKey{}).(*holdBackLog)
	if !ok {
		return HoldBack{}, false
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	return log.longest, log.held
}

func recordHoldBack(ctx context.Context, h HoldBack) {
	log, ok := ctx.Value(holdBackKey{}).(*holdBackLog)
	if !ok {
		return
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if !log.held || h.Wait > log.longest.Wait {
		log.longest, log.held = h, true
	}
}
