package cloud_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// simClients starts a simulator and returns it with n Clients on it sharing limits. The
// SDK does not retry, so every call the simulator counts is one the budget granted.
func simClients(t *testing.T, limits *cloud.RateLimits, n int) (*awssim.Sim, []*cloud.Clients) {
	t.Helper()
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
	out := make([]*cloud.Clients, n)
	for i := range out {
		out[i] = cloud.NewClients(cfg, cloud.WithRateLimits(limits))
	}
	return sim, out
}

// hammer calls DescribeVpcs from every client, two callers each, as fast as the budget
// lets them, until stop is closed.
func hammer(clients []*cloud.Clients, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, c := range clients {
		for range 2 {
			wg.Go(func() {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() { <-stop; cancel() }()
				for ctx.Err() == nil {
					_, _ = c.EC2("us-east-1").DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
				}
			})
		}
	}
	return &wg
}

func TestRateLimitSlowsDownWhileThrottled(t *testing.T) {
	limits := cloud.NewRateLimits(cloud.RateLimitOptions{ReadQPS: 50, ReadBurst: 5})
	sim, clients := simClients(t, limits, 2)
	calls := func() int { return sim.CallCount("ec2", "DescribeVpcs") }

	stop := make(chan struct{})
	wg := hammer(clients, stop)
	const window = time.Second
	time.Sleep(window)
	before := calls()
	sim.SetFaults(awssim.Faults{ThrottleRate: 1})
	time.Sleep(window)
	during := calls() - before
	sim.SetFaults(awssim.Faults{})
	close(stop)
	wg.Wait()

	t.Logf("calls reaching AWS: %d in the second before throttling, %d in the second throttled", before, during)
	if before < 25 {
		t.Fatalf("only %d calls in the second before throttling: the callers did not use the budget", before)
	}
	if during*3 > before {
		t.Errorf("%d calls while every call was throttled, against %d before: the budget did not slow down", during, before)
	}
}

func TestRateLimitIsSharedByClients(t *testing.T) {
	const qps, burst = 40, 10
	limits := cloud.NewRateLimits(cloud.RateLimitOptions{ReadQPS: qps, ReadBurst: burst})
	sim, clients := simClients(t, limits, 5)

	start := time.Now()
	stop := make(chan struct{})
	wg := hammer(clients, stop)
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)

	got := sim.CallCount("ec2", "DescribeVpcs")
	budget := burst + int(qps*elapsed.Seconds())
	t.Logf("%d calls from 5 clients in %s; the budget allows %d", got, elapsed.Round(time.Millisecond), budget)
	if got > budget+1 {
		t.Errorf("%d calls, over the shared budget of %d", got, budget)
	}
	if got < budget/2 {
		t.Errorf("%d calls, far under the budget of %d: the callers were held back beyond it", got, budget)
	}
}

func TestRateLimitReadsAndWritesHaveTheirOwnBudgets(t *testing.T) {
	limits := cloud.NewRateLimits(cloud.RateLimitOptions{ReadQPS: 2, ReadBurst: 1, WriteQPS: 100, WriteBurst: 1, HoldBack: 200 * time.Millisecond})
	_, clients := simClients(t, limits, 1)
	c := clients[0].EC2("us-east-1")
	ctx := cloud.TrackHoldBack(context.Background())

	if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("a write waited %s for the spent read budget", d)
	}
	if h, held := cloud.HeldBack(ctx); held {
		t.Errorf("HeldBack = %s before any call waited", h)
	}

	var done atomic.Bool
	go func() {
		_, _ = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		done.Store(true)
	}()
	deadline := time.Now().Add(time.Second)
	for !done.Load() {
		if h, held := cloud.HeldBack(ctx); held {
			if h.Service != "ec2" || h.Write || h.Wait < 200*time.Millisecond {
				t.Errorf("HeldBack = %+v, want ec2 reads waiting 500ms", h)
			}
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Error("a read waiting 500ms for its budget was never reported held back while it waited")
}

func TestRateLimitRefusesACallDueAfterTheDeadline(t *testing.T) {
	limits := cloud.NewRateLimits(cloud.RateLimitOptions{WriteQPS: 0.1, WriteBurst: 1})
	sim, clients := simClients(t, limits, 1)
	c := clients[0].EC2("us-east-1")
	in := &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}
	if _, err := c.CreateVpc(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.CreateVpc(ctx, in)
	if !errors.Is(err, cloud.ErrRateBudget) || !cloud.IsThrottled(err) {
		t.Fatalf("err = %v, want ErrRateBudget (throttled)", err)
	}
	if got := sim.CallCount("ec2", "CreateVpc"); got != 1 {
		t.Errorf("CreateVpc reached AWS %d times, want 1", got)
	}
}
