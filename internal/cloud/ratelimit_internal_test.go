package cloud

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The bucket is driven with explicit times: at(ms) is t0 plus ms milliseconds.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestBucket(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name string
		// run drives a fresh bucket of 10 tokens per second and a burst of 5, made at at(0),
		// and returns the wait of its last take.
		run      func(b *bucket) time.Duration
		wantWait time.Duration
		wantRate float64
	}{
		{"the burst is free", func(b *bucket) time.Duration {
			for range 4 {
				b.take(at(0))
			}
			return b.take(at(0))
		}, 0, 10},
		{"past the burst, callers queue a tenth of a second apart", func(b *bucket) time.Duration {
			for range 6 {
				b.take(at(0))
			}
			return b.take(at(0))
		}, ms(200), 10},
		{"tokens refill at the rate, up to the burst", func(b *bucket) time.Duration {
			for range 5 {
				b.take(at(0))
			}
			for range 5 {
				b.take(at(10_000))
			}
			return b.take(at(10_000))
		}, ms(100), 10},
		{"a throttled answer halves the rate and drops the burst", func(b *bucket) time.Duration {
			b.throttled(at(0), at(0))
			return b.take(at(0))
		}, ms(200), 5},
		{"answers to requests sent before the cut do not cut again", func(b *bucket) time.Duration {
			b.throttled(at(10), at(20))
			b.throttled(at(15), at(20))
			return b.take(at(20))
		}, ms(200), 5},
		{"a request sent after the cut cuts again", func(b *bucket) time.Duration {
			b.throttled(at(0), at(0))
			b.throttled(at(0), at(0))
			return b.take(at(0))
		}, ms(400), 2.5},
		{"the rate climbs back linearly", func(b *bucket) time.Duration {
			b.throttled(at(0), at(0))
			b.take(at(5_000)) // a quarter of recoverAfter: +2.5
			return 0
		}, 0, 7.5},
		{"and no higher than configured", func(b *bucket) time.Duration {
			b.throttled(at(0), at(0))
			b.take(at(60_000))
			return 0
		}, 0, 10},
		{"however often AWS throttles, the rate keeps a floor", func(b *bucket) time.Duration {
			for range 20 {
				b.throttled(at(0), at(0))
			}
			return 0
		}, 0, 10 * floorShare},
		{"a caller that stops waiting gives its token back", func(b *bucket) time.Duration {
			for range 6 {
				b.take(at(0))
			}
			b.giveBack(at(0))
			return b.take(at(0))
		}, ms(100), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBucket(10, 5, at(0))
			if got := tt.run(b); (got - tt.wantWait).Abs() > time.Microsecond {
				t.Errorf("wait = %s, want %s", got, tt.wantWait)
			}
			if d := b.rate - tt.wantRate; d > 1e-9 || d < -1e-9 {
				t.Errorf("rate = %v, want %v", b.rate, tt.wantRate)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	for op, want := range map[string]bool{
		"DescribeVpcs": true, "ListTagsForResource": true, "GetParameter": true, "BatchGetProjects": true,
		"HeadBucket": true, "CreateVpc": false, "DeleteSubnet": false, "PutLifecyclePolicy": false,
		"RegisterTaskDefinition": false, "TagResource": false, "UpdateService": false,
	} {
		if got := readOnly(op); got != want {
			t.Errorf("readOnly(%s) = %v, want %v", op, got, want)
		}
	}
}

func TestWaitHoldBack(t *testing.T) {
	l := NewRateLimits(RateLimitOptions{ReadQPS: 10, ReadBurst: 1, HoldBack: 50 * time.Millisecond})
	key := budgetKey{region: "us-east-1", service: "ec2"}
	b := l.bucket(key)
	ctx := TrackHoldBack(context.Background())

	if _, err := l.wait(ctx, b, key); err != nil {
		t.Fatal(err)
	}
	if _, held := HeldBack(ctx); held {
		t.Fatal("a call within the burst was reported held back")
	}
	if _, err := l.wait(ctx, b, key); err != nil { // 100ms: over the threshold
		t.Fatal(err)
	}
	h, held := HeldBack(ctx)
	if !held || h.Service != "ec2" || h.Write || h.Wait < 50*time.Millisecond {
		t.Fatalf("HeldBack = %+v, %v; want ec2 reads held back", h, held)
	}

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := l.wait(short, b, key)
	if !errors.Is(err, ErrRateBudget) || !IsThrottled(err) {
		t.Fatalf("err = %v, want ErrRateBudget, classed as throttled", err)
	}
	if waited := time.Since(start); waited > 10*time.Millisecond {
		t.Errorf("a call due after its deadline waited %s; it should fail at once", waited)
	}
	if got := b.take(time.Now()); got > 150*time.Millisecond {
		t.Errorf("the refused call kept its token: the next waits %s", got)
	}
}

func TestWriteBudgetUnlimitedWhenZero(t *testing.T) {
	l := NewRateLimits(RateLimitOptions{ReadQPS: 1, ReadBurst: 1})
	if b := l.bucket(budgetKey{service: "ec2", write: true}); b != nil {
		t.Error("a zero write rate made a budget")
	}
	if l.bucket(budgetKey{service: "ec2"}) != l.bucket(budgetKey{service: "ec2"}) {
		t.Error("one key, two budgets")
	}
	if l.bucket(budgetKey{service: "ec2", region: "us-east-1"}) == l.bucket(budgetKey{service: "ec2", region: "eu-west-1"}) {
		t.Error("two regions share a budget")
	}
}
